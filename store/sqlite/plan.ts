// Which table answers which part of a range. Rollup buckets are used where they are complete
// (below their mark, not stale) and lie wholly inside [from, to); the rest — the unaligned
// edges, the recent tail, stale buckets — falls through to a finer table and at last to raw
// points, which live in points below a series' recent split and in points_recent from it on.
// Pure, so the splitting is tested without a database.

export type Source = 'points' | 'points_recent' | 'rollup_1m' | 'rollup_1h';
export type RawSource = 'points' | 'points_recent';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export interface Tier {
  source: Exclude<Source, RawSource>;
  /** Bucket width of the table, ms. */
  widthMs: number;
  /** Buckets below this (a multiple of widthMs) are complete. */
  mark: number;
  /** Starts of stale buckets below the mark, ascending, unique. */
  stale: readonly number[];
}

export interface Segment<S extends Source = Source> {
  source: S;
  from: number;
  to: number;
}

/** Where raw points split between points and points_recent (rollup_state; README: the write path). */
export interface RecentMarks {
  /** Keys at or after this live in points_recent, unless their series is already drained. */
  recent: number;
  /** While a drain is under way (drainMark > recent): series with an id below drainCursor are moved up to drainMark. */
  drainMark: number;
  drainCursor: number;
}

/** The time from which series `id`'s points live in points_recent. */
export function recentSplit(marks: RecentMarks, id: number): number {
  return marks.drainMark > marks.recent && id < marks.drainCursor ? marks.drainMark : marks.recent;
}

const floorTo = (t: number, w: number): number => t - (t % w);

export interface RollupMarks {
  /** Minute rollups are complete below this, ms UTC. */
  minute: number;
  /** Hourly rollups are complete below this, ms UTC. */
  hour: number;
}

/** Rollup marks and the progress of a rollup under way (rollup_state; README: rollups in slices). */
export interface RollupProgress extends RollupMarks {
  /** While a rollup is under way (rollupTarget > minute): series with an id below rollupCursor are rolled up to rollupTarget. */
  rollupTarget: number;
  rollupCursor: number;
}

/** Where the minute rollups of series `id` are complete. */
export function minuteMarkOf(p: RollupProgress, id: number): number {
  return p.rollupTarget > p.minute && id < p.rollupCursor ? p.rollupTarget : p.minute;
}

/** The hour mark that goes with a minute mark: hours wholly below it are made from its minutes. */
export const hourMarkFor = (hour: number, minute: number): number => Math.max(hour, floorTo(minute, HOUR));

/** Where the rollups of series `id` are complete: ahead of the marks once a rollup under way has passed it. */
export function rollupMarksOf(p: RollupProgress, id: number): RollupMarks {
  const minute = minuteMarkOf(p, id);
  return minute === p.minute ? { minute, hour: p.hour } : { minute, hour: hourMarkFor(p.hour, minute) };
}

const ceilTo = (t: number, w: number): number => floorTo(t + w - 1, w);

/** Raw segments covering [from, to): points below the recent mark, points_recent from it. */
export function rawSegments(from: number, to: number, recentMark: number): Segment<RawSource>[] {
  const split = Math.min(Math.max(recentMark, from), to);
  const out: Segment<RawSource>[] = [];
  if (from < split) out.push({ source: 'points', from, to: split });
  if (split < to) out.push({ source: 'points_recent', from: split, to });
  return out;
}

/** Segments covering [from, to) in time order; tiers coarsest first. */
export function planSegments(from: number, to: number, tiers: readonly Tier[], recentMark: number): Segment[] {
  if (from >= to) return [];
  const [tier, ...finer] = tiers;
  if (!tier) return rawSegments(from, to, recentMark);
  const below = (a: number, b: number): Segment[] => planSegments(a, b, finer, recentMark);
  const w = tier.widthMs;
  const start = ceilTo(from, w);
  const end = Math.min(floorTo(to, w), tier.mark);
  if (start >= end) return below(from, to);
  const out = below(from, start);
  let cursor = start;
  for (const bucket of tier.stale) {
    if (bucket < start || bucket >= end) continue;
    if (cursor < bucket) out.push({ source: tier.source, from: cursor, to: bucket });
    out.push(...below(bucket, bucket + w));
    cursor = bucket + w;
  }
  if (cursor < end) out.push({ source: tier.source, from: cursor, to: end });
  out.push(...below(end, to));
  return out;
}

/** The tiers a step can use: a rollup serves a step only if its buckets nest in the step's. */
export function tiersFor(stepMs: number, marks: RollupMarks, staleMinutes: readonly number[]): Tier[] {
  const tiers: Tier[] = [];
  if (stepMs % HOUR === 0) {
    const staleHours = [...new Set(staleMinutes.map((m) => floorTo(m, HOUR)))];
    tiers.push({ source: 'rollup_1h', widthMs: HOUR, mark: marks.hour, stale: staleHours });
  }
  if (stepMs % MINUTE === 0) tiers.push({ source: 'rollup_1m', widthMs: MINUTE, mark: marks.minute, stale: staleMinutes });
  return tiers;
}
