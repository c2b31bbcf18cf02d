import type { Aggregate, LatestFilter, SeriesKey } from '../../model/store.ts';
import { sqlString, sqlUInt } from './escape.ts';
import { tableName, type Layout } from './schema.ts';

// The SELECTs of the store, built from escaped values only (escape.ts). Every read of raw
// points deduplicates rewrites itself (argMax by version, per series and ts) rather than
// trusting merges or FINAL, so it is right on a Distributed table and before any merge ran.
//
// Bucketed reads add minute rollups of the time past retention, but only of committed runs and
// only for a (series, minute) with no raw point left: while the DELETE mutation of a run is
// under way, or when a late point arrives for a rolled-up minute, raw points win and nothing
// is counted twice.

const MINUTE = 60_000;

const stringList = (values: readonly string[]): string => values.map(sqlString).join(', ');

/** (substation, tag) IN ((…), …): the primary key's prefix, so only those series' granules are read. */
export const seriesFilter = (series: readonly SeriesKey[]): string =>
  `(substation, tag) IN (${series.map((s) => `(${sqlString(s.substation)}, ${sqlString(s.tag)})`).join(', ')})`;

const committedRuns = (layout: Layout): string => `run IN (SELECT run FROM ${tableName(layout, 'retention_runs')})`;

/** One row per stored (series, ts): the last written version of it. */
function dedupedPoints(layout: Layout, where: string): string {
  return (
    `SELECT substation, tag, ts, argMax(value, version) AS v, argMax(quality, version) AS q FROM ${tableName(layout, 'points')} ` +
    `WHERE ${where} GROUP BY substation, tag, ts`
  );
}

const span = (from: number, to: number): string => `ts >= ${sqlUInt(from)} AND ts < ${sqlUInt(to)}`;

export interface RawRow {
  substation: string;
  tag: string;
  ts: number;
  v: number;
  q: number;
}

export const rawRangeSql = (layout: Layout, series: readonly SeriesKey[], from: number, to: number): string =>
  `${dedupedPoints(layout, `${seriesFilter(series)} AND ${span(from, to)}`)} ORDER BY substation, tag, ts`;

export interface BucketRow {
  substation: string;
  tag: string;
  bucket: number;
  v: number;
  q: number;
}

const MERGE: Record<Aggregate, string> = {
  avg: 'sum(s) / sum(c)',
  min: 'min(mn)',
  max: 'max(mx)',
  last: 'argMax(lv, lt)',
};

/**
 * Buckets at multiples of stepMs (intDiv, epoch-aligned) from raw points and, for time past
 * retention, from minute rollups: both give per-bucket partial aggregates (sum, count, min,
 * max, last, worst quality) that one outer GROUP BY merges.
 */
export function bucketRangeSql(layout: Layout, series: readonly SeriesKey[], from: number, to: number, stepMs: number, agg: Aggregate): string {
  const step = sqlUInt(stepMs);
  const filter = seriesFilter(series);
  const fromRaw =
    `SELECT substation, tag, intDiv(ts, ${step}) * ${step} AS bucket, sum(v) AS s, count() AS c, min(v) AS mn, max(v) AS mx, argMax(v, ts) AS lv, max(ts) AS lt, max(q) AS wq ` +
    `FROM (${dedupedPoints(layout, `${filter} AND ${span(from, to)}`)}) GROUP BY substation, tag, bucket`;
  const [minuteFrom, minuteTo] = [sqlUInt(from - (from % MINUTE)), sqlUInt(to)];
  // On the shard's own points table: rollup_1m is sharded by series like points, so a series'
  // rollups and raw points sit on the same shard (and a subquery on a Distributed table inside
  // a distributed query is refused).
  const rawMinutes =
    `SELECT substation, tag, intDiv(ts, ${MINUTE}) * ${MINUTE} FROM ${layout.database}.${layout.cluster ? 'points_local' : 'points'} ` +
    `WHERE ${filter} AND ts >= ${minuteFrom} AND ts < ${sqlUInt(to - (to % MINUTE) + MINUTE)}`;
  const fromRollups =
    `SELECT substation, tag, intDiv(minute, ${step}) * ${step} AS bucket, sum(total) AS s, sum(n) AS c, min(lo) AS mn, max(hi) AS mx, argMax(last_value, last_ts) AS lv, max(last_ts) AS lt, max(worst) AS wq ` +
    `FROM ${tableName(layout, 'rollup_1m')} WHERE ${filter} AND minute >= ${minuteFrom} AND minute < ${minuteTo} AND ${committedRuns(layout)} ` +
    `AND (substation, tag, minute) NOT IN (${rawMinutes}) GROUP BY substation, tag, bucket`;
  return (
    `SELECT substation, tag, bucket, ${MERGE[agg]} AS v, max(wq) AS q FROM (${fromRaw} UNION ALL ${fromRollups}) ` +
    `GROUP BY substation, tag, bucket ORDER BY substation, tag, bucket`
  );
}

export const countSql = (layout: Layout, series: SeriesKey, from: number, to: number): string =>
  `SELECT uniqExact(ts) AS n FROM ${tableName(layout, 'points')} WHERE ${seriesFilter([series])} AND ${span(from, to)}`;

export interface LatestRow {
  substation: string;
  tag: string;
  newest_ts: number;
  v: number;
  q: number;
  h: number;
}

/** The newest point of each series; of two writes of that ts, the later. */
export function latestSql(layout: Layout, filter: LatestFilter): string {
  const where = [filter.substations && `substation IN (${stringList(filter.substations)})`, filter.tags && `tag IN (${stringList(filter.tags)})`].filter(Boolean);
  const newest = 'tuple(ts, version)';
  return (
    `SELECT substation, tag, max(ts) AS newest_ts, argMax(value, ${newest}) AS v, argMax(quality, ${newest}) AS q, argMax(historical, ${newest}) AS h ` +
    `FROM ${tableName(layout, 'latest')}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} GROUP BY substation, tag`
  );
}

export interface StatusRow {
  substation: string;
  online: number;
  newest_ts: number;
}

export const statusesSql = (layout: Layout): string =>
  `SELECT substation, argMax(online, ts) AS online, max(ts) AS newest_ts FROM ${tableName(layout, 'statuses')} GROUP BY substation ORDER BY substation`;

/** How many raw points lie before the cut-off: what a retention run drops. */
export const retentionCountSql = (layout: Layout, cut: number): string => `SELECT count() AS n FROM (${dedupedPoints(layout, `ts < ${sqlUInt(cut)}`)})`;

/**
 * Minute rollups of the raw points in [previous cut, cut), tagged with the run; they count
 * only once the run is committed. Starting at the previous cut, a run never rolls up again
 * what an earlier one did, even if that one's DELETE has not finished.
 */
export const rollupInsertSql = (layout: Layout, run: string, previousCut: number, cut: number): string =>
  `INSERT INTO ${tableName(layout, 'rollup_1m')} (substation, tag, minute, run, total, n, lo, hi, last_ts, last_value, worst) ` +
  `SELECT substation, tag, intDiv(ts, ${MINUTE}) * ${MINUTE} AS minute, ${sqlString(run)}, sum(v), count(), min(v), max(v), max(ts), argMax(v, ts), max(q) ` +
  `FROM (${dedupedPoints(layout, span(previousCut, cut))}) GROUP BY substation, tag, minute`;

export const latestCutSql = (layout: Layout): string => `SELECT max(cut) AS cut FROM ${tableName(layout, 'retention_runs')}`;

/** Unfinished DELETE mutations of the points table on the node asked. */
export const pendingDeletesSql = (layout: Layout): string =>
  `SELECT count() AS n FROM system.mutations WHERE database = ${sqlString(layout.database)} AND table = ${sqlString(layout.cluster ? 'points_local' : 'points')} AND is_done = 0`;
