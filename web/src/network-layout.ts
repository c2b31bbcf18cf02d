// The network's tree laid out flat, once per topology: every node at metres east (x) and south
// (y) of the source, so the canvas only scales and shifts. Nodes the description gives no place
// stand at the middle of their children (a junction), or of the city (the source); substations
// without a place or parent line up in a row under the city, so every one is on the picture.

import type { Location, Topology } from './api.ts';

const M_PER_DEG_LAT = 110_540;
const M_PER_DEG_LON_AT_EQUATOR = 111_320;
/** Spacing of the row of substations that have no place. */
const UNPLACED_STEP_M = 300;

/** A main: the pipe to a junction, with the substations it feeds (for its supply temperature). */
export interface Main {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  diameterMm: number;
  /** Indices into Scene.ids of every substation downstream. */
  downstream: Int32Array;
}

export interface Scene {
  /** Substation ids, in topology order; every array below is indexed alike. */
  ids: string[];
  index: Map<string, number>;
  x: Float64Array;
  y: Float64Array;
  /** Where the service pipe of each substation starts; NaN without a parent on the picture. */
  px: Float64Array;
  py: Float64Array;
  mains: Main[];
  source: { id: string; x: number; y: number } | null;
  bounds: { minX: number; minY: number; maxX: number; maxY: number };
}

interface Point {
  x: number;
  y: number;
}

export function layoutNetwork(topology: Topology): Scene {
  const located = [topology.source?.location, ...topology.junctions.map((j) => j.location), ...topology.substations.map((s) => s.location)].filter(
    (l): l is Location => l !== undefined,
  );
  const centre = mean(located.map((l) => ({ x: l.lon, y: l.lat })));
  const origin = topology.source?.location ?? (centre ? { lat: centre.y, lon: centre.x } : { lat: 0, lon: 0 });
  const mPerDegLon = M_PER_DEG_LON_AT_EQUATOR * Math.cos((origin.lat * Math.PI) / 180);
  const project = (l: Location | undefined): Point | undefined =>
    l ? { x: (l.lon - origin.lon) * mPerDegLon, y: -(l.lat - origin.lat) * M_PER_DEG_LAT } : undefined;

  // Every node of the tree by id, with its children, so junctions without a place can be put among them.
  const at = new Map<string, Point | undefined>();
  const children = new Map<string, string[]>();
  const addChild = (parent: string | undefined, id: string) => {
    if (parent === undefined) return;
    const list = children.get(parent);
    if (list) list.push(id);
    else children.set(parent, [id]);
  };
  if (topology.source) at.set(topology.source.id, project(topology.source.location));
  for (const j of topology.junctions) {
    at.set(j.id, project(j.location));
    addChild(j.parent, j.id);
  }
  for (const s of topology.substations) {
    at.set(s.id, project(s.location));
    addChild(s.parent, s.id);
  }
  const place = (id: string, seen: Set<string>): Point | undefined => {
    const known = at.get(id);
    if (known || seen.has(id)) return known;
    seen.add(id);
    const p = mean((children.get(id) ?? []).map((c) => place(c, seen)).filter((q): q is Point => q !== undefined));
    at.set(id, p);
    return p;
  };
  for (const id of at.keys()) place(id, new Set());

  const n = topology.substations.length;
  const ids = topology.substations.map((s) => s.id);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const px = new Float64Array(n).fill(Number.NaN);
  const py = new Float64Array(n).fill(Number.NaN);
  const unplaced: number[] = [];
  topology.substations.forEach((s, i) => {
    const p = at.get(s.id);
    if (!p) return unplaced.push(i);
    x[i] = p.x;
    y[i] = p.y;
    const parent = s.parent === undefined ? undefined : at.get(s.parent);
    if (parent) {
      px[i] = parent.x;
      py[i] = parent.y;
    }
  });
  const placedBounds = boundsOf([...at.values()].filter((p): p is Point => p !== undefined));
  const rowY = placedBounds ? placedBounds.maxY + 2 * UNPLACED_STEP_M : 0;
  const rowX = placedBounds ? placedBounds.minX : 0;
  unplaced.forEach((i, k) => {
    x[i] = rowX + k * UNPLACED_STEP_M;
    y[i] = rowY;
  });

  const index = new Map(ids.map((id, i) => [id, i]));
  const mains: Main[] = [];
  for (const j of topology.junctions) {
    const from = at.get(j.parent ?? '');
    const to = at.get(j.id);
    if (!from || !to) continue;
    mains.push({ x1: from.x, y1: from.y, x2: to.x, y2: to.y, diameterMm: j.diameter_mm ?? 0, downstream: Int32Array.from(downstreamOf(j.id, children, index)) });
  }
  const sourceAt = topology.source ? at.get(topology.source.id) : undefined;
  const all: Point[] = ids.map((_, i) => ({ x: x[i], y: y[i] }));
  if (sourceAt) all.push(sourceAt);
  return {
    ids,
    index,
    x,
    y,
    px,
    py,
    mains,
    source: topology.source && sourceAt ? { id: topology.source.id, ...sourceAt } : null,
    bounds: boundsOf(all) ?? { minX: -1, minY: -1, maxX: 1, maxY: 1 },
  };
}

function downstreamOf(id: string, children: Map<string, string[]>, index: Map<string, number>): number[] {
  const out: number[] = [];
  const stack = [id];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    const i = index.get(node);
    if (i !== undefined) out.push(i);
    stack.push(...(children.get(node) ?? []));
  }
  return out;
}

function mean(points: Point[]): Point | undefined {
  if (points.length === 0) return undefined;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  return { x: sx / points.length, y: sy / points.length };
}

function boundsOf(points: Point[]): Scene['bounds'] | undefined {
  if (points.length === 0) return undefined;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  return { minX, minY, maxX, maxY };
}
