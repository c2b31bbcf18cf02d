// The residents' service API (api/routes/service.ts) as the web uses it: complaints, their steps,
// the telemetry beside one, the address book's completion and the regulators' KPIs. The actor of
// every step is the user logged in (the server takes it from the token); the phone numbers come
// masked for every role but the hotline's, so no page has to hide them itself.

import type { AlarmRecord } from '../../alarms/alarm-store.ts';
import type { WorkOrder } from '../../alarms/work-orders.ts';
import type { BuildingEntry, Category, Channel, Complaint, ComplaintFilter, ComplaintInput, ComplaintState, KpiGrouping, ServiceKpi } from '../../model/service.ts';
import { download, request, type Status } from './api.ts';
import { ApiError, authFetch, errorOf } from './session.ts';

export type { BuildingEntry, Category, Channel, Complaint, ComplaintFilter, ComplaintInput, ComplaintState, KpiGrouping, ServiceKpi };


/** GET …/complaints/:id/context: what the operator sees beside a complaint. */
export interface ComplaintContext {
  substation: { id: string; name?: string; status: Status; values: Record<string, number | boolean>; at: number | null };
  /** Standing alarms at the substation; titled when the API words them as the alarm list does. */
  alarms: (AlarmRecord & { title?: { en: string; zh: string } })[];
  /** Open work orders at the substation. */
  orders: WorkOrder[];
  /** Other complaints from the substation in the last 24 h. */
  recent: Complaint[];
}

export interface OnSiteInput {
  tempC: number;
  instrument: string;
  /** ms UTC; the server's now when absent. */
  at?: number;
}

export interface FollowUpInput {
  reached: boolean;
  satisfied: boolean | null;
  words: string;
}

export interface KpiQuery {
  by: KpiGrouping;
  from?: number;
  to?: number;
}

/** An API error with the field it names (`body.address.building` → `building`), for the form to show it there. */
export class FieldError extends ApiError {
  constructor(
    base: ApiError,
    readonly field: string | undefined,
  ) {
    super(base.code, base.message, base.status);
  }
}

/** The last segment of an error's path: the form's fields are named after ComplaintInput's leaves. */
export const fieldOfPath = (path: string | undefined): string | undefined => path?.split('.').filter(Boolean).pop();

function query(params: object): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}`;
}

const complaintUrl = (id: number, step = ''): string => `api/service/complaints/${id}${step}`;

/** POST whose refusal keeps the error's path (request() drops it): the intake form shows it beside its field. */
async function postWithField<T>(url: string, body: unknown): Promise<T> {
  const res = await authFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.ok) return (await res.json()) as T;
  const path = ((await res.clone().json().catch(() => ({}))) as { path?: string }).path;
  throw new FieldError(await errorOf(res), fieldOfPath(path));
}

export const serviceApi = {
  list: (filter: ComplaintFilter = {}, signal?: AbortSignal) => request<Complaint[]>('GET', `api/service/complaints${query(filter)}`, undefined, signal),
  exportCsv: (filter: ComplaintFilter = {}) => download(`api/service/complaints${query({ ...filter, format: 'csv' })}`, 'complaints.csv'),
  get: (id: number, signal?: AbortSignal) => request<Complaint>('GET', complaintUrl(id), undefined, signal),
  context: (id: number, signal?: AbortSignal) => request<ComplaintContext>('GET', complaintUrl(id, '/context'), undefined, signal),
  create: (input: ComplaintInput) => postWithField<Complaint>('api/service/complaints', input),
  dispatch: (id: number, note?: string) => request<Complaint>('POST', complaintUrl(id, '/dispatch'), note ? { note } : {}),
  onSite: (id: number, input: OnSiteInput) => postWithField<Complaint>(complaintUrl(id, '/on-site'), input),
  resolve: (id: number, fix: string | null, note?: string) => postWithField<Complaint>(complaintUrl(id, '/resolve'), { fix, ...(note ? { note } : {}) }),
  followUp: (id: number, input: FollowUpInput) => postWithField<Complaint>(complaintUrl(id, '/follow-up'), input),
  close: (id: number) => request<Complaint>('POST', complaintUrl(id, '/close'), {}),
  addressBook: (q: string, signal?: AbortSignal) => request<BuildingEntry[]>('GET', `api/service/address-book${query({ q })}`, undefined, signal),
  kpis: (q: KpiQuery, signal?: AbortSignal) => request<ServiceKpi[]>('GET', `api/service/kpis${query(q)}`, undefined, signal),
  exportKpis: (q: KpiQuery) => download(`api/service/kpis${query({ ...q, format: 'csv' })}`, `service-kpis-${q.by}.csv`),
};
