// The alarm and work-order API as the web uses it, and the live alarm list: the socket.io
// `alarms` room gives a snapshot and then every change; the list refetches from REST on each
// change so flood groups and titles come from one place.

import { useEffect, useState } from 'react';
import { io } from 'socket.io-client';
import { ApiError } from './api.ts';

export type Priority = 'critical' | 'high' | 'medium' | 'low';
export type AlarmState = 'normal' | 'unack_active' | 'ack_active' | 'unack_returned';
export type OrderState = 'assigned' | 'en_route' | 'on_site' | 'resolved';
export const PRIORITY_COLOURS: Record<Priority, string> = { critical: '#c62828', high: '#ef6c00', medium: '#f9a825', low: '#1976d2' };

export interface Alarm {
  id: number;
  alarm: string;
  title: { en: string; zh: string };
  substation: string;
  priority: Priority;
  state: AlarmState;
  raisedAt: number;
  returnedAt: number | null;
  ackedAt: number | null;
  ackedBy: string | null;
  shelvedUntil: number | null;
  outOfService: boolean;
  floodGroup: number | null;
}

export interface AlarmList {
  alarms: Alarm[];
  floods: { id: number; startedAt: number; endedAt: number | null; alarms: number }[];
  floodOn: number | null;
}

export interface WorkOrder {
  id: number;
  alarmId: number | null;
  alarm: string;
  substation: string;
  area: string | null;
  priority: Priority;
  crew: string | null;
  state: OrderState;
  openedAt: number;
  enRouteAt: number | null;
  onSiteAt: number | null;
  resolvedAt: number | null;
  repeatOf: number | null;
  notes: { ts: number; actor: string; text: string }[];
}

async function call<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, body === undefined ? { headers: { accept: 'application/json' } } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) {
    const err = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(err.code ?? 'HS_ERR_HTTP', err.message ?? res.statusText, res.status);
  }
  return (await res.json()) as T;
}

const ACTOR = 'web';

export const alarmsApi = {
  list: () => call<AlarmList>('api/alarms?current=true'),
  ack: (id: number, comment: string) => call<Alarm>(`api/alarms/${id}/ack`, { actor: ACTOR, comment }),
  shelve: (id: number, minutes: number, comment: string) => call<Alarm>(`api/alarms/${id}/shelve`, { actor: ACTOR, minutes, comment }),
  orders: (crew?: string) => call<WorkOrder[]>(`api/work-orders${crew ? `?crew=${encodeURIComponent(crew)}&open=true` : ''}`),
  openOrder: (alarmId: number, note: string) => call<WorkOrder>('api/work-orders', { alarmId, actor: ACTOR, note }),
  moveOrder: (id: number, state: OrderState, actor: string, note: string) => call<WorkOrder>(`api/work-orders/${id}/state`, { state, actor, note }),
  kpiCsvUrl: (by: 'crew' | 'area') => `api/work-orders/kpis?by=${by}&format=csv`,
};

/** The current alarms, refreshed on every change the `alarms` room announces; error when the engine is off. */
export function useAlarms(): { list: AlarmList | undefined; error: string | undefined; refresh: () => void } {
  const [list, setList] = useState<AlarmList>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    alarmsApi.list().then(
      (l) => (setList(l), setError(undefined)),
      (e: unknown) => setError(e instanceof ApiError ? e.code : (e as Error).message),
    );
  }, [tick]);
  useEffect(() => {
    const socket = io({ path: '/socket.io', reconnectionDelay: 500, reconnectionDelayMax: 2000 });
    const refresh = () => setTick((n) => n + 1);
    socket.on('connect', () => socket.emit('subscribe', { room: 'alarms' }));
    socket.on('alarms', refresh);
    socket.on('alarm', refresh);
    return () => void socket.disconnect();
  }, []);
  return { list, error, refresh: () => setTick((n) => n + 1) };
}
