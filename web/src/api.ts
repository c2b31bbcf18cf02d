// Types of the HTTP contract the API serves, and typed fetch helpers over it. The UI is served
// from the same origin, so every URL is relative; every request carries the session's token.
// Types the server exports are imported from it (type-only: nothing of the server is bundled).

import type { SubstationState } from '../../api/live/latest-table.ts';
import type { CurveSettings } from '../../control/config-schema.ts';
import type { LoopMode } from '../../control/controller.ts';
import type { HeatSaving } from '../../control/heat-saving.ts';
import type { Decision } from '../../control/reason.ts';
import type { PointValue, Quality } from '../../model/point.ts';
import type { SeriesKey } from '../../model/store.ts';
import { ApiError, authFetch, errorOf } from './session.ts';

export { ApiError };
export type { CurveSettings, LoopMode, Quality };
export type Status = SubstationState;
export type TagValue = PointValue | null;

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
  name_en?: string;
  /** Pinyin initials of the name, lower case (the server computes them). */
  initials?: string;
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

/** A name as people say it (zh), with an optional English form. */
export interface PlaceName {
  zh: string;
  en?: string;
}

/** A node of the network's tree: the pipe to it runs from `parent`. */
export interface TopologyNode {
  id: string;
  parent?: string;
  diameter_mm?: number;
  location?: Location;
}

export interface TopologySubstation extends TopologyNode {
  name?: string;
  name_en?: string;
  initials?: string;
  community?: PlaceName;
  area?: PlaceName;
}

/** GET /api/network/topology (api/routes/topology.ts). */
export interface Topology {
  name: string | null;
  source: TopologyNode | null;
  junctions: TopologyNode[];
  substations: TopologySubstation[];
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
  name: string | null;
  name_en: string | null;
  location?: Location;
  status: Status;
  tags: TagInfo[];
}

/** One line on a chart: a tag of a substation. */
export type SeriesRef = SeriesKey;

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

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One JSON request with the token; a non-2xx answer throws ApiError with the server's code. */
export async function request<T>(method: Method, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await authFetch(url, { method, signal, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  if (!res.ok) throw await errorOf(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

const getJson = <T>(url: string, signal?: AbortSignal): Promise<T> => request<T>('GET', url, undefined, signal);

/** Saves a file the API makes (CSV): a plain link would not carry the token. */
export async function download(url: string, filename: string): Promise<void> {
  const res = await authFetch(url, { headers: { accept: 'text/csv' } });
  if (!res.ok) throw await errorOf(res);
  const href = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href, download: filename });
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

export interface SubstationControl {
  id: string;
  heating: string;
  mode: LoopMode;
  state: string;
  plcMode: string | null;
  inputs: { outdoorC: number; supplyC: number; returnC: number; indoorMinC?: number; indoorAvgC?: number; valvePct: number; supplySetpointC: number } | null;
  supplyTargetC: number | null;
  returnTargetC: number | null;
  trimK: number | null;
  next: { tag: string; value: number; why: string } | null;
  lastWrite: { tag: string; value: number; ts: number; ok: boolean; code?: string } | null;
  note: string | null;
  /** The loop's decision in one line, cause and action, in English (logs, audit). */
  reason: string | null;
  /** The same decision as data: the page words it in the operator's language. */
  decision: Decision | null;
}

export interface ControlOverview {
  global: LoopMode | null;
  source: { offsetK: number; why: string };
  substations: SubstationControl[];
  /** Heat saved against the curve alone, estimated (control/heat-saving.ts). */
  saving: HeatSaving | null;
  /** The network's return floor over the curve's return, K. */
  returnFloorK: number | null;
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
  topology: (signal?: AbortSignal) => getJson<Topology>('api/network/topology', signal),
  substation: (id: string, signal?: AbortSignal) => getJson<SubstationDetail>(`api/substations/${encodeURIComponent(id)}`, signal),
  history: (q: HistoryQuery, signal?: AbortSignal) => getJson<History>(`api/history?${historyParams(q)}`, signal),
  exportHistoryCsv: (q: HistoryQuery) => download(`api/history.csv?${historyParams(q)}`, 'history.csv'),
  control: (signal?: AbortSignal) => getJson<ControlOverview>('api/control', signal),
  setLoopMode: (mode: LoopMode, substation?: string) => request<ControlOverview>('PUT', 'api/control/mode', { mode, ...(substation ? { substation } : {}) }),
  curve: (signal?: AbortSignal) => getJson<CurveSettings>('api/control/curve', signal),
  setCurve: (curve: CurveSettings) => request<CurveSettings>('PUT', 'api/control/curve', { curve }),
};
