import { ControlMode } from '../../model/tags.ts';
import type { CompiledNetwork } from './compile.ts';
import { PHASE_CODE } from './season-phase.ts';
import { circulate, holdStaticPressure } from './secondary-loop.ts';
import type { PlantState } from './state.ts';

// The season start of a secondary loop (model/season.ts; simulators/README.md, "Season"): empty,
// filling, pressure test, cold run, as data in the state arrays. `hot` with a full loop is
// today's physics and never comes here, so a plant without a season runs exactly as before.

/** Water that has not been heated: fresh from the mains, standing in an unheated building. */
export const WATER_AMBIENT_C = 10;
/** A cold run's water warms a little from the pump and the rooms, never above this. */
const COLD_RUN_MAX_C = 15;
/** How fast standing or cold-circulating water takes the temperature it tends to, s. */
const WATER_TAU_S = 3600;
/** The cold run turns the circulation pump at its design frequency. */
export const DESIGN_PUMP_HZ = 50;
/** What a tight, isolated loop still loses in a pressure test (valve seats, vents), MPa per hour. */
const TIGHT_DROP_PA_PER_S = 0.002e6 / 3600;
/** The pressure gauges' scatter in a still loop, Pa (a deterministic wobble: the same run, the same curve). */
const GAUGE_NOISE_PA = 300;

/** A loop in service as today: hot and full of water. Anything else is played by this file. */
export function inService(net: CompiledNetwork, s: PlantState, i: number): boolean {
  return s.seasonPhase[i] === PHASE_CODE.hot && s.loopWaterM3[i] >= net.loopVolumeM3[i];
}

/**
 * After the PLC's scan: outside `hot` the primary valve stays shut (the loop takes no heat);
 * the circulation pump runs only in a cold run of a full loop, at its design frequency.
 */
export function holdPlcForSeason(net: CompiledNetwork, s: PlantState, i: number): void {
  if (s.seasonPhase[i] !== PHASE_CODE.hot) {
    s.valveCommand[i] = 0;
    if (s.mode[i] === ControlMode.local) {
      // The PLC's own loop is held closed, so lighting up later starts from a shut valve.
      s.piIntegral[i] = 0;
      s.valveSetpointPct[i] = 0;
    }
  }
  const full = s.loopWaterM3[i] >= net.loopVolumeM3[i];
  if (s.seasonPhase[i] === PHASE_CODE.cold_run && full) {
    if (s.pumpRunning[i]) s.pumpHz[i] = DESIGN_PUMP_HZ;
    return;
  }
  s.pumpRunning[i] = 0;
  s.pumpHz[i] = 0;
}

function gaugeNoisePa(i: number, elapsedS: number): number {
  return GAUGE_NOISE_PA * Math.sin(elapsedS * 0.71 + i * 2.3) * Math.cos(elapsedS * 0.13 + i * 0.7);
}

/** Pressure of a loop holding `water` m³: the column rising while it fills, then the squeeze of a full loop. */
function pressureOf(net: CompiledNetwork, i: number, water: number): number {
  const volume = net.loopVolumeM3[i];
  const staticPa = net.staticPa[i];
  return water < volume ? (staticPa * water) / volume : staticPa + (water - volume) / net.complianceM3Pa[i];
}

/** A leak's flow grows with the pressure behind it (an orifice: √p); `leakM3s` is its flow at the static pressure. */
function leakAt(net: CompiledNetwork, s: PlantState, i: number, pressurePa: number): number {
  return s.leakM3s[i] * Math.sqrt(Math.max(0, pressurePa) / net.staticPa[i]);
}

/** The secondary loop of substation i in a season phase (or hot but not yet full): water, make-up, pressure, circulation. */
export function stepSeasonLoop(net: CompiledNetwork, s: PlantState, i: number, dt: number): void {
  const volume = net.loopVolumeM3[i];
  const powered = s.powerOff[i] === 0;
  let water = s.loopWaterM3[i];
  let makeup = 0;
  s.flow2M3s[i] = 0;
  s.filterDpPa[i] = 0;

  if (s.seasonPhase[i] === PHASE_CODE.empty) {
    water = 0;
  } else if (water < volume && s.testIsolated[i] === 0 && s.fillClosed[i] === 0) {
    // Filling, whatever phase was asked for: a loop is full before it is tested or run. The
    // tank's refill is opened wide to keep up, so its level stays where it was.
    makeup = powered ? net.fillFlowM3s[i] : 0;
    water = Math.min(volume, Math.max(0, water + (makeup - leakAt(net, s, i, pressureOf(net, i, water))) * dt));
  } else if (s.seasonPhase[i] === PHASE_CODE.pressure_test) {
    const pressure = pressureOf(net, i, water);
    if (s.testIsolated[i] === 0) {
      // The make-up pump raises the loop to its test pressure, then the loop is shut in. A leak
      // larger than the pump drains the loop as it tries.
      s.fillClosed[i] = 1;
      makeup = powered ? net.makeupCapM3s[i] : 0;
      water += (makeup - leakAt(net, s, i, pressure)) * dt;
      const testWater = volume + (net.testPa[i] - net.staticPa[i]) * net.complianceM3Pa[i];
      if (water >= testWater) {
        water = testWater;
        s.testIsolated[i] = 1;
      }
    } else {
      water -= (leakAt(net, s, i, pressure) + TIGHT_DROP_PA_PER_S * net.complianceM3Pa[i]) * dt;
    }
    water = Math.max(0, water);
  } else {
    // Full and in service without heat (held after filling, or a cold run): what a test
    // pressed in is let off, and the make-up holds the static pressure as in winter.
    s.loopWaterM3[i] = volume;
    holdStaticPressure(net, s, i, dt, circulate(net, s, i));
    return;
  }
  s.loopWaterM3[i] = water;
  s.makeupM3s[i] = makeup;
  const pressure = water > 0 ? pressureOf(net, i, water) + gaugeNoisePa(i, s.elapsedS) : 0;
  s.p2rPa[i] = pressure;
  s.p2sPa[i] = pressure;
}

/**
 * Exchanger, loop water and buildings of substation i outside `hot`: no heat crosses the
 * exchanger, the water tends to the ambient (a cold run's a little above it), and each building
 * drifts towards the outdoor temperature with its own time constant.
 */
export function stepUnheated(net: CompiledNetwork, s: PlantState, i: number, dt: number, outdoorC: number): void {
  s.heatW[i] = 0;
  s.t1r[i] = s.t1s[i];
  let roomMean = 0;
  for (let b = net.firstBuilding[i]; b < net.firstBuilding[i + 1]; b++) {
    s.qRad[b] = 0;
    roomMean += net.bFlowShare[b] * s.tIn[b];
    s.tIn[b] += ((net.bGainsW[b] - net.bUA[b] * (s.tIn[b] - outdoorC)) * dt) / net.bCapacityJK[b];
  }
  if (s.loopWaterM3[i] === 0) {
    s.t2s[i] = WATER_AMBIENT_C;
    s.t2r[i] = WATER_AMBIENT_C;
    return;
  }
  const tends = s.flow2M3s[i] > 0 ? Math.min(COLD_RUN_MAX_C, Math.max(WATER_AMBIENT_C, roomMean)) : WATER_AMBIENT_C;
  const share = 1 - Math.exp(-dt / WATER_TAU_S);
  s.t2s[i] += (tends - s.t2s[i]) * share;
  s.t2r[i] += (tends - s.t2r[i]) * share;
}

/** Substation i enters a phase (a command): a pressure test starts by raising the pressure again. Then lightSourceIfHot. */
export function enterPhase(net: CompiledNetwork, s: PlantState, i: number, code: number): void {
  s.seasonPhase[i] = code;
  s.testIsolated[i] = 0;
  s.fillClosed[i] = 0;
  if (code === PHASE_CODE.pressure_test && s.loopWaterM3[i] >= net.loopVolumeM3[i]) {
    s.loopWaterM3[i] = net.loopVolumeM3[i] + Math.max(0, s.p2rPa[i] - net.staticPa[i]) * net.complianceM3Pa[i];
  }
}

/** The source is lit while any loop is hot, and only then (after a command has changed phases). */
export function lightSourceIfHot(s: PlantState): void {
  s.sourceLit = s.seasonPhase.includes(PHASE_CODE.hot) ? 1 : 0;
}

/**
 * The plant before its season: every loop drained, the source unlit, every pipe's water at the
 * ambient temperature, homes at `indoorC` (unheated since spring).
 */
export function coldStart(net: CompiledNetwork, s: PlantState, indoorC: number): void {
  s.seasonPhase.fill(PHASE_CODE.empty);
  s.loopWaterM3.fill(0);
  s.testIsolated.fill(0);
  s.fillClosed.fill(0);
  s.sourceLit = 0;
  for (const a of [s.t1s, s.t1r, s.t2s, s.t2r, s.supplyHistory]) a.fill(WATER_AMBIENT_C);
  s.sourceSupplyC = WATER_AMBIENT_C;
  s.sourceReturnC = WATER_AMBIENT_C;
  s.sourceHeatW = 0;
  for (const a of [s.heatW, s.qRad, s.valve, s.valveCommand, s.piIntegral, s.pumpHz, s.flow2M3s, s.p2sPa, s.p2rPa, s.makeupM3s, s.filterDpPa]) a.fill(0);
  s.pumpRunning.fill(0);
  s.tIn.fill(indoorC);
  for (let i = 0; i < net.n; i++) if (s.mode[i] === ControlMode.local) s.valveSetpointPct[i] = 0;
}
