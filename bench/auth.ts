// auth — what security costs on the two hot paths, in one run.
//
// API: requests per second of one representative authenticated GET (GET /api/substations/:id,
// a substation's every tag from the live table) on two Fastify servers built from the same
// code (error handlers, route plugin, live table seeded from a SQLite store), one with the
// guard (bearer token: HMAC check, user and generation lookup, role) and the audit hook, one
// without. Both run in a child process; this process drives them over real HTTP with
// concurrent keep-alive clients, alternating rounds so drift hits both alike.
//
// MQTT: publish throughput of Sparkplug DDATA through aedes with the platform's BrokerAuth
// (Argon2id at CONNECT, the principal's topic rules on every PUBLISH and SUBSCRIBE) and with
// allowAll, at QoS 0 and QoS 1. The brokers run in a child process; the edge node publishing
// and the historian-like subscriber counting run here.
//
//   npx tsx bench/auth.ts [--seconds 4 --rounds 5 --clients 32 --messages 40000]
//
// Last line: {"bench":"auth","api_rps":…,"api_rps_noauth":…,"mqtt_msgs_s":…,"mqtt_msgs_s_noacl":…,…}
// (mqtt_msgs_s: QoS 1, as the historian takes data; the QoS 0 figures and the costs follow.)

import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { installAuditHook } from '../api/auth/audit-hook.ts';
import { createAuth } from '../api/auth/auth.ts';
import { installGuard } from '../api/auth/guard.ts';
import type { ApiContext } from '../api/context.ts';
import { registerErrorHandlers } from '../api/errors.ts';
import { startLiveFeed } from '../api/live/live-feed.ts';
import { HttpCounters } from '../api/metrics.ts';
import { substationRoutes } from '../api/routes/substations.ts';
import { allowAll } from '../broker/auth.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { hashPassword } from '../broker/credentials.ts';
import { principalAuth } from '../broker/principal-auth.ts';
import { aliasFor, edgeTopic, encodePayload } from '../model/sparkplug.ts';
import type { StoredPoint } from '../model/store.ts';
import { TAGS } from '../model/tags.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '9' },
    clients: { type: 'string', default: '32' },
    messages: { type: 'string', default: '40000' },
    substations: { type: 'string', default: '200' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CLIENTS = Number(values.clients);
const MESSAGES = Number(values.messages);
const SUBSTATIONS = Number(values.substations);
const GROUP = 'bench';
const EDGE = 'bench-edge';
const WARMUP_S = 1;

type Message =
  | { kind: 'api'; guarded: string; open: string; token: string; path: string }
  | { kind: 'brokers'; acl: string; noacl: string; users: Record<'edge' | 'historian', { username: string; password: string }> };

const send = (m: Message): void => void process.send?.(m);
const ids = Array.from({ length: SUBSTATIONS }, (_, i) => `S${String(i + 1).padStart(4, '0')}`);
const round1 = (x: number): number => Math.round(x * 10) / 10;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const costPct = (secured: number, open: number): number => round1((100 * (open - secured)) / open);

// ——— child: the two API servers ———

async function apiServers(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-auth-'));
  const log = pino({ level: 'warn' });
  const store = openSqliteStore({ file: path.join(dir, 'store.db') });
  const ts = Date.now();
  const points: StoredPoint[] = ids.flatMap((substation) => TAGS.map((t) => ({ substation, tag: t.name, ts, value: t.valueType === 'boolean' ? true : t.min, quality: 'good' as const })));
  await store.write(points);
  // The live table is seeded from the store; the feed's MQTT link has nothing to say here.
  const broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, logger: log });
  const feed = await startLiveFeed({ mqttUrl: broker.tcpUrl, store, staleAfterMs: 3_600_000, logger: log });
  const ctx: ApiContext = { store, feed, sites: new Map(), http: new HttpCounters(), startedAt: Date.now(), liveClients: () => 0, pointsPushed: () => 0 };
  const auth = createAuth(store.database, new SqliteAuditTrail(store.database), { accessTokenS: 86_400 });
  const viewer = await auth.users.create('bench-viewer', 'viewer', randomBytes(18).toString('base64url'));
  const session = auth.users.session(viewer.name);
  if (!session) throw new Error('bench viewer not found');

  const server = async (guarded: boolean): Promise<FastifyInstance> => {
    const app = Fastify({ logger: false });
    registerErrorHandlers(app);
    if (guarded) {
      installGuard(app, auth.authenticator);
      installAuditHook(app, auth.trail);
    }
    await app.register(substationRoutes, { ctx });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return app;
  };
  const [guarded, open] = [await server(true), await server(false)];
  const url = (app: FastifyInstance): string => `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  send({ kind: 'api', guarded: url(guarded), open: url(open), token: auth.accessTokens.issue(session), path: `/api/substations/${ids[0]}` });
  process.once('disconnect', () => {
    void (async () => {
      await guarded.close();
      await open.close();
      await feed.close();
      await broker.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    })();
  });
}

// ——— child: the two brokers ———

async function brokers(): Promise<void> {
  const log = pino({ level: 'warn' });
  const users = { edge: { username: 'bench-edge', password: randomBytes(18).toString('base64url') }, historian: { username: 'bench-historian', password: randomBytes(18).toString('base64url') } };
  const auth = principalAuth([
    { username: users.edge.username, kind: 'edge_node', group: GROUP, edgeNodeId: EDGE, devices: ids, passwordHash: await hashPassword(users.edge.password) },
    { username: users.historian.username, kind: 'historian', hostId: 'bench-historian', passwordHash: await hashPassword(users.historian.password) },
  ]);
  const withAcl: Broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, auth, logger: log });
  const without: Broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, auth: allowAll, logger: log });
  send({ kind: 'brokers', acl: withAcl.tcpUrl, noacl: without.tcpUrl, users });
  process.once('disconnect', () => {
    void Promise.all([withAcl.close(), without.close()]).then(() => process.exit(0));
  });
}

// ——— this process: the load ———

function child(role: string): { proc: ChildProcess; ready: Promise<Message> } {
  const proc = fork(fileURLToPath(import.meta.url), ['--role', role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return { proc, ready: new Promise((resolve) => proc.once('message', (m: Message) => resolve(m))) };
}

async function stop(proc: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.disconnect();
  await exited;
}

/** `clients` keep-alive loops of GET for `seconds`; requests per second, every answer checked to be 200. */
async function hammer(base: string, urlPath: string, headers: Record<string, string>, seconds: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const { hostname, port } = new URL(base);
  const get = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.get({ agent, hostname, port, path: urlPath, headers }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
    });
  let done = 0;
  /** When counting began, after the warm-up; undefined before. */
  let from: number | undefined;
  const end = Date.now() + (WARMUP_S + seconds) * 1000;
  setTimeout(() => (from = performance.now()), WARMUP_S * 1000);
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < end) {
        const status = await get();
        if (status !== 200) throw new Error(`GET ${urlPath} answered ${status}`);
        if (from !== undefined) done++;
      }
    }),
  );
  const rps = done / ((performance.now() - (from ?? 0)) / 1000);
  agent.destroy();
  return rps;
}

async function benchApi(m: Extract<Message, { kind: 'api' }>): Promise<{ rps: number; rpsOpen: number }> {
  const secured: number[] = [];
  const open: number[] = [];
  const guardedGet = () => hammer(m.guarded, m.path, { authorization: `Bearer ${m.token}` }, SECONDS);
  const openGet = () => hammer(m.open, m.path, {}, SECONDS);
  // Both servers warmed (JIT, caches) before anything is measured.
  await openGet();
  await guardedGet();
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first, so a warming or a neighbour's load does not favour one side.
    const order = r % 2 === 0 ? (['open', 'guarded'] as const) : (['guarded', 'open'] as const);
    for (const side of order) {
      const rps = side === 'guarded' ? await guardedGet() : await openGet();
      (side === 'guarded' ? secured : open).push(rps);
      process.stderr.write(`auth api round ${r + 1}/${ROUNDS} ${side.padEnd(7)} ${Math.round(rps)} req/s\n`);
    }
  }
  return { rps: median(secured), rpsOpen: median(open) };
}

/** Publishes `count` DDATA as the edge node and waits until the subscriber has them all; messages per second. */
async function publishRun(url: string, users: Extract<Message, { kind: 'brokers' }>['users'] | undefined, qos: 0 | 1, count: number): Promise<number> {
  const login = (who: 'edge' | 'historian') => (users ? { username: users[who].username, password: users[who].password } : {});
  const subscriber: MqttClient = await connectAsync(url, { clientId: 'bench-historian', reconnectPeriod: 0, ...login('historian') });
  const publisher: MqttClient = await connectAsync(url, { clientId: EDGE, reconnectPeriod: 0, ...login('edge') });
  await subscriber.subscribeAsync(`spBv1.0/${GROUP}/DDATA/#`, { qos });
  const payloads = ids.slice(0, 50).map((id, d) => ({
    topic: edgeTopic(GROUP, 'DDATA', EDGE, id),
    payload: encodePayload({ timestamp: Date.now(), seq: d, metrics: TAGS.slice(0, 8).map((t, k) => ({ alias: aliasFor(d, k), datatype: 'Double' as const, value: 50 + k })) }),
  }));
  let received = 0;
  const all = new Promise<void>((resolve) =>
    subscriber.on('message', () => {
      if (++received === count) resolve();
    }),
  );
  const started = performance.now();
  // A window of publishes in flight, as an edge node with a busy PLC scan would have.
  const WINDOW = 500;
  for (let k = 0; k < count; k += WINDOW) {
    await Promise.all(Array.from({ length: Math.min(WINDOW, count - k) }, (_, j) => publisher.publishAsync(payloads[(k + j) % payloads.length].topic, payloads[(k + j) % payloads.length].payload, { qos })));
  }
  await all;
  const rate = count / ((performance.now() - started) / 1000);
  await publisher.endAsync();
  await subscriber.endAsync();
  return rate;
}

async function benchMqtt(m: Extract<Message, { kind: 'brokers' }>): Promise<Record<'qos0' | 'qos0Open' | 'qos1' | 'qos1Open', number>> {
  const runs: Record<string, number[]> = { qos0: [], qos0Open: [], qos1: [], qos1Open: [] };
  // Warm both brokers (and this process's encoders) before anything is measured.
  for (const qos of [0, 1] as const) {
    await publishRun(m.noacl, undefined, qos, MESSAGES / 4);
    await publishRun(m.acl, m.users, qos, MESSAGES / 4);
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const qos of [0, 1] as const) {
      const order = r % 2 === 0 ? [false, true] : [true, false];
      for (const acl of order) {
        const rate = await publishRun(acl ? m.acl : m.noacl, acl ? m.users : undefined, qos, MESSAGES);
        runs[`qos${qos}${acl ? '' : 'Open'}`].push(rate);
        process.stderr.write(`auth mqtt round ${r + 1}/${ROUNDS} QoS ${qos} ${acl ? 'ACL     ' : 'allowAll'} ${Math.round(rate)} msg/s\n`);
      }
    }
  }
  return { qos0: median(runs.qos0), qos0Open: median(runs.qos0Open), qos1: median(runs.qos1), qos1Open: median(runs.qos1Open) };
}

async function main(): Promise<void> {
  process.stderr.write(`auth: ${CLIENTS} keep-alive clients × ${SECONDS} s × ${ROUNDS} rounds a side; MQTT ${MESSAGES} DDATA a run\n`);
  const apiChild = child('api');
  const apiReady = await apiChild.ready;
  if (apiReady.kind !== 'api') throw new Error('api servers did not start');
  const api = await benchApi(apiReady);
  await stop(apiChild.proc);

  const brokerChild = child('brokers');
  const brokersReady = await brokerChild.ready;
  if (brokersReady.kind !== 'brokers') throw new Error('brokers did not start');
  const mqtt = await benchMqtt(brokersReady);
  await stop(brokerChild.proc);

  const figures = {
    bench: 'auth',
    api_rps: Math.round(api.rps),
    api_rps_noauth: Math.round(api.rpsOpen),
    mqtt_msgs_s: Math.round(mqtt.qos1),
    mqtt_msgs_s_noacl: Math.round(mqtt.qos1Open),
    api_cost_pct: costPct(api.rps, api.rpsOpen),
    mqtt_cost_pct: costPct(mqtt.qos1, mqtt.qos1Open),
    mqtt_qos0_msgs_s: Math.round(mqtt.qos0),
    mqtt_qos0_msgs_s_noacl: Math.round(mqtt.qos0Open),
    mqtt_qos0_cost_pct: costPct(mqtt.qos0, mqtt.qos0Open),
  };
  process.stderr.write(`auth: security costs ${figures.api_cost_pct} % on the API, ${figures.mqtt_cost_pct} % on MQTT QoS 1, ${figures.mqtt_qos0_cost_pct} % on QoS 0\n`);
  console.log(JSON.stringify(figures));
}

const roles: Record<string, () => Promise<void>> = { main, api: apiServers, brokers };
const run = roles[values.role];
if (!run) throw new Error(`unknown role ${values.role}`);
await run();
