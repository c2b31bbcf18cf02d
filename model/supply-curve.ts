// The textbook weather-compensation curve (质调节) of DOMAIN.md: the secondary supply
// temperature that quality regulation asks for at a given outdoor temperature.

export interface SupplyCurveDesign {
  /** Indoor design temperature t_n, °C (18 by the law's floor). */
  indoorC: number;
  /** Outdoor design temperature t_w′, °C. */
  designOutdoorC: number;
  /** Design secondary supply t_g′ and return t_h′, °C. */
  designSupplyC: number;
  designReturnC: number;
  /** Radiator exponent term b: 0.3 for radiators. */
  b: number;
}

/** Relative heat load φ = (t_n − t_w)/(t_n − t_w′), never negative. */
export function relativeLoad(design: SupplyCurveDesign, outdoorC: number): number {
  return Math.max(0, (design.indoorC - outdoorC) / (design.indoorC - design.designOutdoorC));
}

/** T₂s = t_n + ½(t_g′ + t_h′ − 2t_n)·φ^(1/(1+b)) + ½(t_g′ − t_h′)·φ. */
export function secondarySupplyC(design: SupplyCurveDesign, outdoorC: number): number {
  const phi = relativeLoad(design, outdoorC);
  const { indoorC: tn, designSupplyC: tg, designReturnC: th, b } = design;
  return tn + 0.5 * (tg + th - 2 * tn) * Math.pow(phi, 1 / (1 + b)) + 0.5 * (tg - th) * phi;
}

/** The matching return temperature: T₂r = T₂s − (t_g′ − t_h′)·φ. */
export function secondaryReturnC(design: SupplyCurveDesign, outdoorC: number): number {
  return secondarySupplyC(design, outdoorC) - (design.designSupplyC - design.designReturnC) * relativeLoad(design, outdoorC);
}
