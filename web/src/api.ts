// Types of the HTTP contract the API serves, and typed fetch helpers over it. The UI is served
// from the same origin, so every URL is relative.

export type Status = 'online' | 'offline' | 'stale' | 'alarm';
export type Quality = 'good' | 'uncertain' | 'bad';
export type TagValue = number | boolean | null;

export interface Location {
  lat: number;
  lon: number;
}

export interface Reading {
  value: TagValue;
  quality: Quality;
  ts: number;
}

export interface NetworkSubstation {
  id: string;
  name?: string;
  location?: Location;
  status: Status;
  values: Record<string, Reading>;
}

export interface Totals {
  ts: number;
  heatPowerKw: number;
  outdoorC: number | null;
  substations: number;
  online: number;
  offline: number;
  stale: number;
  alarm: number;
}

export interface Network {
  ts: number;
  substations: NetworkSubstation[];
  totals: Totals;
}

export interface TagInfo extends Reading {
  tag: string;
  unit: string;
  kind: 'measurement' | 'setpoint' | 'status';
  writable: boolean;
  min: number;
  max: number;
  ageMs: number;
}

export interface SubstationDetail {
  id: string;
  name: string;
  location?: Location;
  status: Status;
  tags: TagInfo[];
}

/** One line on a chart: a tag of a substation. */
export interface SeriesRef {
  substation: string;
  tag: string;
}

export interface HistorySeries extends SeriesRef {
  unit: string;
  points: [number, number | null][];
}

export interface History {
  from: number;
  to: number;
  stepMs: number;
  series: HistorySeries[];
}

export interface HistoryQuery {
  series: SeriesRef[];
  from: number;
  to: number;
  points: number;
}

/** The API's error body, kept whole so a toast shows the same code as the server log. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(body.code ?? 'HS_ERR_HTTP', body.message ?? res.statusText, res.status);
  }
  return (await res.json()) as T;
}

export type LoopMode = 'auto' | 'manual' | 'advisory';

export interface CurveSettings {
  indoor_c: number;
  design_outdoor_c: number;
  radiator: { design_supply_c: number; design_return_c: number; b: number };
  floor: { design_supply_c: number; design_return_c: number; b: number };
}

export interface SubstationControl {
  id: string;
  heating: string;
  mode: LoopMode;
  state: string;
  plcMode: string | null;
  inputs: { outdoorC: number; supplyC: number; returnC: number; indoorMinC?: number; valvePct: number; supplySetpointC: number } | null;
  supplyTargetC: number | null;
  returnTargetC: number | null;
  trimK: number | null;
  next: { tag: string; value: number; why: string } | null;
  lastWrite: { tag: string; value: number; ts: number; ok: boolean; code?: string } | null;
  note: string | null;
}

export interface ControlOverview {
  global: LoopMode | null;
  source: { offsetK: number; why: string };
  substations: SubstationControl[];
}

async function putJson<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'PUT', headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) {
    const err = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(err.code ?? 'HS_ERR_HTTP', err.message ?? res.statusText, res.status);
  }
  return (await res.json()) as T;
}

export const seriesKey = (s: SeriesRef): string => `${s.substation}:${s.tag}`;

export function parseSeriesKey(key: string): SeriesRef | undefined {
  const at = key.indexOf(':');
  return at > 0 ? { substation: key.slice(0, at), tag: key.slice(at + 1) } : undefined;
}

function historyParams(q: HistoryQuery): string {
  return new URLSearchParams({
    series: q.series.map(seriesKey).join(','),
    from: String(Math.round(q.from)),
    to: String(Math.round(q.to)),
    points: String(Math.max(2, Math.round(q.points))),
    agg: 'avg',
  }).toString();
}

export const api = {
  network: (signal?: AbortSignal) => getJson<Network>('api/network', signal),
  totals: (signal?: AbortSignal) => getJson<Totals>('api/network/totals', signal),
  substation: (id: string, signal?: AbortSignal) => getJson<SubstationDetail>(`api/substations/${encodeURIComponent(id)}`, signal),
  history: (q: HistoryQuery, signal?: AbortSignal) => getJson<History>(`api/history?${historyParams(q)}`, signal),
  historyCsvUrl: (q: HistoryQuery) => `api/history.csv?${historyParams(q)}`,
  control: (signal?: AbortSignal) => getJson<ControlOverview>('api/control', signal),
  setLoopMode: (mode: LoopMode, substation?: string) => putJson<ControlOverview>('api/control/mode', { mode, actor: 'web', ...(substation ? { substation } : {}) }),
  curve: (signal?: AbortSignal) => getJson<CurveSettings>('api/control/curve', signal),
  setCurve: (curve: CurveSettings) => putJson<CurveSettings>('api/control/curve', { actor: 'web', curve }),
};
