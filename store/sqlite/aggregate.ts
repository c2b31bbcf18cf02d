import type { Source } from './plan.ts';

// One SQL shape reads raw points and rollups alike as partial aggregates per bucket: sum, min,
// max, count, worst quality and the last value. Rollups are materialised with it and ranges
// are answered with it, so a rollup and the raw aggregation it replaces cannot disagree.

export interface PartialRow {
  series_id: number;
  bucket: number;
  sum: number;
  min: number;
  max: number;
  count: number;
  quality: number;
  last_ts: number;
  last: number;
}

interface Reading {
  time: string;
  sum: string;
  min: string;
  max: string;
  count: string;
  lastTs: string;
  last: string;
}

const RAW: Reading = { time: 'ts', sum: 'sum(t.value)', min: 'min(t.value)', max: 'max(t.value)', count: 'count(*)', lastTs: 'max(t.ts)', last: 'value' };
const ROLLUP: Reading = { time: 'bucket', sum: 'sum(t.sum)', min: 'min(t.min)', max: 'max(t.max)', count: 'sum(t.count)', lastTs: 'max(t.last_ts)', last: 'last' };
const READINGS: Record<Source, Reading> = { points: RAW, points_recent: RAW, rollup_1m: ROLLUP, rollup_1h: ROLLUP };

/** A driver for partialsSql: one series' span [$lo, $hi). */
export const ONE_SPAN = 'SELECT $id AS series_id, $lo AS lo, $hi AS hi';

export const PARTIAL_COLUMNS = 'series_id, bucket, sum, min, max, count, quality, last_ts, last';

/**
 * Partial aggregates of `source` per (series, bucket of $width ms) over the spans that `driver`
 * yields as rows (series_id, lo, hi), each span [lo, hi). The driver is the outer loop, so each
 * span is an index range read. The last value is the row at the bucket's greatest time.
 */
export function partialsSql(source: Source, driver: string): string {
  const r = READINGS[source];
  // Grouped by the expression, not its alias: rollup tables have a column named bucket too.
  const bucket = `t.${r.time} - t.${r.time} % $width`;
  return `SELECT g.series_id, g.bucket, g.sum, g.min, g.max, g.count, g.quality, g.last_ts, l.${r.last} AS last
FROM (
  SELECT t.series_id AS series_id, ${bucket} AS bucket,
    ${r.sum} AS sum, ${r.min} AS min, ${r.max} AS max, ${r.count} AS count,
    max(t.quality) AS quality, ${r.lastTs} AS last_ts, max(t.${r.time}) AS last_key
  FROM (${driver}) d
  CROSS JOIN ${source} t ON t.series_id = d.series_id AND t.${r.time} >= d.lo AND t.${r.time} < d.hi
  GROUP BY t.series_id, ${bucket}
) g
CROSS JOIN ${source} l ON l.series_id = g.series_id AND l.${r.time} = g.last_key`;
}
