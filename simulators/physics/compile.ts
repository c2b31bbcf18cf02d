import { HeatScadaError } from '../../model/errors.ts';
import type { Network } from '../network/schema.ts';
import { RADIATOR_EXPONENT, FLOOR_EXPONENT, radiatorLaw, type RadiatorLaw } from './radiator.ts';
import { CP, RHO, kpaToPa, m3hToM3s, mpaToPa, resistanceFor } from './water.ts';

const PIPE_ROUGHNESS_M = 0.0005;
/** Normal secondary losses the make-up pump replaces: a share of the loop volume per hour. */
const BASELINE_LOSS_PER_H = 0.002;
/**
 * Water a full, isolated loop takes per MPa above its static pressure, as a share of its volume:
 * water alone gives 0.05 %, pipe and radiator elasticity and the air still trapped in a loop
 * filled days ago (venting takes days) the rest. With it the make-up pump takes minutes, not
 * seconds, to raise a loop to its test pressure, and a leak's fall shows over minutes.
 */
const LOOP_COMPLIANCE_PER_MPA = 0.03;
/** The secondary pressure sensors' range (model/tags.ts): a default test pressure stays inside it. */
const MAX_TEST_PRESSURE_MPA = 1.6;

/** The season pressure test's pressure: as given, or 1.25 × static and at least static + 0.1 MPa. */
export function testPressureMpa(loop: { static_pressure_mpa: number; test_pressure_mpa?: number | undefined }): number {
  const ps = loop.static_pressure_mpa;
  return loop.test_pressure_mpa ?? Math.min(MAX_TEST_PRESSURE_MPA, Math.max(1.25 * ps, ps + 0.1));
}

/**
 * The network as flat typed arrays in SI units, nodes in topological order (every parent
 * before its children, node 0 the heat source), so the solver runs in straight loops.
 */
export interface CompiledNetwork {
  spec: Network;
  nodeCount: number;
  parent: Int32Array;
  /** Supply + return pipe resistance of the edge into each node, Pa/(m³/s)². */
  pipeS: Float64Array;
  pipeLengthM: Float64Array;
  pipeAreaM2: Float64Array;
  /** U'·L of one pipe of the edge, W/K. */
  pipeLossWK: Float64Array;
  nodeSubstation: Int32Array;

  n: number;
  ids: string[];
  indexOf: Map<string, number>;
  subNode: Int32Array;
  valveKvs: Float64Array;
  fixedS: Float64Array;
  hxUA: Float64Array;
  /** Circulation pump curve at 50 Hz: Δp = h0·(f/50)² − a·Q². */
  pumpH0: Float64Array;
  pumpA: Float64Array;
  loopS: Float64Array;
  filterS: Float64Array;
  loopVolumeM3: Float64Array;
  staticPa: Float64Array;
  makeupCapM3s: Float64Array;
  /** Season: the flow that fills an empty loop, the test pressure, m³ taken per Pa above static. */
  fillFlowM3s: Float64Array;
  testPa: Float64Array;
  complianceM3Pa: Float64Array;
  tankAreaM2: Float64Array;
  baselineLossM3s: Float64Array;
  designIndoorC: Float64Array;
  designSecondarySupplyC: Float64Array;
  designSecondaryReturnC: Float64Array;

  buildingCount: number;
  /** Buildings of substation i are firstBuilding[i] .. firstBuilding[i+1]-1. */
  firstBuilding: Int32Array;
  buildingIds: string[];
  bAreaM2: Float64Array;
  bUA: Float64Array;
  bCapacityJK: Float64Array;
  bGainsW: Float64Array;
  bFlowShare: Float64Array;
  bRadiator: RadiatorLaw[];
  bSpreadK: Float64Array;

  source: {
    h0: number;
    a: number;
    returnPa: number;
    maxPowerW: number;
    tauS: number;
  };
}

function darcyPairResistance(lengthM: number, diameterMm: number): { s: number; area: number } {
  const d = diameterMm / 1000;
  const area = (Math.PI * d * d) / 4;
  const f = 0.25 / Math.log10(PIPE_ROUGHNESS_M / (3.7 * d)) ** 2;
  const one = (f * lengthM * RHO) / (2 * d * area * area);
  return { s: 2 * one, area };
}

/** Checks what the schema cannot (ids, parents, the tree) and flattens the network. */
export function compileNetwork(spec: Network): CompiledNetwork {
  const nodeIds = [spec.source.id];
  const seen = new Map<string, string>([[spec.source.id, '/source/id']]);
  const claim = (id: string, path: string): void => {
    const before = seen.get(id);
    if (before) throw new HeatScadaError('HS_ERR_NETWORK_INVALID', `id "${id}" is already used at ${before}`, path);
    seen.set(id, path);
  };
  spec.junctions.forEach((j, k) => claim(j.id, `/junctions/${k}/id`));
  spec.substations.forEach((s, k) => {
    claim(s.id, `/substations/${k}/id`);
    s.buildings.forEach((b, m) => claim(`${s.id}/${b.id}`, `/substations/${k}/buildings/${m}/id`));
  });

  // Order junctions so each comes after its parent; a parent that never resolves is an error.
  const junctionIds = new Set(spec.junctions.map((j) => j.id));
  const placed = new Set([spec.source.id]);
  const orderedJunctions: typeof spec.junctions = [];
  let pending = spec.junctions.map((j, k) => ({ j, k }));
  while (pending.length > 0) {
    const before = pending.length;
    for (const { j } of pending) {
      if (placed.has(j.parent)) {
        orderedJunctions.push(j);
        placed.add(j.id);
      }
    }
    pending = pending.filter(({ j }) => !placed.has(j.id));
    if (pending.length === before) {
      const { j, k } = pending[0];
      const why = junctionIds.has(j.parent) ? 'forms a loop; the network must be a tree' : 'names no junction or source';
      throw new HeatScadaError('HS_ERR_NETWORK_INVALID', `parent "${j.parent}" ${why}`, `/junctions/${k}/parent`);
    }
  }
  spec.substations.forEach((s, k) => {
    if (!placed.has(s.parent)) {
      throw new HeatScadaError('HS_ERR_NETWORK_INVALID', `parent "${s.parent}" names no junction or source`, `/substations/${k}/parent`);
    }
    const d = s.design;
    if (d.primary_return_c >= d.primary_supply_c || d.secondary_return_c >= d.secondary_supply_c) {
      throw new HeatScadaError('HS_ERR_NETWORK_INVALID', 'design return must be colder than design supply', `/substations/${k}/design`);
    }
    if (d.secondary_return_c <= d.indoor_c) {
      throw new HeatScadaError('HS_ERR_NETWORK_INVALID', 'design secondary return must be warmer than indoor', `/substations/${k}/design/secondary_return_c`);
    }
  });

  const n = spec.substations.length;
  const nodeCount = 1 + orderedJunctions.length + n;
  const nodeIndex = new Map<string, number>([[spec.source.id, 0]]);
  const parent = new Int32Array(nodeCount).fill(-1);
  const pipeS = new Float64Array(nodeCount);
  const pipeLengthM = new Float64Array(nodeCount);
  const pipeAreaM2 = new Float64Array(nodeCount);
  const pipeLossWK = new Float64Array(nodeCount);
  const nodeSubstation = new Int32Array(nodeCount).fill(-1);
  const addEdge = (k: number, id: string, p: { parent: string; length_m: number; diameter_mm: number; heat_loss_w_mk: number }): void => {
    nodeIds[k] = id;
    nodeIndex.set(id, k);
    parent[k] = nodeIndex.get(p.parent)!;
    const { s, area } = darcyPairResistance(p.length_m, p.diameter_mm);
    pipeS[k] = s;
    pipeLengthM[k] = p.length_m;
    pipeAreaM2[k] = area;
    pipeLossWK[k] = p.heat_loss_w_mk * p.length_m;
  };
  orderedJunctions.forEach((j, k) => addEdge(1 + k, j.id, j));

  const buildingCount = spec.substations.reduce((sum, s) => sum + s.buildings.length, 0);
  const f64 = (): Float64Array => new Float64Array(n);
  const fb = (): Float64Array => new Float64Array(buildingCount);
  const net: CompiledNetwork = {
    spec,
    nodeCount,
    parent,
    pipeS,
    pipeLengthM,
    pipeAreaM2,
    pipeLossWK,
    nodeSubstation,
    n,
    ids: spec.substations.map((s) => s.id),
    indexOf: new Map(spec.substations.map((s, i) => [s.id, i])),
    subNode: new Int32Array(n),
    valveKvs: f64(),
    fixedS: f64(),
    hxUA: f64(),
    pumpH0: f64(),
    pumpA: f64(),
    loopS: f64(),
    filterS: f64(),
    loopVolumeM3: f64(),
    staticPa: f64(),
    makeupCapM3s: f64(),
    fillFlowM3s: f64(),
    testPa: f64(),
    complianceM3Pa: f64(),
    tankAreaM2: f64(),
    baselineLossM3s: f64(),
    designIndoorC: f64(),
    designSecondarySupplyC: f64(),
    designSecondaryReturnC: f64(),
    buildingCount,
    firstBuilding: new Int32Array(n + 1),
    buildingIds: [],
    bAreaM2: fb(),
    bUA: fb(),
    bCapacityJK: fb(),
    bGainsW: fb(),
    bFlowShare: fb(),
    bRadiator: [],
    bSpreadK: fb(),
    source: {
      h0: mpaToPa(spec.source.pump_shutoff_mpa),
      a: 0,
      returnPa: mpaToPa(spec.source.return_pressure_mpa),
      maxPowerW: spec.source.max_power_mw * 1e6,
      tauS: spec.source.time_constant_s,
    },
  };
  const headDropPa = mpaToPa(spec.source.pump_shutoff_mpa - spec.source.pump_design_head_mpa);
  if (headDropPa <= 0) {
    throw new HeatScadaError('HS_ERR_NETWORK_INVALID', 'shut-off head must exceed the design head', '/source/pump_shutoff_mpa');
  }
  net.source.a = resistanceFor(headDropPa, m3hToM3s(spec.source.pump_design_flow_m3h));

  const designOutdoor = spec.weather.design_outdoor_c;
  let b = 0;
  spec.substations.forEach((s, i) => {
    const node = 1 + orderedJunctions.length + i;
    addEdge(node, s.id, s);
    nodeSubstation[node] = i;
    net.subNode[i] = node;
    const d = s.design;
    const qDesignTotal = s.buildings.reduce((sum, bl) => sum + bl.floor_area_m2 * bl.heat_index_w_m2, 0);
    const q1Design = qDesignTotal / (RHO * CP * (d.primary_supply_c - d.primary_return_c));
    const ratedFlow = m3hToM3s(s.pump.rated_flow_m3h);
    const ratedHead = mpaToPa(s.pump.rated_head_mpa);
    const filterDesign = kpaToPa(s.loop.filter_design_kpa);
    if (filterDesign >= ratedHead) {
      throw new HeatScadaError('HS_ERR_NETWORK_INVALID', 'the clean filter drop must be smaller than the pump head', `/substations/${i}/loop/filter_design_kpa`);
    }
    net.valveKvs[i] = s.valve_kvs;
    net.fixedS[i] = resistanceFor(kpaToPa(s.fixed_drop_kpa), q1Design);
    net.hxUA[i] = s.hx_ua_kw_k * 1000;
    // A centrifugal pump's curve: shut-off 25 % above the rated head.
    net.pumpH0[i] = 1.25 * ratedHead;
    net.pumpA[i] = resistanceFor(0.25 * ratedHead, ratedFlow);
    net.filterS[i] = resistanceFor(filterDesign, ratedFlow);
    net.loopS[i] = resistanceFor(ratedHead - filterDesign, ratedFlow);
    net.loopVolumeM3[i] = s.loop.volume_m3;
    net.staticPa[i] = mpaToPa(s.loop.static_pressure_mpa);
    net.makeupCapM3s[i] = m3hToM3s(s.loop.makeup_capacity_m3h);
    net.fillFlowM3s[i] = m3hToM3s(s.loop.fill_flow_m3h ?? s.loop.makeup_capacity_m3h);
    const testMpa = testPressureMpa(s.loop);
    if (testMpa <= s.loop.static_pressure_mpa) {
      throw new HeatScadaError('HS_ERR_NETWORK_INVALID', 'the test pressure must exceed the static pressure', `/substations/${i}/loop/test_pressure_mpa`);
    }
    net.testPa[i] = mpaToPa(testMpa);
    net.complianceM3Pa[i] = (s.loop.volume_m3 * LOOP_COMPLIANCE_PER_MPA) / 1e6;
    net.tankAreaM2[i] = s.loop.tank_m2;
    net.baselineLossM3s[i] = (s.loop.volume_m3 * BASELINE_LOSS_PER_H) / 3600;
    net.designIndoorC[i] = d.indoor_c;
    net.designSecondarySupplyC[i] = d.secondary_supply_c;
    net.designSecondaryReturnC[i] = d.secondary_return_c;
    net.firstBuilding[i] = b;
    const dtDesign = (d.secondary_supply_c + d.secondary_return_c) / 2 - d.indoor_c;
    const exponent = s.heating === 'floor' ? FLOOR_EXPONENT : RADIATOR_EXPONENT;
    for (const bl of s.buildings) {
      const qDesign = bl.floor_area_m2 * bl.heat_index_w_m2;
      const gains = bl.floor_area_m2 * spec.weather.gains_w_m2;
      // Sized so that design output plus gains hold the design indoor temperature on the design day.
      const ua = (qDesign + gains) / (d.indoor_c - designOutdoor);
      net.buildingIds[b] = `${s.id}/${bl.id}`;
      net.bAreaM2[b] = bl.floor_area_m2;
      net.bUA[b] = ua;
      net.bCapacityJK[b] = ua * bl.time_constant_h * 3600;
      net.bGainsW[b] = gains;
      net.bFlowShare[b] = qDesign / qDesignTotal;
      net.bRadiator[b] = radiatorLaw(qDesign, dtDesign, exponent);
      net.bSpreadK[b] = bl.indoor_spread_k;
      b++;
    }
  });
  net.firstBuilding[n] = b;
  if (spec.weather.design_outdoor_c >= Math.min(...net.designIndoorC)) {
    throw new HeatScadaError('HS_ERR_NETWORK_INVALID', 'design outdoor temperature must be below the design indoor temperature', '/weather/design_outdoor_c');
  }
  return net;
}
