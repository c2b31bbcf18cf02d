import { Point, toFluxValue } from '@influxdata/influxdb-client';
import { HeatScadaError } from '../../model/errors.ts';
import type { Aggregate, LatestFilter, RangeQuery, SeriesKey, SeriesRange, StoredPoint, SubstationStatus } from '../../model/store.ts';
import { QUALITY_CODE, bucketStart, latestValue, numericValue, qualityOf } from '../rules.ts';

// The pure half of the InfluxDB store: line protocol out, Flux text out, result rows in.
// Kept apart from the client calls so it is tested without a server.

export const MEASUREMENT = 'heatscada';
export const STATUS_MEASUREMENT = 'heatscada_status';

/** InfluxDB keeps int64 nanoseconds: its last representable millisecond. */
export const MAX_INFLUX_TS = 9_223_372_036_854;
const EPOCH = '1970-01-01T00:00:00Z';
/** range() needs a stop; now() would hide points a time-accelerated simulation wrote ahead of the clock. */
const END = new Date(MAX_INFLUX_TS).toISOString();

/** Timestamps are written in ms precision (the write API's precision=ms). */
const MS = { convertTime: (t: string | number | Date | undefined) => (t === undefined ? undefined : String(t)) };

/** What InfluxDB adds to the shared rules: a tag value may not end in a backslash (it would escape the separator). */
export function checkInfluxBatch(points: readonly StoredPoint[]): void {
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p.ts > MAX_INFLUX_TS) throw new HeatScadaError('HS_ERR_STORE_POINT_INVALID', `ts ${p.ts} is past InfluxDB's last time (2262)`, `/points/${i}/ts`);
    for (const field of ['substation', 'tag'] as const) {
      if (p[field].endsWith('\\')) throw new HeatScadaError('HS_ERR_STORE_POINT_INVALID', `${field} may not end in a backslash`, `/points/${i}/${field}`);
    }
  }
}

function line(point: Point): string {
  const text = point.toLineProtocol(MS);
  if (text === undefined) throw new HeatScadaError('HS_ERR_INTERNAL', 'a point without fields cannot be written');
  return text;
}

/** heatscada,substation=…,tag=… historical=F,quality=0i,value=71.5 <ms> — value always a float, so the field type never conflicts. */
export function pointLine(p: StoredPoint): string {
  return line(
    new Point(MEASUREMENT)
      .tag('substation', p.substation)
      .tag('tag', p.tag)
      .floatField('value', numericValue(p.value))
      .intField('quality', QUALITY_CODE[p.quality])
      .booleanField('historical', p.historical === true)
      .timestamp(p.ts),
  );
}

export function statusLine(s: SubstationStatus): string {
  return line(new Point(STATUS_MEASUREMENT).tag('substation', s.substation).booleanField('online', s.online).timestamp(s.ts));
}

// ——— Flux ———

const time = (ms: number): string => new Date(ms).toISOString();
const anyOf = (column: string, values: readonly string[]): string => `(${values.map((v) => `r.${column} == ${toFluxValue(v)}`).join(' or ')})`;

function seriesPredicate(series: readonly SeriesKey[]): string {
  const unique = [...new Map(series.map((s) => [`${s.substation}\u0000${s.tag}`, s])).values()];
  return `(${unique.map((s) => `(r.substation == ${toFluxValue(s.substation)} and r.tag == ${toFluxValue(s.tag)})`).join(' or ')})`;
}

function source(bucket: string, from: string, to: string, predicate: string, measurement = MEASUREMENT): string {
  return `from(bucket: ${toFluxValue(bucket)})
  |> range(start: ${from}, stop: ${to})
  |> filter(fn: (r) => r._measurement == ${toFluxValue(measurement)}${predicate ? ` and ${predicate}` : ''})`;
}

const PIVOT = '|> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")';

/** Each series' newest point; empty filter lists match nothing, so the caller does not ask. */
export function latestFlux(bucket: string, filter: LatestFilter): string {
  const predicate = [filter.substations ? anyOf('substation', filter.substations) : '', filter.tags ? anyOf('tag', filter.tags) : ''].filter(Boolean).join(' and ');
  return `${source(bucket, EPOCH, END, predicate)}
  |> filter(fn: (r) => r._field == "value" or r._field == "quality" or r._field == "historical")
  |> last()
  ${PIVOT}
  |> keep(columns: ["_time", "substation", "tag", "value", "quality", "historical"])`;
}

const FLUX_FN: Record<Aggregate, string> = { avg: 'mean', min: 'min', max: 'max', last: 'last' };

/** Raw points, or per-bucket aggregates with the worst quality of each bucket. */
export function rangeFlux(bucket: string, q: RangeQuery): string {
  const data = source(bucket, time(q.from), time(q.to), seriesPredicate(q.series));
  const keep = '|> keep(columns: ["_time", "substation", "tag", "value", "quality"])';
  if (q.stepMs === undefined) {
    return `${data}
  |> filter(fn: (r) => r._field == "value" or r._field == "quality")
  ${PIVOT}
  ${keep}`;
  }
  const every = `${q.stepMs}ms`;
  return `data = ${data}
values = data
  |> filter(fn: (r) => r._field == "value")
  |> aggregateWindow(every: ${every}, fn: ${FLUX_FN[q.agg ?? 'avg']}, createEmpty: false, timeSrc: "_start")
qualities = data
  |> filter(fn: (r) => r._field == "quality")
  |> aggregateWindow(every: ${every}, fn: max, createEmpty: false, timeSrc: "_start")
union(tables: [values, qualities])
  ${PIVOT}
  ${keep}`;
}

export function countFlux(bucket: string, series: SeriesKey, from: number, to: number): string {
  return `${source(bucket, time(from), time(to), `${seriesPredicate([series])} and r._field == "value"`)}
  |> count()
  |> group()
  |> sum()`;
}

/** How many raw points lie before the cut-off: what applyRetention reports. */
export function countBeforeFlux(bucket: string, cutoff: number): string {
  return `${source(bucket, EPOCH, time(cutoff), 'r._field == "value"')}
  |> count()
  |> group()
  |> sum()`;
}

export function statusesFlux(bucket: string): string {
  return `${source(bucket, EPOCH, END, 'r._field == "online"', STATUS_MEASUREMENT)}
  |> last()
  |> keep(columns: ["_time", "substation", "_value"])`;
}

/** The /api/v2/delete body dropping raw points before the cut-off; its stop is inclusive. */
export function deleteBody(cutoff: number): { start: string; stop: string; predicate: string } {
  return { start: EPOCH, stop: time(cutoff - 1), predicate: `_measurement="${MEASUREMENT}"` };
}

// ——— Rows ———

/** A row as the client's tableMeta.toObject() gives it: typed by the CSV annotations. */
export type FluxRow = Record<string, unknown>;

function column<T>(row: FluxRow, name: string, type: 'string' | 'number' | 'boolean'): T {
  const value = row[name];
  if (typeof value !== type) {
    throw new HeatScadaError('HS_ERR_STORE_READ', `column ${name} should be a ${type}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function timeOf(row: FluxRow): number {
  const ms = Date.parse(column<string>(row, '_time', 'string'));
  if (Number.isNaN(ms)) throw new HeatScadaError('HS_ERR_STORE_READ', `_time ${String(row._time)} is not a time`);
  return ms;
}

export function parseLatestRow(row: FluxRow): StoredPoint {
  const tag = column<string>(row, 'tag', 'string');
  return {
    substation: column<string>(row, 'substation', 'string'),
    tag,
    ts: timeOf(row),
    value: latestValue(tag, column<number>(row, 'value', 'number')),
    quality: qualityOf(column<number>(row, 'quality', 'number')),
    historical: column<boolean>(row, 'historical', 'boolean'),
  };
}

/**
 * Rows of rangeFlux grouped into the query's series, in query order, points ascending. Bucket
 * times are floored to stepMs: Flux clips the first window's _start to the range start.
 */
export function parseRangeRows(rows: readonly FluxRow[], q: RangeQuery): SeriesRange[] {
  const bySeries = new Map<string, { ts: number; value: number; quality: number }[]>();
  for (const row of rows) {
    const key = `${column<string>(row, 'substation', 'string')}\u0000${column<string>(row, 'tag', 'string')}`;
    const ts = timeOf(row);
    const point = {
      ts: q.stepMs === undefined ? ts : bucketStart(ts, q.stepMs),
      value: column<number>(row, 'value', 'number'),
      quality: column<number>(row, 'quality', 'number'),
    };
    const list = bySeries.get(key);
    if (list) list.push(point);
    else bySeries.set(key, [point]);
  }
  return q.series.map((s) => ({
    substation: s.substation,
    tag: s.tag,
    points: (bySeries.get(`${s.substation}\u0000${s.tag}`) ?? [])
      .sort((a, b) => a.ts - b.ts)
      .map((p) => ({ ts: p.ts, value: p.value, quality: qualityOf(p.quality) })),
  }));
}

export function parseStatusRow(row: FluxRow): SubstationStatus {
  return { substation: column<string>(row, 'substation', 'string'), online: column<boolean>(row, '_value', 'boolean'), ts: timeOf(row) };
}

/** The single row of a count() |> group() |> sum(); no row means nothing matched. */
export function parseCount(rows: readonly FluxRow[]): number {
  return rows.length === 0 ? 0 : column<number>(rows[0], '_value', 'number');
}
