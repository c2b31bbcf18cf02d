import { HeatScadaError } from '../model/errors.ts';
import type { PointValue, Quality } from '../model/point.ts';
import type { Aggregate, RangeQuery, SeriesKey, StoredPoint, SubstationStatus } from '../model/store.ts';
import { TAG_BY_NAME, type TagName } from '../model/tags.ts';

// What every TimeSeriesStore implementation agrees on: which points it accepts, how quality
// and booleans are encoded, and where buckets start. The contract suite (contract.ts) checks it.

/** Latest Date the JS Date can hold; timestamps past it are a bug upstream, not data. */
const MAX_TS = 8.64e15;

/** Quality as stored: ordered so that max() over a bucket gives its worst quality. */
export const QUALITY_CODE: Readonly<Record<Quality, number>> = { good: 0, uncertain: 1, bad: 2 };
const QUALITY_BY_CODE: readonly Quality[] = ['good', 'uncertain', 'bad'];

export function qualityOf(code: number): Quality {
  const q = QUALITY_BY_CODE[code];
  if (q === undefined) throw new HeatScadaError('HS_ERR_STORE_READ', `quality code ${code} is not 0, 1 or 2`);
  return q;
}

export function isValidTs(ts: unknown): ts is number {
  return typeof ts === 'number' && Number.isInteger(ts) && ts >= 0 && ts <= MAX_TS;
}

const nonEmpty = (s: unknown): s is string => typeof s === 'string' && s.length > 0;

function invalid(path: string, why: string): HeatScadaError {
  return new HeatScadaError('HS_ERR_STORE_POINT_INVALID', why, path);
}

/**
 * Checks a whole batch before anything is written, so a bad point rejects the batch rather
 * than leaving half of it stored. The error's path names the first bad point and field.
 */
export function checkBatch(points: readonly StoredPoint[]): void {
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const at = `/points/${i}`;
    if (!nonEmpty(p.substation)) throw invalid(`${at}/substation`, 'substation must be a non-empty string');
    if (!nonEmpty(p.tag)) throw invalid(`${at}/tag`, 'tag must be a non-empty string');
    if (!isValidTs(p.ts)) throw invalid(`${at}/ts`, `ts must be whole ms since the epoch, got ${String(p.ts)}`);
    if (typeof p.value === 'number' ? !Number.isFinite(p.value) : typeof p.value !== 'boolean') {
      throw invalid(`${at}/value`, `value must be a finite number or a boolean, got ${String(p.value)}`);
    }
    if (QUALITY_CODE[p.quality] === undefined) throw invalid(`${at}/quality`, `quality must be good, uncertain or bad, got ${String(p.quality)}`);
    if (p.historical !== undefined && typeof p.historical !== 'boolean') throw invalid(`${at}/historical`, 'historical must be a boolean');
  }
}

export function checkSeries(series: SeriesKey, path: string): void {
  if (!nonEmpty(series.substation) || !nonEmpty(series.tag)) {
    throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'a series needs a non-empty substation and tag', path);
  }
}

export function checkSpan(from: number, to: number): void {
  if (!isValidTs(from)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `from must be whole ms since the epoch, got ${from}`, '/from');
  if (!isValidTs(to) || to < from) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `to must be whole ms, not before from, got ${to}`, '/to');
}

export const AGGREGATES: readonly Aggregate[] = ['avg', 'min', 'max', 'last'];

export function checkRangeQuery(q: RangeQuery): void {
  checkSpan(q.from, q.to);
  q.series.forEach((s, i) => checkSeries(s, `/series/${i}`));
  if (q.stepMs !== undefined && !(Number.isInteger(q.stepMs) && q.stepMs > 0)) {
    throw new HeatScadaError('HS_ERR_BAD_REQUEST', `stepMs must be a positive whole number of ms, got ${q.stepMs}`, '/stepMs');
  }
  if (q.agg !== undefined && !AGGREGATES.includes(q.agg)) {
    throw new HeatScadaError('HS_ERR_BAD_REQUEST', `agg must be one of ${AGGREGATES.join(', ')}, got ${String(q.agg)}`, '/agg');
  }
  if (q.agg !== undefined && q.stepMs === undefined) {
    throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'agg needs stepMs: raw ranges are not aggregated', '/agg');
  }
}

export function checkStatus(status: SubstationStatus): void {
  if (!nonEmpty(status.substation)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'substation must be a non-empty string', '/substation');
  if (typeof status.online !== 'boolean') throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'online must be a boolean', '/online');
  if (!isValidTs(status.ts)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `ts must be whole ms since the epoch, got ${status.ts}`, '/ts');
}

/** Values are stored as numbers: booleans as 0 and 1. */
export const numericValue = (value: PointValue): number => (typeof value === 'boolean' ? (value ? 1 : 0) : value);

/**
 * latest() gives booleans back for the catalogue's boolean tags (model/tags.ts valueType), so
 * a status reads as it was sent; ranges keep 0/1 because they are charted and averaged.
 * Tags outside the catalogue come back as numbers.
 */
export function latestValue(tag: string, stored: number): PointValue {
  return TAG_BY_NAME.get(tag as TagName)?.valueType === 'boolean' ? stored !== 0 : stored;
}

/** Buckets are aligned to the epoch: a bucket of width stepMs starts at a multiple of stepMs. */
export const bucketStart = (ts: number, stepMs: number): number => ts - (ts % stepMs);
