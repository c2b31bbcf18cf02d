// A recorded curve as the judges see it: samples of one tag in time order. Telemetry travels by
// exception (a value is sent when it changes), so between two samples the value is the earlier
// one: a curve is a step function, and a level over a window is its time-weighted mean there.

import type { Sample } from '../model/season.ts';

/** Index of the last sample at or before t; -1 before the first. */
function indexAt(curve: readonly Sample[], t: number): number {
  let lo = -1;
  let hi = curve.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (curve[mid][0] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The step function's value at t: the last sample at or before t (undefined before the first). */
export function valueAt(curve: readonly Sample[], t: number): number | undefined {
  const k = indexAt(curve, t);
  return k < 0 ? undefined : curve[k][1];
}

/** Time-weighted mean of the step function over [from, to]; its value at `from` when the window is empty. */
export function levelOver(curve: readonly Sample[], from: number, to: number): number | undefined {
  const first = valueAt(curve, from);
  if (to <= from) return first;
  let area = 0;
  let covered = 0;
  let t = from;
  let v = first;
  for (let k = indexAt(curve, from) + 1; k < curve.length; k++) {
    const [ts, value] = curve[k];
    if (ts >= to) break;
    if (v !== undefined) ((area += v * (ts - t)), (covered += ts - t));
    t = ts;
    v = value;
  }
  if (v !== undefined) ((area += v * (to - t)), (covered += to - t));
  return covered > 0 ? area / covered : v;
}

/** At most `max` samples, evenly picked, the first and last always kept: evidence small enough to store and draw. */
export function thin(curve: readonly Sample[], max: number): Sample[] {
  if (curve.length <= max) return [...curve];
  const stride = (curve.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, k) => curve[Math.round(k * stride)]);
}
