import type { CompiledNetwork } from './compile.ts';
import type { PlantState } from './state.ts';

/** How fast the make-up loop's pressure follows what the pump can hold, s. */
const STATIC_PRESSURE_TAU_S = 120;
/** Tank refill valve: full open below 1.5 m, shut at 2 m; at most 30 % of the make-up capacity. */
const TANK_FULL_M = 2;

/** Circulation of substation i's full loop: the pump curve scales with (f/50)², the filter adds its (clogged) resistance. */
export function circulate(net: CompiledNetwork, s: PlantState, i: number): number {
  const pumping = s.pumpHz[i] > 0;
  const ratio = s.pumpHz[i] / 50;
  const filterS = net.filterS[i] * s.filterClog[i];
  const q2 = pumping ? ratio * Math.sqrt(net.pumpH0[i] / (net.loopS[i] + filterS + net.pumpA[i])) : 0;
  s.flow2M3s[i] = q2;
  s.filterDpPa[i] = filterS * q2 * q2;
  return q2;
}

/** Make-up holds the loop's static pressure by replacing what leaks, while it can; the tank refills behind it. */
export function holdStaticPressure(net: CompiledNetwork, s: PlantState, i: number, dt: number, q2: number): void {
  const loss = net.baselineLossM3s[i] + s.leakM3s[i];
  const canPump = s.powerOff[i] === 0 && s.tankLevelM[i] > 0.1;
  const makeup = canPump ? Math.min(loss, net.makeupCapM3s[i]) : 0;
  s.makeupM3s[i] = makeup;
  const deficit = (loss - makeup) / net.makeupCapM3s[i];
  const sag = 0.05 * (makeup / net.makeupCapM3s[i]) + 2 * deficit;
  const heldPa = net.staticPa[i] * Math.max(0.1, 1 - sag);
  s.p2rPa[i] += (heldPa - s.p2rPa[i]) * (1 - Math.exp(-dt / STATIC_PRESSURE_TAU_S));
  s.p2sPa[i] = s.p2rPa[i] + net.loopS[i] * q2 * q2;
  const refill = s.powerOff[i] ? 0 : 0.3 * net.makeupCapM3s[i] * Math.min(1, Math.max(0, (TANK_FULL_M - s.tankLevelM[i]) / 0.5));
  s.tankLevelM[i] = Math.max(0, s.tankLevelM[i] + ((refill - makeup) * dt) / net.tankAreaM2[i]);
}

/** A full loop in service: circulating and held at its static pressure. */
export function stepSecondaryLoop(net: CompiledNetwork, s: PlantState, i: number, dt: number): void {
  holdStaticPressure(net, s, i, dt, circulate(net, s, i));
}
