import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import type { AuditTrail } from '../../model/audit.ts';
import { HeatScadaError } from '../../model/errors.ts';
import { roleAllows, type Principal } from '../../model/security.ts';
import { outcomeOf } from '../auth/audit-hook.ts';
import type { Authenticator } from '../auth/guard.ts';
import { clientAddress, type ProxyTrust } from '../auth/trust-proxy.ts';
import { alarmCommands, type CommandReply, type LiveCommand } from './commands.ts';
import type { AlarmRecord } from '../../alarms/alarm-store.ts';
import type { AlarmEngine } from '../../alarms/engine.ts';
import type { LiveFeed } from './live-feed.ts';
import type { PlatformStatus } from './platform-status.ts';
import { isOverviewTag, type LivePoint, type OverviewRow, type SubstationState } from './latest-table.ts';

// socket.io rooms on the API's HTTP server: `overview` (compact rows, coalesced) and one room per
// substation (every change at once). A client subscribes and gets a snapshot, then updates; a
// reconnecting client subscribes again and so starts from a fresh snapshot. A connection needs
// an access token (`io(url, { auth: { token } })`); any signed-in role receives data, and each
// command checks the role it needs, with the token checked again (expired, user disabled).
// A connection lives no longer than its token: it ends when the token runs out, and when a
// subscribe or the periodic re-check finds it withdrawn (logout, user changed or disabled). The
// client is told why first (`error` { code: HS_ERR_AUTH_EXPIRED | HS_ERR_AUTH_REQUIRED }), then
// disconnected; it reconnects with a fresh token, or is refused and refreshes.
// On several nodes (socket.io's Redis adapter) every node has its own MQTT feed, so what the
// feed brings is sent to the node's own clients only (io.local): through Redis it would reach
// every browser once per node. What happens on one node only — the alarm engine's changes — is
// sent to the room on every node. The roles' statuses (`platform`) go to every connection, no
// room: each node follows them from the broker itself, so to its own clients only as well.

export const SOCKET_PATH = '/socket.io';
export const OVERVIEW_ROOM = 'overview';
export const ALARMS_ROOM = 'alarms';
const substationRoom = (id: string): string => `substation:${id}`;

export type RoomRequest = { room: 'overview' } | { room: 'alarms' } | { room: 'substation'; id: string };
/** The `alarms` room: a snapshot of the current alarms, then each change. */
export interface AlarmsSnapshot {
  alarms: AlarmRecord[];
}

export interface OverviewFrame {
  ts: number;
  rows: OverviewRow[];
}
export interface SubstationSnapshot {
  id: string;
  status: SubstationState;
  points: LivePoint[];
}
export interface SubstationUpdate {
  id: string;
  points: LivePoint[];
}
export interface StatusEvent {
  id: string;
  status: SubstationState;
}

/** Validates what a client sent with subscribe/unsubscribe; the error names the field. */
export function parseRoomRequest(body: unknown): RoomRequest {
  if (typeof body !== 'object' || body === null) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'expected an object { room, id? }', 'room');
  const { room, id } = body as Record<string, unknown>;
  if (room === 'overview' || room === 'alarms') return { room };
  if (room !== 'substation') throw new HeatScadaError('HS_ERR_BAD_REQUEST', "room must be 'overview', 'alarms' or 'substation'", 'room');
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'id must be a substation id', 'id');
  return { room, id };
}

export interface RoomsOptions {
  /** Overview frames are coalesced to at most one per this many ms. */
  overviewIntervalMs: number;
  /** How often statuses are recomputed to notice substations going stale. */
  statusSweepMs: number;
  /** Whether a substation id names a substation (known to the table or the site list). */
  knows(id: string): boolean;
  /** Every substation of the network, for the overview snapshot. */
  substations(): string[];
  logger: Logger;
  /** The roles' statuses: each change is sent to every connection of this node. */
  platform: Pick<PlatformStatus, 'listen'>;
  /** The alarm engine, when one runs in this process. */
  alarms?: Pick<AlarmEngine, 'records' | 'listen' | 'ack'>;
  /** On a node of a cluster without the engine: the current alarms, asked of the node that runs it; undefined when none does. */
  peerAlarms?: () => Promise<AlarmRecord[] | undefined>;
  /** socket.io's Redis adapter, when the API runs on several nodes (api/cluster/cluster-link.ts). */
  adapter?: ServerOptions['adapter'];
  /** Checks the token a client connects with. */
  authenticator: Authenticator;
  /** How often every connection's token is checked again, to notice one withdrawn before it runs out. */
  authRecheckMs: number;
  /** Where commands are audited. */
  trail: AuditTrail;
  /** Which peers' X-Forwarded-For names the client in the audit, as for REST. */
  trustProxy: ProxyTrust;
}

const tokenOf = (socket: Socket): string | undefined => {
  const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' ? token : undefined;
};

export interface LiveRooms {
  /** The socket.io server: a cluster's requests between nodes (serverSideEmit) go through it. */
  readonly io: Server;
  clients(): number;
  /** Points sent in update events (each counted once per room it went to). */
  pointsPushed(): number;
  close(): Promise<void>;
}

export function attachRooms(http: HttpServer, feed: LiveFeed, options: RoomsOptions): LiveRooms {
  const { table } = feed;
  const log = options.logger;
  const io = new Server(http, { path: SOCKET_PATH, serveClient: false, ...(options.adapter ? { adapter: options.adapter } : {}) });
  // This node's clients only: every node hears the feed itself.
  const local = io.local;
  const lastStatus = new Map<string, SubstationState>();
  const dirty = new Set<string>();
  let pushed = 0;
  let lastFrameAt = 0;
  let frameTimer: NodeJS.Timeout | undefined;

  const listeners = (room: string): number => io.sockets.adapter.rooms.get(room)?.size ?? 0;

  const sendOverview = (): void => {
    frameTimer = undefined;
    lastFrameAt = Date.now();
    if (listeners(OVERVIEW_ROOM) > 0) {
      const rows = [...dirty].map((id) => table.overviewRow(id, lastFrameAt));
      const frame: OverviewFrame = { ts: lastFrameAt, rows };
      local.to(OVERVIEW_ROOM).emit('update', frame);
    }
    dirty.clear();
  };
  const markOverview = (id: string): void => {
    dirty.add(id);
    if (frameTimer) return;
    frameTimer = setTimeout(sendOverview, Math.max(0, lastFrameAt + options.overviewIntervalMs - Date.now()));
  };

  const refreshStatus = (id: string, now: number): void => {
    const status = table.status(id, now);
    if (lastStatus.get(id) === status) return;
    lastStatus.set(id, status);
    const event: StatusEvent = { id, status };
    local.to(OVERVIEW_ROOM).to(substationRoom(id)).emit('status', event);
    markOverview(id);
  };

  const unlisten = feed.listen({
    points(id, points) {
      const room = substationRoom(id);
      if (listeners(room) > 0) {
        const update: SubstationUpdate = { id, points };
        local.to(room).emit('update', update);
        pushed += points.length;
      }
      if (points.some((p) => isOverviewTag(p.tag))) markOverview(id);
      refreshStatus(id, Date.now());
    },
    link(id) {
      refreshStatus(id, Date.now());
    },
  });
  const unlistenAlarms = options.alarms?.listen((change) => io.to(ALARMS_ROOM).emit('alarm', change));
  const unlistenPlatform = options.platform.listen((report) => local.emit('platform', report));
  for (const id of table.substations()) lastStatus.set(id, table.status(id, Date.now()));
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const id of table.substations()) refreshStatus(id, now);
  }, options.statusSweepMs);

  /** Checks the connection's token again; a token run out or withdrawn ends the connection (false). */
  const stillSignedIn = (socket: Socket): boolean => {
    try {
      socket.data.principal = options.authenticator.principal(tokenOf(socket));
      return true;
    } catch (e) {
      const error = e instanceof HeatScadaError ? e : new HeatScadaError('HS_ERR_AUTH_REQUIRED');
      log.info({ event: 'live_session_ended', user: (socket.data.principal as Principal).name, code: error.code }, 'live connection ended: its token ran out or was withdrawn');
      socket.emit('error', error.toJSON());
      socket.disconnect(true);
      return false;
    }
  };
  const recheck = setInterval(() => {
    for (const socket of io.of('/').sockets.values()) stillSignedIn(socket);
  }, options.authRecheckMs);

  const subscribe = (socket: Socket, body: unknown): void => {
    if (!stillSignedIn(socket)) return;
    const request = parseRoomRequest(body);
    const now = Date.now();
    if (request.room === 'alarms') {
      if (options.alarms) {
        void socket.join(ALARMS_ROOM);
        const snapshot: AlarmsSnapshot = { alarms: options.alarms.records() };
        socket.emit('alarms', snapshot);
        return;
      }
      if (!options.peerAlarms) throw new HeatScadaError('HS_ERR_ALARMS_OFF');
      // Joined first, so that no change made while the engine's node answers is missed.
      void socket.join(ALARMS_ROOM);
      void options.peerAlarms().then((alarms) => {
        if (alarms) return void socket.emit('alarms', { alarms } satisfies AlarmsSnapshot);
        void socket.leave(ALARMS_ROOM);
        socket.emit('error', new HeatScadaError('HS_ERR_ALARMS_OFF', 'no node of the cluster runs the alarm engine').toJSON());
      });
      return;
    }
    if (request.room === 'overview') {
      void socket.join(OVERVIEW_ROOM);
      const snapshot: OverviewFrame = { ts: now, rows: options.substations().map((id) => table.overviewRow(id, now)) };
      socket.emit('snapshot', snapshot);
      return;
    }
    if (!options.knows(request.id)) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', undefined, request.id);
    void socket.join(substationRoom(request.id));
    const snapshot: SubstationSnapshot = { id: request.id, status: table.status(request.id, now), points: table.points(request.id) };
    socket.emit('snapshot', snapshot);
  };
  const unsubscribe = (socket: Socket, body: unknown): void => {
    const request = parseRoomRequest(body);
    void socket.leave(request.room === 'substation' ? substationRoom(request.id) : request.room);
  };
  /** A bad request is answered on the socket with an `error` event; it never reaches the log as a failure. */
  const guarded = (socket: Socket, handle: (socket: Socket, body: unknown) => void) => (body: unknown) => {
    try {
      handle(socket, body);
    } catch (e) {
      const error = e instanceof HeatScadaError ? e : new HeatScadaError('HS_ERR_INTERNAL');
      if (!(e instanceof HeatScadaError)) log.error({ code: 'HS_ERR_INTERNAL', reason: (e as Error).message }, 'socket request failed');
      socket.emit('error', error.toJSON());
    }
  };
  // No valid token, no connection: connect_error 'HS_ERR_AUTH_REQUIRED', the precise code in its data.
  io.use((socket, next) => {
    try {
      const token = tokenOf(socket);
      socket.data.principal = options.authenticator.principal(token);
      socket.data.expiresAt = options.authenticator.expiresAt(token!);
      next();
    } catch (e) {
      const refusal = Object.assign(new Error('HS_ERR_AUTH_REQUIRED'), { data: { code: e instanceof HeatScadaError ? e.code : 'HS_ERR_AUTH_REQUIRED' } });
      next(refusal);
    }
  });
  const commands = alarmCommands(options.alarms);
  const command = (socket: Socket, event: string, spec: LiveCommand, body: unknown): CommandReply => {
    let principal = socket.data.principal as Principal;
    let reply: CommandReply;
    let status = 200;
    try {
      principal = options.authenticator.principal(tokenOf(socket));
      if (!roleAllows(principal.role, spec.access)) throw new HeatScadaError('HS_ERR_FORBIDDEN', `${event} needs the ${spec.access} role`);
      reply = { ok: true, result: spec.run(principal.name, body) };
    } catch (e) {
      const error = e instanceof HeatScadaError ? e : new HeatScadaError('HS_ERR_INTERNAL');
      if (!(e instanceof HeatScadaError)) log.error({ code: 'HS_ERR_INTERNAL', event, reason: (e as Error).message }, 'socket command failed');
      status = error.status;
      reply = { ok: false, code: error.code, message: status >= 500 ? new HeatScadaError(error.code).message : error.message };
    }
    try {
      options.trail.append({ actor: principal.name, source: clientAddress(socket.handshake.address, socket.handshake.headers['x-forwarded-for'], options.trustProxy), action: spec.action, target: spec.target(body), outcome: outcomeOf(status), detail: reply.ok ? '' : reply.code });
    } catch (e) {
      log.error({ code: 'HS_ERR_INTERNAL', event, reason: (e as Error).message }, 'audit record not written');
    }
    return reply;
  };
  io.on('connection', (socket) => {
    // A tick past expiry, as the check counts the expiry instant itself as run out.
    const expiry = setTimeout(() => stillSignedIn(socket), (socket.data.expiresAt as number) - Date.now() + 1);
    socket.on('disconnect', () => clearTimeout(expiry));
    socket.on('subscribe', guarded(socket, subscribe));
    socket.on('unsubscribe', guarded(socket, unsubscribe));
    for (const [event, spec] of Object.entries(commands)) {
      socket.on(event, (body: unknown, ack?: unknown) => {
        const reply = command(socket, event, spec, body);
        if (typeof ack === 'function') ack(reply);
        else if (!reply.ok) socket.emit('error', { code: reply.code, message: reply.message });
      });
    }
  });

  return {
    io,
    clients: () => io.engine.clientsCount,
    pointsPushed: () => pushed,
    async close() {
      unlisten();
      unlistenAlarms?.();
      unlistenPlatform();
      clearInterval(sweep);
      clearInterval(recheck);
      clearTimeout(frameTimer);
      // io.close() would close the HTTP server too; Fastify closes that. Only this node's
      // clients: on several nodes io.disconnectSockets would end every node's.
      local.disconnectSockets(true);
      io.engine.close();
      await io.of('/').adapter.close();
    },
  };
}
