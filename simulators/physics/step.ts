import { plcScan } from '../plc/plc.ts';
import type { CompiledNetwork } from './compile.ts';
import { exchange } from './heat-exchanger.ts';
import { solveHydraulics } from './hydraulics.ts';
import { radiatorOutput } from './radiator.ts';
import { holdPlcForSeason, inService, stepSeasonLoop, stepUnheated } from './season.ts';
import { PHASE_CODE } from './season-phase.ts';
import { stepSecondaryLoop } from './secondary-loop.ts';
import { cloneState, HISTORY_LENGTH, HISTORY_STEP_S, type PlantState } from './state.ts';
import { CP, RHO } from './water.ts';
import { outdoorTemperature } from './weather.ts';

/** The valve actuator's travel limit: 1 % of stroke per second. */
export const VALVE_RATE_PER_S = 0.01;
/** Primary supply temperature at +5 °C outdoor is `supply_c_mild`; colder weather raises it linearly. */
const MILD_OUTDOOR_C = 5;
const MIN_VELOCITY_M_S = 0.02;

interface Scratch {
  delayS: Float64Array;
  lossFactor: Float64Array;
  returnHeat: Float64Array;
  returnMass: Float64Array;
}
const scratchOf = new WeakMap<CompiledNetwork, Scratch>();

function scratchFor(net: CompiledNetwork): Scratch {
  let s = scratchOf.get(net);
  if (!s) {
    const m = net.nodeCount;
    s = { delayS: new Float64Array(m), lossFactor: new Float64Array(m), returnHeat: new Float64Array(m), returnMass: new Float64Array(m) };
    scratchOf.set(net, s);
  }
  return s;
}

/** Source supply temperature `ageS` seconds ago, from the history ring (linear interpolation). */
function suppliedAt(s: PlantState, ageS: number): number {
  const back = Math.min(ageS / HISTORY_STEP_S, HISTORY_LENGTH - 2);
  const whole = Math.floor(back);
  const frac = back - whole;
  const a = s.supplyHistory[(s.historyHead - whole + HISTORY_LENGTH) % HISTORY_LENGTH];
  const b = s.supplyHistory[(s.historyHead - whole - 1 + HISTORY_LENGTH) % HISTORY_LENGTH];
  return a + (b - a) * frac;
}

/** What the heat source aims its supply temperature at for this outdoor temperature. */
export function sourceSupplyTarget(net: CompiledNetwork, outdoorC: number): number {
  const { supply_c_at_design: atDesign, supply_c_mild: mild } = net.spec.source;
  const share = (MILD_OUTDOOR_C - outdoorC) / (MILD_OUTDOOR_C - net.spec.weather.design_outdoor_c);
  return mild + (atDesign - mild) * Math.min(1, Math.max(0, share));
}

/** Exchanger, radiators and buildings of substation i, given its primary inlet temperature. */
function stepHeat(net: CompiledNetwork, s: PlantState, i: number, dt: number, outdoorC: number): void {
  const c1 = s.nodeFlowM3s[net.subNode[i]] * RHO * CP;
  const c2 = s.flow2M3s[i] * RHO * CP;
  const hx = exchange(net.hxUA[i], c1, c2, s.t1s[i], s.t2r[i]);
  s.heatW[i] = hx.q;
  s.t1r[i] = hx.primaryOut;
  s.t2s[i] = hx.secondaryOut;
  s.energyJ[i] += hx.q * dt;

  let delivered = 0;
  let roomMean = 0;
  const first = net.firstBuilding[i];
  const last = net.firstBuilding[i + 1];
  for (let b = first; b < last; b++) {
    const q = radiatorOutput(net.bRadiator[b], c2 * net.bFlowShare[b], s.t2s[i], s.tIn[b], s.qRad[b]);
    s.qRad[b] = q;
    delivered += q;
    roomMean += net.bFlowShare[b] * s.tIn[b];
    const net_W = q + net.bGainsW[b] - net.bUA[b] * (s.tIn[b] - outdoorC);
    s.tIn[b] += (net_W * dt) / net.bCapacityJK[b];
  }
  // The loop's water carries the radiators' return back to the exchanger after one loop time.
  const returning = c2 > 1e-6 ? s.t2s[i] - delivered / c2 : roomMean;
  const loopTimeS = s.flow2M3s[i] > 1e-9 ? net.loopVolumeM3[i] / s.flow2M3s[i] : 6 * 3600;
  s.t2r[i] += (returning - s.t2r[i]) * (1 - Math.exp(-dt / loopTimeS));
}

/**
 * Advances the plant by dt seconds: a pure function of the network, the state and dt.
 * Order of a step: weather, PLC scans, valve actuators, primary hydraulics, secondary loops,
 * supply temperatures down the tree (delay and loss), exchangers and buildings, returns up the
 * tree, heat source. `into` (a state no longer needed) saves allocating the next one.
 */
export function step(net: CompiledNetwork, prev: PlantState, dt: number, into?: PlantState): PlantState {
  const s = cloneState(prev, into);
  const scratch = scratchFor(net);
  const { n, nodeCount, parent, nodeSubstation, pipeLossWK, pipeLengthM, pipeAreaM2 } = net;
  const groundC = net.spec.weather.ground_c;

  s.timeMs += dt * 1000;
  s.elapsedS += dt;
  const outdoorC = outdoorTemperature(net.spec.weather, s.timeMs, s.elapsedS) - s.coldSnapK;
  s.outdoorC = outdoorC;

  for (let i = 0; i < n; i++) {
    plcScan(s, i, dt);
    if (!inService(net, s, i)) holdPlcForSeason(net, s, i);
    if (!s.valveStuck[i] && !s.powerOff[i]) {
      const travel = VALVE_RATE_PER_S * dt;
      const want = s.valveCommand[i];
      const at = s.valve[i];
      s.valve[i] = want > at ? Math.min(want, at + travel) : Math.max(want, at - travel);
    }
  }

  solveHydraulics(net, s.valve, s);
  for (let i = 0; i < n; i++) {
    if (inService(net, s, i)) stepSecondaryLoop(net, s, i, dt);
    else stepSeasonLoop(net, s, i, dt);
  }

  // Supply side, source → leaves: transport delay and heat loss compound along the path.
  const { delayS, lossFactor, returnHeat, returnMass } = scratch;
  delayS[0] = 0;
  lossFactor[0] = 1;
  let supplyLossW = 0;
  for (let k = 1; k < nodeCount; k++) {
    const p = parent[k];
    const q = s.nodeFlowM3s[k];
    const mcp = q * RHO * CP;
    const velocity = Math.max(q / pipeAreaM2[k], MIN_VELOCITY_M_S);
    delayS[k] = delayS[p] + pipeLengthM[k] / velocity;
    lossFactor[k] = mcp > 1e-3 ? lossFactor[p] * Math.exp(-pipeLossWK[k] / mcp) : 0;
    const sent = suppliedAt(s, delayS[k]) - groundC;
    supplyLossW += mcp * sent * (lossFactor[p] - lossFactor[k]);
    const sub = nodeSubstation[k];
    if (sub >= 0) s.t1s[sub] = groundC + sent * lossFactor[k];
  }

  for (let i = 0; i < n; i++) {
    if (s.seasonPhase[i] === PHASE_CODE.hot) stepHeat(net, s, i, dt, outdoorC);
    else stepUnheated(net, s, i, dt, outdoorC);
  }

  // Return side, leaves → source: each return pipe loses heat, branches mix at junctions.
  returnHeat.fill(0);
  returnMass.fill(0);
  let returnLossW = 0;
  for (let k = nodeCount - 1; k >= 1; k--) {
    const sub = nodeSubstation[k];
    const m = s.nodeFlowM3s[k] * RHO;
    const tIn = sub >= 0 ? s.t1r[sub] : returnMass[k] > 0 ? returnHeat[k] / returnMass[k] : groundC;
    const tOut = m > 1e-6 ? groundC + (tIn - groundC) * Math.exp(-pipeLossWK[k] / (m * CP)) : groundC;
    returnLossW += m * CP * (tIn - tOut);
    returnHeat[parent[k]] += m * tOut;
    returnMass[parent[k]] += m;
  }
  s.supplyLossW = supplyLossW;
  s.returnLossW = returnLossW;
  s.sourceReturnC = returnMass[0] > 0 ? returnHeat[0] / returnMass[0] : s.sourceSupplyC;
  s.sourceFlowM3s = s.nodeFlowM3s[0];
  s.sourceSupplyPa = s.nodeSupplyPa[0];
  const mcpSource = s.sourceFlowM3s * RHO * CP;
  s.sourceHeatW = mcpSource * (s.sourceSupplyC - s.sourceReturnC);

  // Heat source: follows its outdoor curve within its capacity; a trip takes that share away.
  const capacityC = mcpSource > 0 ? s.sourceReturnC + net.source.maxPowerW / mcpSource : s.sourceSupplyC;
  // Before it is lit the source only circulates: no heat, its outlet follows its inlet.
  const wanted = s.sourceLit ? Math.min(sourceSupplyTarget(net, outdoorC) + s.sourceOffsetK, capacityC) : s.sourceReturnC;
  const target = s.sourceReturnC + (wanted - s.sourceReturnC) * (1 - s.sourceTrip);
  s.sourceSupplyC += (target - s.sourceSupplyC) * (1 - Math.exp(-dt / net.source.tauS));
  while (s.historyTimeS + HISTORY_STEP_S <= s.elapsedS) {
    s.historyTimeS += HISTORY_STEP_S;
    s.historyHead = (s.historyHead + 1) % HISTORY_LENGTH;
    s.supplyHistory[s.historyHead] = s.sourceSupplyC;
  }
  return s;
}
