import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { pino, type Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { HeatScadaError, isHeatScadaError } from '../model/errors.ts';
import { allowAll, decide, type BrokerAuth, type BrokerClient } from './auth.ts';
import { joinCluster, type BrokerClusterOptions } from './cluster.ts';
import { publishWillsAsOwn } from './cluster-wills.ts';
import { ConnectBackoff, DEFAULT_CONNECT_BACKOFF, type ConnectBackoffOptions } from './connect-backoff.ts';
import { deliverOnlyAfterConnack } from './deliver-after-connack.ts';
import { parseShare, SharedSubscriptions, type ShareFilter, type SharedGroupStats } from './shared-subscriptions.ts';
import { ClientStatsTracker, RefusalCounter, type ClientLink, type ClientStats, type RefusalKind, type RefusalStats } from './stats.ts';

// The MQTT broker: aedes behind a TCP listener, a WebSocket listener (path /mqtt) and, when
// configured, a TLS listener, with the authentication hooks of auth.ts, shared subscriptions
// (shared-subscriptions.ts) and per-client statistics (stats.ts); with `cluster`, one node of
// several sharing everything through Redis (cluster.ts). Any standard MQTT 3.1.1 broker can
// take its place: the other roles only speak MQTT to it.

export const WS_PATH = '/mqtt';

export interface BrokerOptions {
  /** Address both listeners bind. */
  host: string;
  /** 0 picks a free port (see tcpUrl). */
  tcpPort: number;
  /** MQTT over WebSocket at ws://host:wsPort/mqtt; 0 picks a free port (see wsUrl). */
  wsPort: number;
  /** MQTT over TLS (mqtts://host:port) besides the plain listeners. */
  tls?: BrokerTlsOptions;
  auth?: BrokerAuth;
  /** Failed CONNECTs per remote address before it is made to wait (connect-backoff.ts). */
  connectBackoff?: ConnectBackoffOptions;
  /** One node of a broker cluster sharing sessions, retained messages and subscriptions through Redis. */
  cluster?: BrokerClusterOptions;
  logger?: Logger;
}

export interface BrokerTlsOptions {
  /** 0 picks a free port (see tlsUrl). */
  port: number;
  /** PEM certificate (chain) and private key of the broker. */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM CA: when given, clients must present a certificate it signed (mutual TLS). */
  ca?: string | Buffer;
}

export interface BrokerStats {
  clients: ClientStats[];
  shared: SharedGroupStats[];
  /** Refused connections, publishes and subscriptions per client id, disconnected clients included. */
  refusals: RefusalStats[];
}

export interface Broker {
  /** mqtt://host:port of the TCP listener as bound. */
  readonly tcpUrl: string;
  /** ws://host:port/mqtt of the WebSocket listener as bound. */
  readonly wsUrl: string;
  /** mqtts://host:port of the TLS listener as bound; undefined without one. */
  readonly tlsUrl: string | undefined;
  stats(): BrokerStats;
  /** Stops the listeners, disconnects every client (their wills fire) and closes aedes. */
  close(): Promise<void>;
}

// CONNACK return codes of a refused CONNECT: 4 "bad user name or password", 5 "not authorized".
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

function refusal(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

const asBuffer = (payload: Buffer | string): Buffer => (typeof payload === 'string' ? Buffer.from(payload) : payload);

export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const log = options.logger ?? pino({ name: 'broker' });
  const auth = options.auth ?? allowAll;
  const cluster = options.cluster ? await joinCluster(options.cluster, log) : undefined;
  const aedes = await Aedes.createBroker(cluster?.aedesOptions);
  if (cluster) publishWillsAsOwn(aedes);
  const sockets = new Set<net.Socket>();
  const links = new WeakMap<object, ClientLink>();
  const described = new WeakMap<Client, BrokerClient>();
  // The will of each CONNECT, checked against the topic rules once the client is authenticated.
  const wills = new WeakMap<Client, { topic: string; payload: Buffer; retain: boolean }>();
  const refusals = new RefusalCounter();
  const backoff = new ConnectBackoff(options.connectBackoff ?? DEFAULT_CONNECT_BACKOFF);

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
  const shared = new SharedSubscriptions(aedes, await cluster?.coordinateShares(aedes));

  const refused = (client: Client, kind: RefusalKind, fields: Record<string, unknown>, message: string): void => {
    refusals.count(client.id, kind, typeof fields.topic === 'string' ? fields.topic : undefined);
    log.warn({ clientId: client.id, remoteAddress: describe(client).remoteAddress, ...fields }, message);
  };

  aedes.preConnect = (client, packet, done) => {
    deliverOnlyAfterConnack(client);
    if (packet.will) wills.set(client, { topic: packet.will.topic, payload: asBuffer(packet.will.payload), retain: packet.will.retain === true });
    done(null, true);
  };

  aedes.authenticate = (client, username, password, done) => {
    const { remoteAddress } = describe(client);
    const waitMs = backoff.waitMs(remoteAddress);
    if (waitMs > 0) {
      // No password check while the address waits: that check is what a guesser would spend.
      refused(client, 'connect', { code: 'HS_ERR_BROKER_AUTH', username, retryInMs: waitMs }, 'connection refused: too many failed logins from this address');
      return done(refusal('too many failed logins', NOT_AUTHORIZED), false);
    }
    decide(auth.authenticate(describe(client), username, password), (ok) => {
      if (!ok) {
        backoff.failed(remoteAddress);
        // The user name helps find a misconfigured client; the password is never logged.
        refused(client, 'connect', { code: 'HS_ERR_BROKER_AUTH', username }, 'connection refused: bad user name or password');
        return done(refusal('bad user name or password', BAD_CREDENTIALS), false);
      }
      backoff.succeeded(remoteAddress);
      const will = wills.get(client);
      if (!will) return done(null, true);
      // A will outside the topic rules would be refused when it fires; refuse it now, visibly.
      const willAllowed = will.topic[0] === '$' ? false : auth.authorizePublish(describe(client), will.topic, will.payload, will.retain);
      decide(willAllowed, (willOk) => {
        if (willOk) return done(null, true);
        refused(client, 'connect', { code: 'HS_ERR_BROKER_ACL', username, topic: will.topic }, 'connection refused: will topic not authorized');
        // Authenticated but never connected: aedes will not report its disconnection.
        auth.disconnected?.(describe(client));
        done(refusal('will topic not authorized', NOT_AUTHORIZED), false);
      });
    });
  };

  aedes.authorizePublish = (client, packet, done) => {
    // `$SYS/…` is the broker's, and a publish to `$share/…` would reach shared members literally.
    if (packet.topic[0] === '$') {
      if (client) refused(client, 'publish', { code: 'HS_ERR_BROKER_ACL', topic: packet.topic }, 'publish to a reserved $ topic refused');
      return done(new Error(`${packet.topic}: $ topics are reserved`));
    }
    if (!client) return done(null);
    decide(auth.authorizePublish(describe(client), packet.topic, asBuffer(packet.payload), packet.retain), (verdict) => {
      if (verdict === false) {
        refused(client, 'publish', { code: 'HS_ERR_BROKER_ACL', topic: packet.topic, retain: packet.retain }, 'publish refused: client disconnected');
        return done(new Error(`not authorized to publish to ${packet.topic}`));
      }
      // aedes forwards this very packet object: a stamped payload replaces the sender's.
      if (verdict !== true) packet.payload = verdict.payload;
      done(null);
    });
  };

  aedes.authorizeSubscribe = (client, subscription, done) => {
    let share: ShareFilter | null;
    try {
      share = parseShare(subscription.topic);
    } catch (e) {
      refused(client, 'subscribe', { code: isHeatScadaError(e) ? e.code : 'HS_ERR_BAD_REQUEST', topic: subscription.topic }, 'malformed shared subscription refused');
      return done(null, null);
    }
    decide(auth.authorizeSubscribe(describe(client), subscription.topic), (ok) => {
      if (!ok) {
        refused(client, 'subscribe', { code: 'HS_ERR_BROKER_ACL', topic: subscription.topic }, 'subscription refused');
        return done(null, null);
      }
      if (!share) return done(null, subscription);
      void shared.join(client, subscription.topic, share, subscription.qos).then(() => done(null, subscription));
    });
  };

  aedes.authorizeForward = (client, packet) => {
    stats.forwarded(client);
    return packet;
  };

  aedes.on('client', (client) => log.info({ clientId: client.id, transport: linkOf(client).transport }, 'client connected'));
  aedes.on('clientDisconnect', (client) => {
    log.info({ clientId: client.id }, 'client disconnected');
    auth.disconnected?.(describe(client));
  });
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

  const secure = options.tls
    ? tls.createServer({ cert: options.tls.cert, key: options.tls.key, ...(options.tls.ca ? { ca: options.tls.ca, requestCert: true, rejectUnauthorized: true } : {}) }, (socket) => {
        links.set(socket, { transport: 'tls', socket });
        aedes.handle(socket);
      })
    : undefined;
  // Tracked from the TCP connection on, so close() also ends handshakes that never finish.
  secure?.on('connection', track);
  secure?.on('tlsClientError', (err, socket) =>
    log.warn({ code: 'HS_ERR_BROKER_CLIENT', remoteAddress: socket.remoteAddress, reason: err.message }, 'TLS handshake failed'),
  );

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
      const listenersClosed = Promise.all([closeServer(tcp), closeServer(web), ...(secure ? [closeServer(secure)] : [])]);
      wss.close();
      await cluster?.withdraw();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await cluster?.close();
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
    const tlsPort = secure && options.tls ? await listen(secure, options.tls.port, options.host) : undefined;
    const host = urlHost(options.host);
    log.info({ tcpPort, wsPort, tlsPort, host: options.host }, 'broker listening');
    return {
      tcpUrl: `mqtt://${host}:${tcpPort}`,
      wsUrl: `ws://${host}:${wsPort}${WS_PATH}`,
      tlsUrl: tlsPort === undefined ? undefined : `mqtts://${host}:${tlsPort}`,
      stats: () => ({ clients: stats.snapshot(), shared: shared.stats(), refusals: refusals.snapshot() }),
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
