import { stat, readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { HeatScadaError, type ErrorCode } from '../model/errors.ts';
import { parseForecast, temperatureAt, type Forecast } from '../model/forecast.ts';

// Where the loop's weather forecast comes from: a file (checked every few seconds, re-read when
// it changes) or an HTTP feed (polled every refresh_min). Every document is validated
// (model/forecast.ts) before it is used. The loop runs on measured weather, never on a bad
// forecast: a document that fails validation is refused and dropped; one older than max_age_h
// (control time: the plant's in a simulation) is not used; a feed that does not answer keeps
// the last good forecast only until that goes stale. Each change of health is one log line.

export const FORECAST_STATES = ['waiting', 'ok', 'invalid', 'stale', 'unreachable'] as const;
export type ForecastState = (typeof FORECAST_STATES)[number];

export interface ForecastHealth {
  state: ForecastState;
  /** The file or URL. */
  from: string;
  issuedAt: number | null;
  /** Where the forecast ends, ms. */
  until: number | null;
  points: number;
  /** Last look at the file or feed, wall ms. */
  checkedAt: number | null;
  /** Why it is not in use (or, when unreachable, why the feed failed). */
  reason: string | null;
  code: ErrorCode | null;
}

export interface ForecastSource {
  /** The forecast temperature at a time, undefined when there is no usable forecast for it. */
  temperatureAt(atMs: number): number | undefined;
  health(): ForecastHealth;
  /** Looks at the file or feed now. */
  refresh(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export interface ForecastSourceOptions {
  /** One of the two. */
  file?: string;
  url?: string;
  refreshMin: number;
  maxAgeH: number;
  /** Control time, ms: what the forecast's age is judged by. */
  clock: () => number;
  logger: Logger;
}

/** A local file is cheap to look at: its modification time is checked this often, wall seconds. */
const FILE_CHECK_S = 10;
const HTTP_TIMEOUT_MS = 10_000;

interface Fetched {
  text: string;
  /** The carrier's time of the document (a CSV's issue time). */
  carrierMs: number;
}

export function forecastSource(options: ForecastSourceOptions): ForecastSource {
  const from = options.file ?? options.url;
  if (!from || (options.file && options.url)) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'name a forecast file or a url, one of the two', '/control/forecast');
  const log = options.logger.child({ forecast: from });
  let forecast: Forecast | undefined;
  let fileStamp = '';
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let health: ForecastHealth = { state: 'waiting', from, issuedAt: null, until: null, points: 0, checkedAt: null, reason: 'not read yet', code: null };

  /** Logs a change of state once; the same state again only updates the fields. */
  const report = (next: ForecastHealth): void => {
    const changed = next.state !== health.state || next.issuedAt !== health.issuedAt || next.reason !== health.reason;
    health = next;
    if (!changed) return;
    const line = { event: 'forecast', state: next.state, issuedAt: next.issuedAt, until: next.until, points: next.points, ...(next.code ? { code: next.code } : {}) };
    if (next.state === 'ok') log.info(line, `forecast in use: ${next.points} points to ${new Date(next.until!).toISOString()}`);
    else if (next.state !== 'waiting') log.warn(line, `${next.reason}: the loop runs on measured weather`);
  };

  const described = (f: Forecast | undefined, state: ForecastState, reason: string | null, code: ErrorCode | null): ForecastHealth => ({
    state,
    from,
    issuedAt: f?.issuedAtMs ?? null,
    until: f ? f.points[f.points.length - 1].atMs : null,
    points: f?.points.length ?? 0,
    checkedAt: Date.now(),
    reason,
    code,
  });

  /** The forecast if it may be used at control time now, with the health to report. */
  const judge = (): void => {
    if (!forecast) return;
    const ageH = (options.clock() - forecast.issuedAtMs) / 3_600_000;
    if (ageH > options.maxAgeH) report(described(forecast, 'stale', `forecast issued ${ageH.toFixed(1)} h ago (> max_age_h ${options.maxAgeH})`, 'HS_ERR_FORECAST_STALE'));
    else if (health.state !== 'unreachable') report(described(forecast, 'ok', null, null));
  };

  const fetchFile = async (file: string): Promise<Fetched | undefined> => {
    const s = await stat(file);
    const stamp = `${s.mtimeMs}:${s.size}`;
    if (stamp === fileStamp) return undefined;
    const text = await readFile(file, 'utf8');
    fileStamp = stamp;
    return { text, carrierMs: s.mtimeMs };
  };

  const fetchUrl = async (url: string): Promise<Fetched> => {
    const res = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS), headers: { accept: 'application/json, text/csv' } });
    if (!res.ok) throw new Error(`HTTP ${res.status} from the feed`);
    const stamp = Date.parse(res.headers.get('last-modified') ?? res.headers.get('date') ?? '');
    return { text: await res.text(), carrierMs: Number.isFinite(stamp) ? stamp : Date.now() };
  };

  const look = async (): Promise<void> => {
    let fetched: Fetched | undefined;
    try {
      fetched = options.file ? await fetchFile(options.file) : await fetchUrl(options.url!);
    } catch (e) {
      // A feed that does not answer is not a bad forecast: the last good one stands until it is stale.
      const why = `forecast cannot be read: ${(e as Error).message}`;
      const ageH = forecast ? (options.clock() - forecast.issuedAtMs) / 3_600_000 : 0;
      if (forecast && ageH > options.maxAgeH) {
        report(described(forecast, 'stale', `${why}, and the last one was issued ${ageH.toFixed(1)} h ago (> max_age_h ${options.maxAgeH})`, 'HS_ERR_FORECAST_STALE'));
        forecast = undefined;
      } else report(described(forecast, 'unreachable', why, 'HS_ERR_FORECAST_READ'));
      return;
    }
    if (fetched) {
      try {
        forecast = parseForecast(fetched.text, fetched.carrierMs, options.file ? `file ${options.file}` : options.url);
        health = { ...health, state: 'waiting' };
      } catch (e) {
        // Refused whole: the provider's new word is unusable, and the old one is no longer theirs.
        forecast = undefined;
        const err = e as HeatScadaError;
        report(described(undefined, 'invalid', `forecast refused at ${err.path ?? '/'}: ${err.message}`, 'HS_ERR_FORECAST_INVALID'));
        return;
      }
    } else if (health.state === 'unreachable') {
      health = { ...health, state: 'waiting' };
    }
    judge();
  };

  const refresh = (): Promise<void> => {
    running ??= look().finally(() => (running = undefined));
    return running;
  };

  return {
    temperatureAt(atMs) {
      if (!forecast) return undefined;
      judge();
      return health.state === 'ok' || health.state === 'unreachable' ? temperatureAt(forecast, atMs) : undefined;
    },
    health: () => health,
    refresh,
    start() {
      if (timer) return;
      const everyMs = options.file ? FILE_CHECK_S * 1000 : options.refreshMin * 60_000;
      void refresh();
      timer = setInterval(() => void refresh(), everyMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
