// One frame of the network picture, drawn in one pass: what to draw in which colour is worked
// out when the data changes (paintOf), so a frame (pan, zoom, hover) only walks index lists.
// Batched by colour: one path per supply step and per state, not one per pipe. A software canvas
// (headless Chromium, a control-room PC without GPU) spends most of a frame filling dots, so a
// dense view draws them as squares, which fill several times faster than circles.

import type { Scene } from './network-layout.ts';
import type { SubstationLook } from './network-live.ts';
import { STATE_COLOURS, SUPPLY_SCALE, supplyColour, supplyStep, WORST_STATES, type WorstState } from './network-state.ts';

export interface View {
  /** CSS pixels per metre. */
  scale: number;
  /** Where the source's point (0, 0) is on the canvas, CSS pixels. */
  ox: number;
  oy: number;
}

/** The colours of a frame, by index lists: worked out once per data change. */
export interface Paint {
  /** Each substation's state, an index into WORST_STATES. */
  state: Uint8Array;
  /** Substation indices per state, in WORST_STATES order. */
  byState: Int32Array[];
  /** Substation indices per supply step of their service pipe (index 0: no data, then the steps). */
  serviceByStep: Int32Array[];
  /** Each main's supply step; -1 for no data. */
  mainStep: Int8Array;
}

export interface Frame {
  width: number;
  height: number;
  view: View;
  /** Substation indices to ring (search results). */
  ring: readonly number[];
  hover: number;
  label: (index: number) => string;
}

const BACKGROUND = '#0d1117';
const SOURCE_COLOUR = '#f0883e';
const LABEL_COLOUR = '#c9d1d9';
const SERVICE_ALPHA = 0.55;
/** Above this many substations on screen, dots are squares (see the head of this file). */
const SQUARES_OVER = 800;
const LABELS_MAX = 150;
const LABEL_HALF_HEIGHT = 7;
const STATE_INDEX = new Map<WorstState, number>(WORST_STATES.map((s, i) => [s, i]));

export const dotRadius = (scale: number): number => Math.max(2.5, Math.min(7, 2 + scale * 25));
const mainWidth = (diameterMm: number): number => Math.max(1.5, Math.min(7, diameterMm / 120));

export function paintOf(scene: Scene, states: ReadonlyMap<string, SubstationLook>): Paint {
  const n = scene.ids.length;
  const state = new Uint8Array(n);
  const supply = new Float64Array(n).fill(Number.NaN);
  const step = new Int8Array(n);
  const offline = STATE_INDEX.get('offline')!;
  scene.ids.forEach((id, i) => {
    const look = states.get(id);
    state[i] = look ? STATE_INDEX.get(look.state)! : offline;
    // An old reading says nothing of the water now.
    const c = look && look.state !== 'offline' && look.state !== 'stale' ? look.supplyC : null;
    if (c !== null) supply[i] = c;
    step[i] = supplyStep(c);
  });
  const mainStep = new Int8Array(scene.mains.length);
  scene.mains.forEach((m, k) => {
    // The water in a main is at least as warm as anywhere downstream of it (it only loses heat).
    let warmest = -Infinity;
    for (const i of m.downstream) if (supply[i] > warmest) warmest = supply[i];
    mainStep[k] = supplyStep(warmest === -Infinity ? null : warmest);
  });
  const withPipe = Int32Array.from({ length: n }, (_, i) => i).filter((i) => !Number.isNaN(scene.px[i]));
  return {
    state,
    byState: WORST_STATES.map((_, s) => Int32Array.from({ length: n }, (_, i) => i).filter((i) => state[i] === s)),
    serviceByStep: Array.from({ length: SUPPLY_SCALE.steps + 1 }, (_, k) => withPipe.filter((i) => step[i] === k - 1)),
    mainStep,
  };
}

export function paintNetwork(ctx: CanvasRenderingContext2D, scene: Scene, paint: Paint, frame: Frame): void {
  const { width, height, view } = frame;
  const { x: xs, y: ys, px, py } = scene;
  const sx = (x: number) => x * view.scale + view.ox;
  const sy = (y: number) => y * view.scale + view.oy;
  const r = dotRadius(view.scale);
  const inside = (x: number, y: number, margin: number) => x > -margin && y > -margin && x < width + margin && y < height + margin;
  ctx.fillStyle = BACKGROUND;
  ctx.fillRect(0, 0, width, height);

  // Service pipes, thin, one stroke per supply step; those wholly off screen are skipped.
  ctx.lineWidth = 1;
  ctx.globalAlpha = SERVICE_ALPHA;
  paint.serviceByStep.forEach((members, k) => {
    if (members.length === 0) return;
    ctx.beginPath();
    for (const i of members) {
      const x1 = sx(px[i]);
      const y1 = sy(py[i]);
      const x2 = sx(xs[i]);
      const y2 = sy(ys[i]);
      if ((x1 < 0 && x2 < 0) || (y1 < 0 && y2 < 0) || (x1 > width && x2 > width) || (y1 > height && y2 > height)) continue;
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
    }
    ctx.strokeStyle = supplyColour(k - 1);
    ctx.stroke();
  });
  ctx.globalAlpha = 1;
  // Mains: few enough to stroke one by one, each as wide as its pipe.
  ctx.lineCap = 'round';
  scene.mains.forEach((m, k) => {
    ctx.beginPath();
    ctx.moveTo(sx(m.x1), sy(m.y1));
    ctx.lineTo(sx(m.x2), sy(m.y2));
    ctx.strokeStyle = supplyColour(paint.mainStep[k]);
    ctx.lineWidth = mainWidth(m.diameterMm);
    ctx.stroke();
  });

  // Substations: one batch per state, worst last so it lies on top; stale ones hollow (old news).
  const shown: number[] = [];
  for (const members of paint.byState) for (const i of members) if (inside(sx(xs[i]), sy(ys[i]), r)) shown.push(i);
  const squares = shown.length > SQUARES_OVER;
  for (let s = WORST_STATES.length - 1; s >= 0; s--) {
    const state = WORST_STATES[s];
    const hollow = state === 'stale';
    ctx.fillStyle = STATE_COLOURS[state];
    ctx.strokeStyle = STATE_COLOURS[state];
    ctx.lineWidth = 1.5;
    if (squares && !hollow) {
      for (const i of paint.byState[s]) {
        const x = sx(xs[i]);
        const y = sy(ys[i]);
        if (inside(x, y, r)) ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
      }
      continue;
    }
    ctx.beginPath();
    for (const i of paint.byState[s]) {
      const x = sx(xs[i]);
      const y = sy(ys[i]);
      if (!inside(x, y, r)) continue;
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    if (hollow) ctx.stroke();
    else ctx.fill();
  }
  ring(ctx, frame.ring.map((i) => [sx(xs[i]), sy(ys[i])]), r + 3, '#ffffff', 2);
  if (frame.hover >= 0) ring(ctx, [[sx(xs[frame.hover]), sy(ys[frame.hover])]], r + 2, '#e6edf3', 1.5);
  if (scene.source) {
    const x = sx(scene.source.x);
    const y = sy(scene.source.y);
    ctx.fillStyle = SOURCE_COLOUR;
    ctx.fillRect(x - 7, y - 7, 14, 14);
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x - 7, y - 7, 14, 14);
  }
  // Names, once few enough substations are on screen to read them.
  if (shown.length <= LABELS_MAX) {
    ctx.font = '12px system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
    ctx.fillStyle = LABEL_COLOUR;
    ctx.textBaseline = 'middle';
    // Worst first, and none over another: a crowded corner names its worst substations.
    const taken: [number, number, number, number][] = [];
    const order = [...shown].sort((a, b) => paint.state[a] - paint.state[b]);
    for (const i of order) {
      const text = frame.label(i);
      const w = ctx.measureText(text).width;
      // Right of the dot, or left of it at the picture's right edge.
      const x = sx(xs[i]) + r + 4 + w > width ? sx(xs[i]) - r - 4 - w : sx(xs[i]) + r + 4;
      const y = sy(ys[i]) - LABEL_HALF_HEIGHT;
      const box: [number, number, number, number] = [x, y, x + w, y + 2 * LABEL_HALF_HEIGHT];
      if (taken.some((t) => box[0] < t[2] && t[0] < box[2] && box[1] < t[3] && t[1] < box[3])) continue;
      taken.push(box);
      ctx.fillText(text, x, sy(ys[i]));
    }
  }
}

function ring(ctx: CanvasRenderingContext2D, at: [number, number][], radius: number, colour: string, width: number): void {
  if (at.length === 0) return;
  ctx.beginPath();
  for (const [x, y] of at) {
    ctx.moveTo(x + radius, y);
    ctx.arc(x, y, radius, 0, 2 * Math.PI);
  }
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.stroke();
}
