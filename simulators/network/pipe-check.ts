import { compileNetwork } from '../physics/compile.ts';
import { solveHydraulics, substationResistance } from '../physics/hydraulics.ts';
import type { Network } from './schema.ts';

/**
 * A designer's check of the generated pipes: with its valve wide open and every other valve at
 * the equal opening, each substation must get this share of its design flow. Mains sized by
 * velocity alone can leave the far end of a long, lightly loaded branch short of pressure, so
 * that no control could warm it; such a city is not a plausible plant.
 */
export const MIN_WIDE_OPEN_FLOW_RATIO = 1.1;
const MAX_ROUNDS = 40;
/** A round must cut the total shortfall to this share of the last round's, or the check stops. */
const MIN_GAIN = 0.95;
/** Bounds this close to the limit are solved exactly. */
const CANDIDATE_MARGIN = 1.05;
/** Up to this size every substation is solved exactly; one valve moves a small city's pressures a lot. */
const EXACT_UP_TO = 1000;

export interface PipeCheckOptions {
  pipeSizesMm: readonly number[];
  equalOpening: number;
  /** Design flow of a substation, m³/s, from its spec. */
  designFlowM3s: (substationIndex: number) => number;
  /** Sizes the source pump for the pipes as they are now. */
  sizePump: (network: Network) => void;
}

/**
 * The substations that fail the check, with their wide-open flow ratio. In a large city one
 * solve at the equal opening gives each substation's wide-open flow from its branch's pressure
 * as an upper bound (opening a valve only lowers the pressures upstream), and only those near
 * the limit are solved exactly, which keeps a city of thousands quick.
 */
export function starvedSubstations(
  network: Network,
  options: Pick<PipeCheckOptions, 'equalOpening' | 'designFlowM3s'>,
): { index: number; ratio: number }[] {
  const net = compileNetwork(network);
  const out = { nodeFlowM3s: new Float64Array(net.nodeCount), nodeSupplyPa: new Float64Array(net.nodeCount), nodeReturnPa: new Float64Array(net.nodeCount) };
  const valve = new Float64Array(net.n).fill(options.equalOpening);
  solveHydraulics(net, valve, out);
  const wideOpenRatio = (i: number): number => out.nodeFlowM3s[net.subNode[i]] / options.designFlowM3s(i);
  const candidates = network.substations
    .map((_, i) => i)
    .filter((i) => {
      if (network.substations.length <= EXACT_UP_TO) return true;
      const node = net.subNode[i];
      const branchPa = out.nodeSupplyPa[net.parent[node]] - out.nodeReturnPa[net.parent[node]];
      const bound = Math.sqrt(branchPa / (net.pipeS[node] + substationResistance(net, i, 1))) / options.designFlowM3s(i);
      return bound < CANDIDATE_MARGIN * MIN_WIDE_OPEN_FLOW_RATIO;
    });
  return candidates
    .map((index) => {
      valve[index] = 1;
      solveHydraulics(net, valve, out);
      valve[index] = options.equalOpening;
      return { index, ratio: wideOpenRatio(index) };
    })
    .filter((s) => s.ratio < MIN_WIDE_OPEN_FLOW_RATIO);
}

/**
 * Enlarges, one standard size a round, the pipe with the largest design pressure drop
 * (∝ L·Q²/d⁵) on the path of each substation that fails the check, re-sizing the pump after
 * each round. A city that passes is left exactly as it was.
 */
export function enlargeStarvedPaths(network: Network, options: PipeCheckOptions): void {
  const byId = new Map<string, { parent: string; length_m: number; diameter_mm: number }>();
  for (const j of network.junctions) byId.set(j.id, j);
  for (const s of network.substations) byId.set(s.id, s);
  const pipeFlow = new Map<string, number>();
  network.substations.forEach((s, i) => {
    for (let id: string | undefined = s.id; id !== undefined && byId.has(id); id = byId.get(id)?.parent) {
      pipeFlow.set(id, (pipeFlow.get(id) ?? 0) + options.designFlowM3s(i));
    }
  });
  const drop = (id: string): number => {
    const pipe = byId.get(id);
    const q = pipeFlow.get(id) ?? 0;
    return pipe ? (pipe.length_m * q * q) / pipe.diameter_mm ** 5 : 0;
  };
  let shortfallBefore = Infinity;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const starved = starvedSubstations(network, options);
    const shortfall = starved.reduce((sum, s) => sum + MIN_WIDE_OPEN_FLOW_RATIO - s.ratio, 0);
    // A pump at the end of its range cannot be helped by pipes: stop when a round gains little.
    if (starved.length === 0 || shortfall > MIN_GAIN * shortfallBefore) return;
    shortfallBefore = shortfall;
    const toEnlarge = new Set<string>();
    for (const { index: i } of starved) {
      let worst: string | undefined;
      for (let id: string | undefined = network.substations[i].id; id !== undefined && byId.has(id); id = byId.get(id)?.parent) {
        const larger = options.pipeSizesMm.some((d) => d > (byId.get(id)?.diameter_mm ?? Infinity));
        if (larger && (worst === undefined || drop(id) > drop(worst))) worst = id;
      }
      if (worst !== undefined) toEnlarge.add(worst);
    }
    if (toEnlarge.size === 0) return;
    for (const id of toEnlarge) {
      const pipe = byId.get(id);
      const next = options.pipeSizesMm.find((d) => d > (pipe?.diameter_mm ?? Infinity));
      if (pipe && next !== undefined) pipe.diameter_mm = next;
    }
    options.sizePump(network);
  }
}
