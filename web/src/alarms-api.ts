// The alarm and work-order API as the web uses it, and the live alarm list: the socket.io
// `alarms` room gives a snapshot and then every change; the list refetches from REST on each
// change so flood groups and titles come from one place. The actor of every action is the user
// logged in: the server takes it from the token.

import { useEffect, useState } from 'react';
import type { AlarmRecord, FloodGroup } from '../../alarms/alarm-store.ts';
import type { Priority } from '../../alarms/config-schema.ts';
import type { OrderState, WorkOrder } from '../../alarms/work-orders.ts';
import { ApiError, download, request } from './api.ts';
import { useAlarmsRoom } from './live.ts';

export type { OrderState, Priority, WorkOrder };
export type Alarm = AlarmRecord & { title: { en: string; zh: string } };

export const PRIORITY_COLOURS: Record<Priority, string> = { critical: '#c62828', high: '#ef6c00', medium: '#f9a825', low: '#1976d2' };

export interface AlarmList {
  alarms: Alarm[];
  floods: FloodGroup[];
  floodOn: number | null;
}

export const alarmsApi = {
  list: () => request<AlarmList>('GET', 'api/alarms?current=true'),
  ack: (id: number, comment: string) => request<Alarm>('POST', `api/alarms/${id}/ack`, { comment }),
  shelve: (id: number, minutes: number, comment: string) => request<Alarm>('POST', `api/alarms/${id}/shelve`, { minutes, comment }),
  orders: (crew?: string) => request<WorkOrder[]>('GET', `api/work-orders${crew ? `?crew=${encodeURIComponent(crew)}&open=true` : ''}`),
  openOrder: (alarmId: number, note: string) => request<WorkOrder>('POST', 'api/work-orders', { alarmId, note }),
  moveOrder: (id: number, state: OrderState, note: string) => request<WorkOrder>('POST', `api/work-orders/${id}/state`, { state, note }),
  exportKpis: (by: 'crew' | 'area') => download(`api/work-orders/kpis?by=${by}&format=csv`, `work-order-kpis-${by}.csv`),
};

/** The current alarms, refreshed on every change the `alarms` room announces; error when the engine is off. */
export function useAlarms(): { list: AlarmList | undefined; error: string | undefined; refresh: () => void } {
  const [list, setList] = useState<AlarmList>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  const refresh = () => setTick((n) => n + 1);
  useEffect(() => {
    alarmsApi.list().then(
      (l) => (setList(l), setError(undefined)),
      (e: unknown) => setError(e instanceof ApiError ? e.code : (e as Error).message),
    );
  }, [tick]);
  useAlarmsRoom(refresh);
  return { list, error, refresh };
}
