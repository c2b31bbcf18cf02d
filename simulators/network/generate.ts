import { compileNetwork } from '../physics/compile.ts';
import { ntuForEffectiveness } from '../physics/heat-exchanger.ts';
import { solveHydraulics } from '../physics/hydraulics.ts';
import { CP, RHO } from '../physics/water.ts';
import type { Location } from '../../model/topology.ts';
import { substationNames } from './names.ts';
import { enlargeStarvedPaths } from './pipe-check.ts';
import { seededRandom, type Random } from './random.ts';
import type { BuildingSpec, JunctionSpec, Network, SubstationSpec } from './schema.ts';

export interface CityOptions {
  substations: number;
  seed: number;
  name?: string;
  /** Where the heat source stands (default: Shenyang). */
  origin?: { lat: number; lon: number };
  designOutdoorC?: number;
  meanOutdoorC?: number;
  /** Share of substations served over OPC UA; the rest speak Modbus TCP. */
  opcuaShare?: number;
  minDistanceKm?: number;
  maxDistanceKm?: number;
}

const PIPE_SIZES_MM = [50, 65, 80, 100, 125, 150, 200, 250, 300, 350, 400, 450, 500, 600, 700, 800, 900, 1000, 1200, 1400];
/** Mains are sized for about 1.2 m/s at design flow, which keeps a 15 km network's head sane. */
const DESIGN_VELOCITY_M_S = 1.2;
/** Pipe heat loss sized to about 1 K per km at design flow (DOMAIN.md: 0.5–2 K/km). */
const DESIGN_LOSS_K_PER_KM = 0.5;
const PRIMARY_SUPPLY_C = 110;
const PRIMARY_RETURN_C = 50;
const JUNCTION_SPACING_KM = 1;
/** The source pump delivers the design flow (this share of it) with every valve at the same opening. */
const PUMP_MARGIN = 1.05;
export const EQUAL_OPENING = 0.7;
/** Names draw from their own sequence, so naming leaves the physics of a seed as it was. */
const NAMES_SEED = 0x6e616d65;

/** The point `km` from `origin` in the direction `angle` (radians, counter-clockwise from east). */
function offset(origin: Location, km: number, angle: number): Location {
  return {
    lat: Number((origin.lat + (km / 111) * Math.sin(angle)).toFixed(5)),
    lon: Number((origin.lon + (km / (111 * Math.cos((origin.lat * Math.PI) / 180))) * Math.cos(angle)).toFixed(5)),
  };
}

function pipeFor(designM3s: number, lengthM: number): { length_m: number; diameter_mm: number; heat_loss_w_mk: number } {
  const needMm = Math.sqrt((4 * designM3s) / (Math.PI * DESIGN_VELOCITY_M_S)) * 1000;
  const diameter = PIPE_SIZES_MM.find((d) => d >= needMm) ?? PIPE_SIZES_MM[PIPE_SIZES_MM.length - 1];
  const mcp = designM3s * RHO * CP;
  const perMetre = (DESIGN_LOSS_K_PER_KM / 1000) * mcp / (PRIMARY_SUPPLY_C - 5);
  return { length_m: Math.round(lengthM), diameter_mm: diameter, heat_loss_w_mk: Number(perMetre.toFixed(3)) };
}

function makeBuildings(rnd: Random, areaM2: number): BuildingSpec[] {
  const count = 1 + Math.floor(rnd() * 3);
  const weights = Array.from({ length: count }, () => 0.5 + rnd());
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w, k) => ({
    id: `B${k + 1}`,
    floor_area_m2: Math.round((areaM2 * w) / total),
    heat_index_w_m2: Math.round(40 + rnd() * 30),
    time_constant_h: Math.round(30 + rnd() * 50),
    indoor_spread_k: Number((1 + rnd()).toFixed(1)),
  }));
}

function designDuty(buildings: BuildingSpec[]): number {
  return buildings.reduce((sum, b) => sum + b.floor_area_m2 * b.heat_index_w_m2, 0);
}

/**
 * Generates a plausible city of N substations: trunk mains radiating from one heat source,
 * junctions every kilometre, substations 0.5–15 km out on short service pipes. Every
 * substation's valve is sized alike, so at equal openings the near ones (more pressure
 * available) overflow and the far ones starve: the imbalance balancing must fix.
 * Deterministic for a seed.
 */
export function generateCity(options: CityOptions): Network {
  const rnd = seededRandom(options.seed);
  const n = options.substations;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`substations must be a whole number ≥ 1, got ${n}`);
  const origin = options.origin ?? { lat: 41.8, lon: 123.43 };
  const designOutdoorC = options.designOutdoorC ?? -16.9;
  const minKm = options.minDistanceKm ?? 0.5;
  const maxKm = options.maxDistanceKm ?? 15;
  const opcuaShare = options.opcuaShare ?? 0.5;
  const trunks = Math.min(8, Math.max(2, Math.round(Math.sqrt(n) / 2)));
  const trunkAngle = Array.from({ length: trunks }, (_, t) => (2 * Math.PI * t) / trunks + (rnd() - 0.5) * 0.4);
  const trunkJunctions = Math.ceil(maxKm / JUNCTION_SPACING_KM);

  interface Draft {
    spec: Omit<SubstationSpec, 'name' | 'length_m' | 'diameter_mm' | 'heat_loss_w_mk' | 'hx_ua_kw_k' | 'valve_kvs'>;
    trunk: number;
    serviceM: number;
    designM3s: number;
    duty: number;
  }
  const drafts: Draft[] = [];
  const junctionLoad = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    // Spread distances evenly over the range (stratified), so every city has near and far ends.
    const km = minKm + (maxKm - minKm) * ((i + rnd()) / n);
    const trunk = Math.floor(rnd() * trunks);
    const junctionKm = Math.max(0, Math.floor(km / JUNCTION_SPACING_KM));
    const serviceM = Math.max(100, (km - junctionKm * JUNCTION_SPACING_KM) * 1000);
    const parent = junctionKm === 0 ? 'SRC' : `T${trunk + 1}-${junctionKm}`;
    const area = Math.round(30000 * Math.pow(400000 / 30000, Math.pow(rnd(), 2)));
    const buildings = makeBuildings(rnd, area);
    const floor = rnd() < 0.2;
    const duty = designDuty(buildings);
    const designM3s = duty / (RHO * CP * (PRIMARY_SUPPLY_C - PRIMARY_RETURN_C));
    const secondarySupply = floor ? 45 : 60;
    const secondaryReturn = floor ? 35 : 45;
    const designSecondaryM3s = duty / (RHO * CP * (secondarySupply - secondaryReturn));
    const angle = trunkAngle[trunk] + (rnd() - 0.5) * 0.3;
    const id = `S${String(i + 1).padStart(String(n).length < 3 ? 3 : String(n).length, '0')}`;
    drafts.push({
      trunk,
      serviceM,
      designM3s,
      duty,
      spec: {
        id,
        parent,
        protocol: rnd() < opcuaShare ? 'opcua' : 'modbus',
        location: offset(origin, km, angle),
        heating: floor ? 'floor' : 'radiator',
        design: {
          indoor_c: 18,
          primary_supply_c: PRIMARY_SUPPLY_C,
          primary_return_c: PRIMARY_RETURN_C,
          secondary_supply_c: secondarySupply,
          secondary_return_c: secondaryReturn,
        },
        fixed_drop_kpa: 30,
        pump: {
          // Chinese secondary loops run big flow, small ΔT: pumps sized well over design flow.
          rated_flow_m3h: Number((designSecondaryM3s * 3600 * 1.4).toFixed(1)),
          rated_head_mpa: Number((0.18 + rnd() * 0.1).toFixed(3)),
        },
        loop: {
          volume_m3: Math.round(area * 0.0015),
          static_pressure_mpa: Number((0.25 + rnd() * 0.1).toFixed(3)),
          makeup_capacity_m3h: Number(Math.min(20, Math.max(2, area / 40000)).toFixed(1)),
          tank_m2: 4,
          filter_design_kpa: 15,
        },
        buildings,
      },
    });
    for (let j = 1; j <= junctionKm; j++) {
      const key = `T${trunk + 1}-${j}`;
      junctionLoad.set(key, (junctionLoad.get(key) ?? 0) + designM3s);
    }
  }

  const junctions: JunctionSpec[] = [];
  for (let t = 1; t <= trunks; t++) {
    for (let j = 1; j <= trunkJunctions; j++) {
      const load = junctionLoad.get(`T${t}-${j}`);
      if (load === undefined) break; // nothing further out on this trunk
      junctions.push({
        id: `T${t}-${j}`,
        parent: j === 1 ? 'SRC' : `T${t}-${j - 1}`,
        ...pipeFor(load * 1.2, JUNCTION_SPACING_KM * 1000),
        location: offset(origin, j * JUNCTION_SPACING_KM, trunkAngle[t - 1]),
      });
    }
  }

  // A trunk main runs through one district.
  const names = substationNames(drafts.map((d) => d.trunk), seededRandom(options.seed ^ NAMES_SEED));
  const substations: SubstationSpec[] = drafts.map((d, i) => {
    const design = d.spec.design;
    // Size the exchanger for the design duty with a 10 % margin.
    const c1 = d.designM3s * RHO * CP;
    const c2 = d.duty / (design.secondary_supply_c - design.secondary_return_c);
    const cmin = Math.min(c1, c2);
    const eps = d.duty / (cmin * (design.primary_supply_c - design.secondary_return_c));
    const ua = 1.1 * ntuForEffectiveness(eps, cmin / Math.max(c1, c2)) * cmin;
    return {
      ...d.spec,
      ...names[i],
      ...pipeFor(d.designM3s * 1.2, d.serviceM),
      hx_ua_kw_k: Number((ua / 1000).toFixed(1)),
      // Every valve sized the same way: Kvs = 1.3 × design flow at 1 bar.
      valve_kvs: Number((1.3 * d.designM3s * 3600).toFixed(1)),
    };
  });

  const totalDesignM3s = drafts.reduce((s, d) => s + d.designM3s, 0);
  const totalDutyW = drafts.reduce((s, d) => s + d.duty, 0);
  const network: Network = {
    name: options.name ?? `Generated city of ${n} substations (seed ${options.seed})`,
    weather: {
      mean_c: options.meanOutdoorC ?? -8,
      daily_swing_k: 6,
      design_outdoor_c: designOutdoorC,
      gains_w_m2: 3,
      ground_c: 5,
      cold_snaps: [],
    },
    source: {
      id: 'SRC',
      supply_c_at_design: PRIMARY_SUPPLY_C,
      supply_c_mild: 70,
      pump_shutoff_mpa: 1,
      pump_design_flow_m3h: Number((totalDesignM3s * 3600).toFixed(1)),
      pump_design_head_mpa: 0.8,
      return_pressure_mpa: 0.3,
      max_power_mw: Number(((totalDutyW * 1.3) / 1e6).toFixed(1)),
      time_constant_s: 900,
      location: { ...origin },
    },
    junctions,
    substations,
  };
  sizeSourcePump(network, totalDesignM3s);
  enlargeStarvedPaths(network, {
    pipeSizesMm: PIPE_SIZES_MM,
    equalOpening: EQUAL_OPENING,
    designFlowM3s: (i) => drafts[i].designM3s,
    sizePump: (sized) => sizeSourcePump(sized, totalDesignM3s),
  });
  return network;
}

/**
 * Sets the source pump so that with every valve at EQUAL_OPENING it delivers PUMP_MARGIN × design
 * flow. The pump curve is Δp = H₀ − a·Q² with H₀ and a both in proportion to the shut-off head,
 * and the tree is one resistance S at fixed openings, so one solve gives S and the head follows:
 * Q² = H₀/(S + a).
 */
function sizeSourcePump(network: Network, designM3s: number): void {
  network.source.pump_shutoff_mpa = 1;
  network.source.pump_design_head_mpa = 0.8;
  const net = compileNetwork(network);
  const out = { nodeFlowM3s: new Float64Array(net.nodeCount), nodeSupplyPa: new Float64Array(net.nodeCount), nodeReturnPa: new Float64Array(net.nodeCount) };
  solveHydraulics(net, new Float64Array(net.n).fill(EQUAL_OPENING), out);
  const { h0: h0PerMpa, a: aPerMpa } = net.source;
  const treeS = h0PerMpa / out.nodeFlowM3s[0] ** 2 - aPerMpa;
  const target = PUMP_MARGIN * designM3s;
  const reach = h0PerMpa - aPerMpa * target * target;
  const needed = reach > 0 ? (target * target * treeS) / reach : Infinity;
  const shutoff = Number(Math.min(2.5, Math.max(0.05, needed)).toFixed(4));
  network.source.pump_shutoff_mpa = shutoff;
  network.source.pump_design_head_mpa = Number((shutoff * 0.8).toFixed(4));
}
