import { secondaryReturnC, secondarySupplyC, type SupplyCurveDesign } from '../model/supply-curve.ts';
import type { CurveSettings, Heating } from './config-schema.ts';

// Weather compensation per emitter type: the DOMAIN.md curve from the settings. The balancing
// trim is in indoor kelvin: a building held δ K warmer loses what it would lose at the design
// indoor temperature on a day δ K colder, so a trim shifts the outdoor temperature the curve
// sees. Its effect on a building is then about one kelvin per kelvin at steady state, in any
// weather (shifting t_n inside the formula would not be: its design terms hold t_n fixed).

export function curveDesign(settings: CurveSettings, heating: Heating): SupplyCurveDesign {
  const c = settings[heating];
  return { indoorC: settings.indoor_c, designOutdoorC: settings.design_outdoor_c, designSupplyC: c.design_supply_c, designReturnC: c.design_return_c, b: c.b };
}

export function supplyTargetC(settings: CurveSettings, heating: Heating, outdoorC: number, trimK = 0): number {
  return secondarySupplyC(curveDesign(settings, heating), outdoorC - trimK);
}

export function returnTargetC(settings: CurveSettings, heating: Heating, outdoorC: number, trimK = 0): number {
  return secondaryReturnC(curveDesign(settings, heating), outdoorC - trimK);
}

/** The trim that makes the curve give `supplyC` (bisection; the curve rises with the trim). */
export function trimForSupply(settings: CurveSettings, heating: Heating, outdoorC: number, supplyC: number, limitK: number): number {
  let lo = -limitK;
  let hi = limitK;
  for (let k = 0; k < 40; k++) {
    const mid = (lo + hi) / 2;
    if (supplyTargetC(settings, heating, outdoorC, mid) < supplyC) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The outdoor temperature the curve sees: now, blended with a forecast where one is configured. */
export function effectiveOutdoorC(nowC: number, forecastC: number | undefined, weight: number): number {
  return forecastC === undefined ? nowC : (1 - weight) * nowC + weight * forecastC;
}
