// Live data over socket.io: one connection for the whole app, its state as a hook, and one hook
// per room that merges the snapshot with the updates that follow it. socket.io reconnects by
// itself; on every (re)connect the rooms subscribe again and the server answers with a snapshot.
// The connection carries the session's access token; after a refresh it reconnects with the new
// one, a refused handshake refreshes the token first, and a logout closes it.

import { useEffect, useState, useSyncExternalStore } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { AlarmRecord } from '../../alarms/alarm-store.ts';
import type { AlarmChange } from '../../alarms/engine.ts';
import type { LivePoint, OverviewRow as OverviewWireRow } from '../../api/live/latest-table.ts';
import type { PlatformStatusReport } from '../../api/live/platform-status.ts';
import type { Status } from './api.ts';
import { currentToken, onTokenChange, refresh } from './session.ts';

export type { LivePoint };

export interface OverviewRow {
  id: string;
  status: Status;
  t1s: number | null;
  t1r: number | null;
  t2s: number | null;
  t2r: number | null;
  heatKw: number | null;
  makeupM3h: number | null;
  indoorMinC: number | null;
  /** When this row last changed (the server's message time). */
  ts: number;
}

// The room messages as api/live/rooms.ts sends them. Not imported from there: that module's
// imports reach the whole server (auth, audit), which the web's type check should not depend on.
type RoomRequest = { room: 'overview' } | { room: 'alarms' } | { room: 'substation'; id: string };
interface OverviewFrame {
  ts: number;
  rows: OverviewWireRow[];
}
interface SubstationUpdate {
  id: string;
  points: LivePoint[];
}
interface SubstationSnapshot extends SubstationUpdate {
  status: Status;
}
interface StatusEvent {
  id: string;
  status: Status;
}

interface ServerEvents {
  snapshot: (msg: OverviewFrame | SubstationSnapshot) => void;
  update: (msg: OverviewFrame | SubstationUpdate) => void;
  status: (msg: StatusEvent) => void;
  alarms: (msg: { alarms: AlarmRecord[] }) => void;
  alarm: (msg: AlarmChange) => void;
  platform: (msg: PlatformStatusReport) => void;
}

interface ClientEvents {
  subscribe: (room: RoomRequest) => void;
  unsubscribe: (room: RoomRequest) => void;
}

/** What a refused handshake says when the token is missing or old: refresh, then try again. */
const AUTH_REFUSALS = new Set(['HS_ERR_AUTH_REQUIRED', 'HS_ERR_AUTH_EXPIRED']);

export interface ConnectionState {
  connected: boolean;
  /** Counts connections, so REST data can be fetched again after a reconnect. */
  epoch: number;
  /** When the connection was lost (null while connected, or before the first connect). */
  lostAt: number | null;
}

let socket: Socket<ServerEvents, ClientEvents> | undefined;
let state: ConnectionState = { connected: false, epoch: 0, lostAt: null };
const listeners = new Set<() => void>();

function setState(next: ConnectionState): void {
  state = next;
  for (const l of listeners) l();
}

function connection(): Socket<ServerEvents, ClientEvents> {
  if (socket) return socket;
  // Short retry steps: a control room wants its screen back within seconds of the server. The
  // auth callback runs on every (re)connect, so each handshake carries the current token.
  const s: Socket<ServerEvents, ClientEvents> = io({ path: '/socket.io', reconnectionDelay: 500, reconnectionDelayMax: 2000, auth: (cb) => cb({ token: currentToken() }) });
  socket = s;
  s.on('connect', () => setState({ connected: true, epoch: state.epoch + 1, lostAt: null }));
  s.on('disconnect', (reason) => {
    // A reconnect with a fresh token is no lost connection.
    if (reason === 'io client disconnect') return;
    setState({ ...state, connected: false, lostAt: Date.now() });
    // A server shutting down disconnects its clients on purpose, and socket.io then stops
    // retrying; a control room screen must come back when the server does.
    if (reason === 'io server disconnect') s.connect();
  });
  let authRetries = 0;
  s.on('connect', () => (authRetries = 0));
  s.on('connect_error', (err) => {
    // socket.io does not retry a handshake the server refused; a fresh token may get through
    // (and a failed refresh shows the login page). Twice at most, so a server bug cannot loop.
    if (AUTH_REFUSALS.has(err.message) && authRetries++ < 2) {
      void refresh().then((ok) => ok && s.connect());
      return;
    }
    if (state.lostAt === null) setState({ ...state, connected: false, lostAt: Date.now() });
  });
  return s;
}

onTokenChange((token) => {
  if (!socket) return;
  if (token === undefined) {
    // Logged out (or the refresh failed): no data without a session.
    socket.removeAllListeners();
    socket.disconnect();
    socket = undefined;
    setState({ connected: false, epoch: state.epoch, lostAt: null });
  } else if (socket.connected) {
    socket.disconnect().connect();
  } else if (!socket.active) {
    // A handshake refused for its old token is not retried by socket.io: this token may pass.
    socket.connect();
  }
});

export function useConnection(): ConnectionState {
  return useSyncExternalStore(
    (listener) => {
      connection();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => state,
  );
}

/** Subscribes to a room now and after every reconnect; the handlers see that room's messages. */
function useRoom(room: RoomRequest | undefined, handlers: Partial<ServerEvents>): void {
  const key = room ? JSON.stringify(room) : '';
  useEffect(() => {
    if (!room) return;
    const s = connection();
    const subscribe = () => s.emit('subscribe', room);
    if (s.connected) subscribe();
    s.on('connect', subscribe);
    const entries = Object.entries(handlers) as [keyof ServerEvents, ServerEvents[keyof ServerEvents]][];
    for (const [event, handler] of entries) s.on(event, handler);
    return () => {
      if (s.connected) s.emit('unsubscribe', room);
      s.off('connect', subscribe);
      for (const [event, handler] of entries) s.off(event, handler);
    };
    // The room's identity is its key; the handlers only call state setters, which never change.
  }, [key]);
}

const toRow = (ts: number, [id, status, t1s, t1r, t2s, t2r, heatKw, makeupM3h, indoorMinC]: OverviewWireRow): OverviewRow => ({
  id,
  status,
  t1s: t1s ?? null,
  t1r: t1r ?? null,
  t2s: t2s ?? null,
  t2r: t2r ?? null,
  heatKw: heatKw ?? null,
  makeupM3h: makeupM3h ?? null,
  indoorMinC: indoorMinC ?? null,
  ts,
});

/** Every substation's overview row, by id; empty until the first snapshot. */
export function useOverviewLive(): Map<string, OverviewRow> {
  const [rows, setRows] = useState<Map<string, OverviewRow>>(() => new Map());
  useRoom(
    { room: 'overview' },
    {
      snapshot: (msg) => {
        if ('rows' in msg) setRows(new Map(msg.rows.map((r) => [r[0], toRow(msg.ts, r)])));
      },
      update: (msg) => {
        if (!('rows' in msg)) return;
        setRows((prev) => {
          const next = new Map(prev);
          for (const r of msg.rows) next.set(r[0], toRow(msg.ts, r));
          return next;
        });
      },
      status: ({ id, status }) =>
        setRows((prev) => {
          const row = prev.get(id);
          return row ? new Map(prev).set(id, { ...row, status }) : prev;
        }),
    },
  );
  return rows;
}

export interface SubstationLive {
  status: Status | undefined;
  points: Map<string, LivePoint>;
}

/** One substation's latest points by tag, and its status; empty until the first snapshot. */
export function useSubstationLive(id: string): SubstationLive {
  const [live, setLive] = useState<SubstationLive>({ status: undefined, points: new Map() });
  useEffect(() => setLive({ status: undefined, points: new Map() }), [id]);
  const merge = (points: LivePoint[], status?: Status) =>
    setLive((prev) => {
      const next = new Map(prev.points);
      for (const p of points) next.set(p.tag, p);
      return { status: status ?? prev.status, points: next };
    });
  useRoom(
    { room: 'substation', id },
    {
      snapshot: (msg) => {
        if ('points' in msg && msg.id === id) setLive({ status: msg.status, points: new Map(msg.points.map((p) => [p.tag, p])) });
      },
      update: (msg) => {
        if ('points' in msg && msg.id === id) merge(msg.points);
      },
      status: (msg) => {
        if (msg.id === id) merge([], msg.status);
      },
    },
  );
  return live;
}

/** Calls `changed` with every role instance's status each time one changes (sent to every connection, no room); `changed` must be stable. */
export function usePlatformEvents(changed: (report: PlatformStatusReport) => void): void {
  useEffect(() => {
    const s = connection();
    s.on('platform', changed);
    return () => void s.off('platform', changed);
  }, [changed]);
}

/** Calls `changed` on the alarms room's snapshot and on every alarm change after it; `changed` must be stable. */
export function useAlarmsRoom(changed: () => void): void {
  useRoom({ room: 'alarms' }, { alarms: changed, alarm: changed });
}
