import { HeatScadaError } from './errors.ts';

// The outdoor temperature forecast the balancing loop may look ahead with (control/README.md,
// "Cold-snap readiness"). Two documented forms, both hourly or finer:
//   JSON  { "issued_at": "2027-01-15T06:00:00+08:00" | 1789000000000, "source"?: "…",
//           "points": [ { "at": ISO time | ms, "temp_c": -12.5 }, … ] }
//   CSV   a header `at,temp_c`, then one row a point (times ISO or ms); the issue time comes
//         from the carrier (the file's modification time, the HTTP Last-Modified header).
// A bad document is refused whole, with the path of the first bad field (`/points/3/temp_c`,
// or `row 4, column temp_c` for CSV): the loop never runs on half a forecast.

export interface ForecastPoint {
  atMs: number;
  tempC: number;
}

export interface Forecast {
  issuedAtMs: number;
  source: string | undefined;
  /** Strictly increasing in time. */
  points: ForecastPoint[];
}

/** Points further apart than this are not "hourly or finer". */
export const MAX_POINT_SPACING_MS = 3_600_000;
/** The outdoor temperatures a forecast may name (the outdoor tag's range, with room for records). */
export const FORECAST_TEMP_RANGE_C = [-60, 50] as const;

const invalid = (why: string, path: string): HeatScadaError => new HeatScadaError('HS_ERR_FORECAST_INVALID', why, path);

/** A time as ISO 8601 with a zone, or ms since the epoch. */
function timeOf(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value.trim())) {
    const ms = Date.parse(value.trim());
    if (Number.isFinite(ms)) return ms;
  }
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim());
  throw invalid(`${JSON.stringify(value)} is not a time (ISO 8601 with a zone, or ms since the epoch)`, path);
}

function temperatureOf(value: unknown, path: string): number {
  const t = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof t !== 'number' || !Number.isFinite(t)) throw invalid(`${JSON.stringify(value)} is not a number`, path);
  if (t < FORECAST_TEMP_RANGE_C[0] || t > FORECAST_TEMP_RANGE_C[1]) throw invalid(`${t} °C is outside ${FORECAST_TEMP_RANGE_C[0]}–${FORECAST_TEMP_RANGE_C[1]} °C`, path);
  return t;
}

/** Order and spacing, named by the later point of a bad pair. */
function checkSeries(points: ForecastPoint[], pathOf: (k: number) => string): void {
  if (points.length < 2) throw invalid('a forecast needs at least two points', pathOf(points.length));
  for (let k = 1; k < points.length; k++) {
    const gap = points[k].atMs - points[k - 1].atMs;
    if (gap <= 0) throw invalid('times must increase from point to point', pathOf(k));
    if (gap > MAX_POINT_SPACING_MS) throw invalid(`${Math.round(gap / 60_000)} min after the previous point: points must be hourly or finer`, pathOf(k));
  }
}

/** Validates a JSON forecast document (already parsed). */
export function forecastFromJson(doc: unknown): Forecast {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid('a forecast is an object { issued_at, source?, points }', '/');
  const record = doc as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!['issued_at', 'source', 'points'].includes(key)) throw invalid('is not a known field', `/${key}`);
  if (record.issued_at === undefined) throw invalid('is required', '/issued_at');
  const issuedAtMs = timeOf(record.issued_at, '/issued_at');
  if (record.source !== undefined && typeof record.source !== 'string') throw invalid('must be a string', '/source');
  if (!Array.isArray(record.points)) throw invalid('must be an array of { at, temp_c }', '/points');
  const points = record.points.map((p: unknown, k): ForecastPoint => {
    const at = `/points/${k}`;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw invalid('must be an object { at, temp_c }', at);
    const q = p as Record<string, unknown>;
    for (const key of Object.keys(q)) if (key !== 'at' && key !== 'temp_c') throw invalid('is not a known field', `${at}/${key}`);
    if (q.at === undefined) throw invalid('is required', `${at}/at`);
    if (q.temp_c === undefined) throw invalid('is required', `${at}/temp_c`);
    return { atMs: timeOf(q.at, `${at}/at`), tempC: temperatureOf(q.temp_c, `${at}/temp_c`) };
  });
  checkSeries(points, (k) => `/points/${k}`);
  return { issuedAtMs, source: record.source as string | undefined, points };
}

/** Validates a CSV forecast (`at,temp_c`); rows are counted as a spreadsheet shows them (the header is row 1). */
export function forecastFromCsv(text: string, issuedAtMs: number, source?: string): Forecast {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  if (header.length !== 2 || header[0] !== 'at' || header[1] !== 'temp_c') throw invalid(`the header must be "at,temp_c", not "${lines[0] ?? ''}"`, 'row 1');
  const points: ForecastPoint[] = [];
  const rows: number[] = [];
  lines.forEach((line, k) => {
    if (k === 0 || line.trim() === '') return;
    const row = k + 1;
    const cells = line.split(',');
    if (cells.length !== 2) throw invalid(`${cells.length} cells where "at,temp_c" has 2`, `row ${row}`);
    points.push({ atMs: timeOf(cells[0].trim(), `row ${row}, column at`), tempC: temperatureOf(cells[1].trim(), `row ${row}, column temp_c`) });
    rows.push(row);
  });
  checkSeries(points, (k) => `row ${rows[k] ?? lines.length + 1}`);
  return { issuedAtMs, source, points };
}

/** Either form, told apart by its first character. */
export function parseForecast(text: string, issuedAtMs: number, source?: string): Forecast {
  const body = text.replace(/^\uFEFF/, '').trimStart();
  if (!body.startsWith('{')) return forecastFromCsv(text, issuedAtMs, source);
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    throw invalid(`not JSON: ${(e as Error).message}`, '/');
  }
  return forecastFromJson(doc);
}

/** The forecast temperature at a time, linear between points; undefined outside the forecast. */
export function temperatureAt(forecast: Forecast, atMs: number): number | undefined {
  const p = forecast.points;
  if (p.length === 0 || atMs < p[0].atMs || atMs > p[p.length - 1].atMs) return undefined;
  let lo = 0;
  let hi = p.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (p[mid].atMs <= atMs) lo = mid;
    else hi = mid;
  }
  const a = p[lo];
  const b = p[hi];
  if (b.atMs === a.atMs) return a.tempC;
  return a.tempC + ((b.tempC - a.tempC) * (atMs - a.atMs)) / (b.atMs - a.atMs);
}

/** The coldest the forecast gets over [fromMs, toMs] (points inside and both ends); undefined where it does not cover the window. */
export function coldestBetween(forecast: Forecast, fromMs: number, toMs: number): number | undefined {
  const start = temperatureAt(forecast, fromMs);
  const end = temperatureAt(forecast, toMs);
  if (start === undefined || end === undefined) return undefined;
  let coldest = Math.min(start, end);
  for (const p of forecast.points) if (p.atMs > fromMs && p.atMs < toMs) coldest = Math.min(coldest, p.tempC);
  return coldest;
}
