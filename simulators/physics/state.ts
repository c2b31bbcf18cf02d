import type { CompiledNetwork } from './compile.ts';
import { PHASE_CODE } from './season-phase.ts';

/** Source supply temperature history kept for the transport delay: 6 h at 10 s. */
export const HISTORY_STEP_S = 10;
export const HISTORY_LENGTH = 2160;

/**
 * Everything that changes while the plant runs, as typed arrays indexed by node, substation
 * or building. `step` reads one state and returns the next; faults and PLC writes are inputs
 * set on the state between steps.
 */
export interface PlantState {
  timeMs: number;
  elapsedS: number;
  outdoorC: number;

  sourceSupplyC: number;
  /** The source's setpoint over its own outdoor curve, K (written through its PLC). */
  sourceOffsetK: number;
  sourceReturnC: number;
  sourceFlowM3s: number;
  sourceHeatW: number;
  sourceSupplyPa: number;
  supplyLossW: number;
  returnLossW: number;
  supplyHistory: Float64Array;
  /** Index of the newest history sample and the simulated second it stands for. */
  historyHead: number;
  historyTimeS: number;

  nodeFlowM3s: Float64Array;
  nodeSupplyPa: Float64Array;
  nodeReturnPa: Float64Array;

  valve: Float64Array;
  valveCommand: Float64Array;
  pumpHz: Float64Array;
  t1s: Float64Array;
  t1r: Float64Array;
  t2s: Float64Array;
  t2r: Float64Array;
  heatW: Float64Array;
  energyJ: Float64Array;
  flow2M3s: Float64Array;
  p2sPa: Float64Array;
  p2rPa: Float64Array;
  filterDpPa: Float64Array;
  makeupM3s: Float64Array;
  tankLevelM: Float64Array;

  /** PLC: active mode (0 manual, 1 local, 2 remote), requested mode, setpoints, PI, watchdog. */
  mode: Uint8Array;
  modeSetpoint: Uint8Array;
  valveSetpointPct: Float64Array;
  supplySetpointC: Float64Array;
  pumpSetpointHz: Float64Array;
  piIntegral: Float64Array;
  centreSilentS: Float64Array;
  heartbeatS: Float64Array;
  pumpRunning: Uint8Array;

  /** Fault inputs, set by the fault book. */
  powerOff: Uint8Array;
  pumpTrip: Uint8Array;
  valveStuck: Uint8Array;
  leakM3s: Float64Array;
  filterClog: Float64Array;
  sourceTrip: number;
  coldSnapK: number;

  tIn: Float64Array;
  qRad: Float64Array;

  /** Season (physics/season.ts): each loop's phase code, its water, its pressure test's isolation. */
  seasonPhase: Uint8Array;
  loopWaterM3: Float64Array;
  testIsolated: Uint8Array;
  /** 1 once a loop in its pressure test was full: the fill connection is shut, only the make-up pump raises it. */
  fillClosed: Uint8Array;
  /** 1 while the heat source burns (some loop is in `hot`), 0 before it is lit. */
  sourceLit: number;
}

/**
 * Copies a state, into `into` when given (no allocation: the simulator swaps two buffers),
 * so `step` stays a pure function of its input.
 */
export function cloneState(s: PlantState, into?: PlantState): PlantState {
  const copy = { ...s } as Record<string, unknown>;
  for (const key of Object.keys(s) as (keyof PlantState)[]) {
    const v = s[key];
    if (v instanceof Float64Array || v instanceof Uint8Array) {
      const target = into?.[key] as typeof v | undefined;
      if (target && target.length === v.length) {
        (target as Float64Array).set(v);
        copy[key] = target;
      } else {
        copy[key] = v.slice();
      }
    }
  }
  return copy as unknown as PlantState;
}

export interface InitialConditions {
  startMs: number;
  mode: 0 | 1 | 2;
  valvePct: number;
  pumpHz: number;
  supplyC: number;
  outdoorC: number;
  /** Per substation secondary supply setpoint, °C. */
  supplySetpointC: (i: number) => number;
}

export function initialState(net: CompiledNetwork, init: InitialConditions): PlantState {
  const { n, nodeCount, buildingCount } = net;
  const f = (size: number, value = 0): Float64Array => new Float64Array(size).fill(value);
  const u = (size: number, value = 0): Uint8Array => new Uint8Array(size).fill(value);
  const supplySetpoint = Float64Array.from({ length: n }, (_, i) => init.supplySetpointC(i));
  const tIn = new Float64Array(buildingCount);
  for (let i = 0; i < n; i++) {
    for (let b = net.firstBuilding[i]; b < net.firstBuilding[i + 1]; b++) tIn[b] = net.designIndoorC[i] + 1;
  }
  return {
    timeMs: init.startMs,
    elapsedS: 0,
    outdoorC: init.outdoorC,
    sourceSupplyC: init.supplyC,
    sourceOffsetK: 0,
    sourceReturnC: init.supplyC - 40,
    sourceFlowM3s: 0,
    sourceHeatW: 0,
    sourceSupplyPa: net.source.returnPa,
    supplyLossW: 0,
    returnLossW: 0,
    supplyHistory: f(HISTORY_LENGTH, init.supplyC),
    historyHead: 0,
    historyTimeS: 0,
    nodeFlowM3s: f(nodeCount),
    nodeSupplyPa: f(nodeCount, net.source.returnPa),
    nodeReturnPa: f(nodeCount, net.source.returnPa),
    valve: f(n, init.valvePct / 100),
    valveCommand: f(n, init.valvePct / 100),
    pumpHz: f(n, init.pumpHz),
    t1s: f(n, init.supplyC),
    t1r: f(n, init.supplyC - 40),
    t2s: Float64Array.from(supplySetpoint),
    t2r: Float64Array.from(supplySetpoint, (t, i) => (t + net.designIndoorC[i]) / 2),
    heatW: f(n),
    energyJ: f(n),
    flow2M3s: f(n),
    p2sPa: Float64Array.from(net.staticPa),
    p2rPa: Float64Array.from(net.staticPa),
    filterDpPa: f(n),
    makeupM3s: Float64Array.from(net.baselineLossM3s),
    tankLevelM: f(n, 2),
    mode: u(n, init.mode),
    modeSetpoint: u(n, init.mode),
    valveSetpointPct: f(n, init.valvePct),
    supplySetpointC: supplySetpoint,
    pumpSetpointHz: f(n, init.pumpHz),
    piIntegral: f(n, init.valvePct / 100),
    centreSilentS: f(n),
    heartbeatS: f(n),
    pumpRunning: u(n, 1),
    powerOff: u(n),
    pumpTrip: u(n),
    valveStuck: u(n),
    leakM3s: f(n),
    filterClog: f(n, 1),
    sourceTrip: 0,
    coldSnapK: 0,
    tIn,
    qRad: new Float64Array(buildingCount),
    seasonPhase: u(n, PHASE_CODE.hot),
    loopWaterM3: Float64Array.from(net.loopVolumeM3),
    testIsolated: u(n),
    fillClosed: u(n),
    sourceLit: 1,
  };
}
