import http from 'node:http';
import net from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { pino, type Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { HeatScadaError, isHeatScadaError } from '../model/errors.ts';
import { allowAll, decide, type BrokerAuth, type BrokerClient } from './auth.ts';
import { parseShare, SharedSubscriptions, type ShareFilter, type SharedGroupStats } from './shared-subscriptions.ts';
import { ClientStatsTracker, type ClientLink, type ClientStats } from './stats.ts';

// The MQTT broker: aedes behind a TCP listener and a WebSocket listener (path /mqtt), with
// the authentication hooks of auth.ts, shared subscriptions (shared-subscriptions.ts) and
// per-client statistics (stats.ts). Any standard MQTT 3.1.1 broker can take its place: the
// other roles only speak MQTT to it.

export const WS_PATH = '/mqtt';

export interface BrokerOptions {
  /** Address both listeners bind. */
  host: string;
  /** 0 picks a free port (see tcpUrl). */
  tcpPort: number;
  /** MQTT over WebSocket at ws://host:wsPort/mqtt; 0 picks a free port (see wsUrl). */
  wsPort: number;
  auth?: BrokerAuth;
  logger?: Logger;
}

export interface BrokerStats {
  clients: ClientStats[];
  shared: SharedGroupStats[];
}

export interface Broker {
  /** mqtt://host:port of the TCP listener as bound. */
  readonly tcpUrl: string;
  /** ws://host:port/mqtt of the WebSocket listener as bound. */
  readonly wsUrl: string;
  stats(): BrokerStats;
  /** Stops both listeners, disconnects every client (their wills fire) and closes aedes. */
  close(): Promise<void>;
}

// Returned to aedes when authentication fails: CONNACK 4, "bad user name or password".
const BAD_CREDENTIALS = 4;

export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const log = options.logger ?? pino({ name: 'broker' });
  const auth = options.auth ?? allowAll;
  const aedes = await Aedes.createBroker();
  const sockets = new Set<net.Socket>();
  const links = new WeakMap<object, ClientLink>();
  const described = new WeakMap<Client, BrokerClient>();

  const linkOf = (client: Client): ClientLink => {
    const link = links.get(client.conn);
    if (!link) throw new HeatScadaError('HS_ERR_INTERNAL', `client ${client.id} came through no listener`);
    return link;
  };
  const describe = (client: Client): BrokerClient => {
    let info = described.get(client);
    if (!info) {
      const link = linkOf(client);
      info = { id: client.id, transport: link.transport, remoteAddress: link.socket.remoteAddress };
      described.set(client, info);
    }
    return info;
  };
  const stats = new ClientStatsTracker(aedes, linkOf);
  const shared = new SharedSubscriptions(aedes);

  aedes.authenticate = (client, username, password, done) =>
    decide(auth.authenticate(describe(client), username, password), (ok) => {
      if (ok) return done(null, true);
      log.warn({ code: 'HS_ERR_BROKER_AUTH', clientId: client.id, username }, 'connection refused');
      const refusal = Object.assign(new Error('bad user name or password'), { returnCode: BAD_CREDENTIALS }) as AuthenticateError;
      done(refusal, false);
    });

  aedes.authorizePublish = (client, packet, done) => {
    // `$SYS/…` is the broker's, and a publish to `$share/…` would reach shared members literally.
    if (packet.topic[0] === '$') {
      log.warn({ code: 'HS_ERR_BROKER_ACL', clientId: client?.id, topic: packet.topic }, 'publish to a reserved $ topic refused');
      return done(new Error(`${packet.topic}: $ topics are reserved`));
    }
    if (!client) return done(null);
    decide(auth.authorizePublish(describe(client), packet.topic), (ok) => {
      if (ok) return done(null);
      log.warn({ code: 'HS_ERR_BROKER_ACL', clientId: client.id, topic: packet.topic }, 'publish refused');
      done(new Error(`not authorized to publish to ${packet.topic}`));
    });
  };

  aedes.authorizeSubscribe = (client, subscription, done) => {
    let share: ShareFilter | null;
    try {
      share = parseShare(subscription.topic);
    } catch (e) {
      log.warn({ code: isHeatScadaError(e) ? e.code : 'HS_ERR_BAD_REQUEST', clientId: client.id, topic: subscription.topic }, 'malformed shared subscription refused');
      return done(null, null);
    }
    decide(auth.authorizeSubscribe(describe(client), subscription.topic), (ok) => {
      if (!ok) {
        log.warn({ code: 'HS_ERR_BROKER_ACL', clientId: client.id, topic: subscription.topic }, 'subscription refused');
        return done(null, null);
      }
      if (share) shared.join(client, subscription.topic, share, subscription.qos);
      done(null, subscription);
    });
  };

  aedes.authorizeForward = (client, packet) => {
    stats.forwarded(client);
    return packet;
  };

  aedes.on('client', (client) => log.info({ clientId: client.id, transport: linkOf(client).transport }, 'client connected'));
  aedes.on('clientDisconnect', (client) => log.info({ clientId: client.id }, 'client disconnected'));
  aedes.on('clientError', (client, err) => log.warn({ code: 'HS_ERR_BROKER_CLIENT', clientId: client.id, reason: err.message }, 'client error'));
  aedes.on('connectionError', (_client, err) => log.warn({ code: 'HS_ERR_BROKER_CLIENT', reason: err.message }, 'connection error'));
  aedes.on('keepaliveTimeout', (client) => log.warn({ code: 'HS_ERR_BROKER_CLIENT', clientId: client.id }, 'keepalive timeout'));

  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const tcp = net.createServer((socket) => {
    track(socket);
    links.set(socket, { transport: 'tcp', socket });
    aedes.handle(socket);
  });

  const web = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    res.end(`MQTT over WebSocket: connect to ${WS_PATH}\n`);
  });
  web.on('connection', track);
  const wss = new WebSocketServer({ server: web, path: WS_PATH });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    links.set(stream, { transport: 'ws', socket: req.socket });
    aedes.handle(stream, req);
  });
  wss.on('error', (err) => log.warn({ code: 'HS_ERR_BROKER_CLIENT', reason: err.message }, 'websocket error'));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const listenersClosed = Promise.all([closeServer(tcp), closeServer(web)]);
      wss.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // Connections that never completed CONNECT are no aedes client yet.
      for (const socket of sockets) socket.destroy();
      await listenersClosed;
      log.info('broker closed');
    })();
    return closing;
  };

  try {
    const tcpPort = await listen(tcp, options.tcpPort, options.host);
    const wsPort = await listen(web, options.wsPort, options.host);
    const host = urlHost(options.host);
    log.info({ tcpPort, wsPort, host: options.host }, 'broker listening');
    return {
      tcpUrl: `mqtt://${host}:${tcpPort}`,
      wsUrl: `ws://${host}:${wsPort}${WS_PATH}`,
      stats: () => ({ clients: stats.snapshot(), shared: shared.stats() }),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/** The address clients use for a bound host: a wildcard bind is reached over loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
