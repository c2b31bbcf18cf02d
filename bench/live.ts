// live — end-to-end latency of the API's live push. A city of synthetic Sparkplug edge nodes
// (child process) publishes DDATA of every catalogue tag of every substation once a second
// through our aedes broker (child process) to the API (this process: live feed → socket.io).
// 20 socket.io clients (in the edge process, on the same clock as the publishers) sit in the
// overview room and in substation rooms; each measures arrival − the metric's timestamp (set at
// publish). Baseline, in the same run: a plain MQTT client receiving the same DDATA straight
// from the broker.
//
//   npx tsx bench/live.ts [--substations 500 --edges 10 --clients 20 --overview-clients 4 --rooms-per-client 10 --seconds 20 --warmup 3]
//
// Last line: {"bench":"live","substations":…,"clients":20,"p50_ms":…,"p99_ms":…,"baseline_p99_ms":…}
// (p50/p99: substation rooms, which push every change at once; the overview, coalesced to 250 ms
// frames, is reported beside them.)

import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { io as connectSocket } from 'socket.io-client';
import { UserStore } from '../api/auth/user-store.ts';
import { startApi } from '../api/server.ts';
import type { OverviewFrame, SubstationUpdate } from '../api/live/rooms.ts';
import { startBroker } from '../broker/broker.ts';
import { aliasFor, BD_SEQ, datatypeOf, decodePayload, edgeTopic, encodePayload, type Metric, type SparkplugPayload } from '../model/sparkplug.ts';
import { TAGS } from '../model/tags.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    broker: { type: 'string', default: '' },
    api: { type: 'string', default: '' },
    token: { type: 'string', default: '' },
    substations: { type: 'string', default: '500' },
    edges: { type: 'string', default: '10' },
    clients: { type: 'string', default: '20' },
    'overview-clients': { type: 'string', default: '4' },
    'rooms-per-client': { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
  },
});
const SUBSTATIONS = Number(values.substations);
const EDGES = Number(values.edges);
const CLIENTS = Number(values.clients);
const OVERVIEW_CLIENTS = Number(values['overview-clients']);
const ROOMS_PER_CLIENT = Number(values['rooms-per-client']);
const SECONDS = Number(values.seconds);
const WARMUP_S = Number(values.warmup);
const GROUP = 'bench';
const TICK_MS = 50;
const SUPPLY = TAGS.findIndex((t) => t.name === 'primary.supply_temp');

type Message = { kind: 'ready'; url: string } | { kind: 'result'; result: EdgeResult };
interface EdgeResult {
  published: number;
  baseline: number[];
  rooms: number[];
  overview: number[];
  rebirthRequests: number;
}

const subId = (i: number): string => `S${String(i + 1).padStart(4, '0')}`;
const send = (m: Message): void => void process.send?.(m);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const round = (n: number): number => Math.round(n * 10) / 10;

// ——— the broker (child process) ———

async function runBroker(): Promise<void> {
  const broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, logger: pino({ level: 'warn' }) });
  send({ kind: 'ready', url: broker.tcpUrl });
  process.on('disconnect', () => void broker.close().then(() => process.exit(0)));
}

// ——— the edges and the clients (child process) ———

/** The value of catalogue tag i at cycle k; primary.supply_temp carries k so the overview can be timed. */
function valueOf(i: number, k: number, device: number): number | boolean {
  const def = TAGS[i];
  if (def.name === 'power.ok' || def.name === 'pump.running') return true;
  if (def.valueType === 'boolean') return false;
  if (i === SUPPLY) return 40 + (k % 1000) / 10;
  if (datatypeOf(def) === 'UInt16') return def.name === 'plc.heartbeat' ? k % 65536 : Math.min(def.max, 1);
  return def.min + ((device + k + i) % 100) * ((def.max - def.min) / 200);
}

function devicePayload(device: number, slot: number, k: number, seq: number, birth: boolean): SparkplugPayload {
  const now = Date.now();
  const metrics: Metric[] = TAGS.map((def, i) => {
    const m: Metric = { alias: aliasFor(slot, i), timestamp: now, datatype: datatypeOf(def), value: valueOf(i, k, device) };
    if (birth) m.name = def.name;
    return m;
  });
  return { timestamp: now, seq, metrics };
}

async function runEdges(brokerUrl: string, apiUrl: string, token: string): Promise<void> {
  const result: EdgeResult = { published: 0, baseline: [], rooms: [], overview: [], rebirthRequests: 0 };
  const started = Date.now();
  const measuring = (): boolean => Date.now() - started > WARMUP_S * 1000;
  // publishedAt[device][k % 1000]: when the DDATA carrying k went out (the overview rows carry k in primary.supply_temp).
  const publishedAt = Array.from({ length: SUBSTATIONS }, () => new Float64Array(1000));

  const baseline = mqtt.connect(brokerUrl, { clientId: 'bench-baseline', protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve) => baseline.once('connect', () => resolve()));
  await baseline.subscribeAsync({ [`spBv1.0/${GROUP}/DDATA/#`]: { qos: 0 }, [`spBv1.0/${GROUP}/NCMD/#`]: { qos: 0 } });
  baseline.on('message', (topic, bytes) => {
    if (topic.includes('/NCMD/')) return void result.rebirthRequests++;
    const payload = decodePayload(bytes);
    if (measuring()) result.baseline.push(Date.now() - payload.timestamp);
  });

  // The edge nodes: births, then every device once a second, spread over the second.
  const perEdge = Math.ceil(SUBSTATIONS / EDGES);
  const edges: { client: MqttClient; name: string; devices: number[]; seq: number }[] = [];
  for (let e = 0; e < EDGES; e++) {
    const name = `edge-${e}`;
    const devices = Array.from({ length: perEdge }, (_, j) => e * perEdge + j).filter((d) => d < SUBSTATIONS);
    const client = mqtt.connect(brokerUrl, { clientId: `bench-${name}`, protocolVersion: 4, reconnectPeriod: 0 });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const edge = { client, name, devices, seq: 0 };
    const next = (): number => (edge.seq = (edge.seq + 1) & 0xff);
    client.publish(edgeTopic(GROUP, 'NBIRTH', name), encodePayload({ timestamp: Date.now(), seq: 0, metrics: [{ name: BD_SEQ, datatype: 'UInt64', value: 0 }] }), { qos: 1 });
    devices.forEach((d, slot) => client.publish(edgeTopic(GROUP, 'DBIRTH', name, subId(d)), encodePayload(devicePayload(d, slot, 0, next(), true)), { qos: 1 }));
    edges.push(edge);
  }

  // The clients connect once the API knows every substation (a room of an unknown one is refused).
  for (;;) {
    const totals = (await (await fetch(`${apiUrl}/api/network/totals`, { headers: { authorization: `Bearer ${token}` } })).json()) as { substations: number };
    if (totals.substations >= SUBSTATIONS) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // The clients: overview first, then substation rooms spread evenly over the city (and so over the edge nodes).
  const roomOf = (j: number): number => Math.floor((j * SUBSTATIONS) / Math.max(1, (CLIENTS - OVERVIEW_CLIENTS) * ROOMS_PER_CLIENT));
  const sockets = Array.from({ length: CLIENTS }, (_, c) => {
    const socket = connectSocket(apiUrl, { path: '/socket.io', transports: ['websocket'], auth: { token } });
    const overview = c < OVERVIEW_CLIENTS;
    socket.on('connect', () => {
      if (overview) socket.emit('subscribe', { room: 'overview' });
      else for (let r = 0; r < ROOMS_PER_CLIENT; r++) socket.emit('subscribe', { room: 'substation', id: subId(roomOf((c - OVERVIEW_CLIENTS) * ROOMS_PER_CLIENT + r)) });
    });
    socket.on('update', (body: SubstationUpdate | OverviewFrame) => {
      if (!measuring()) return;
      const now = Date.now();
      if ('rows' in body) {
        for (const row of body.rows) {
          const supply = row[2];
          if (typeof supply !== 'number') continue;
          const at = publishedAt[Number(row[0].slice(1)) - 1][Math.round((supply - 40) * 10)];
          if (at > 0) result.overview.push(now - at);
        }
      } else {
        // One sample per message: its points share the publish timestamp.
        result.rooms.push(now - body.points[0].ts);
      }
    });
    return socket;
  });

  const ticksPerSecond = 1000 / TICK_MS;
  let tick = 0;
  const timer = setInterval(() => {
    const k = 1 + Math.floor(tick / ticksPerSecond);
    const phase = tick % ticksPerSecond;
    for (const edge of edges) {
      edge.devices.forEach((d, slot) => {
        if (d % ticksPerSecond !== phase) return;
        publishedAt[d][k % 1000] = Date.now();
        const payload = devicePayload(d, slot, k, (edge.seq = (edge.seq + 1) & 0xff), false);
        edge.client.publish(edgeTopic(GROUP, 'DDATA', edge.name, subId(d)), encodePayload(payload), { qos: 0 });
        if (Date.now() - started > WARMUP_S * 1000) result.published++;
      });
    }
    tick++;
  }, TICK_MS);

  await new Promise((resolve) => setTimeout(resolve, (WARMUP_S + SECONDS) * 1000));
  clearInterval(timer);
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const s of sockets) s.close();
  await Promise.all(edges.map((e) => e.client.endAsync()));
  await baseline.endAsync();
  send({ kind: 'result', result });
}

// ——— the API and the orchestration (this process) ———

function child(role: string, args: string[]): { proc: ChildProcess; next: () => Promise<Message> } {
  const proc = fork(fileURLToPath(import.meta.url), ['--role', role, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue: Message[] = [];
  const waiting: ((m: Message) => void)[] = [];
  proc.on('message', (m: Message) => {
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  return { proc, next: () => new Promise((resolve) => (queue.length > 0 ? resolve(queue.shift() as Message) : waiting.push(resolve))) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-live-'));
  const broker = child('broker', []);
  const brokerReady = await broker.next();
  if (brokerReady.kind !== 'ready') throw new Error('broker did not start');
  const store = openSqliteStore({ file: path.join(dir, 'store.db') });
  // The clients sign in as a viewer, as the control room's screens do.
  const viewer = await new UserStore(store.database).create('bench-viewer', 'viewer', randomBytes(18).toString('base64url'));
  const api = await startApi({ host: '127.0.0.1', port: 0, store, mqttUrl: brokerReady.url, group: GROUP, auth: { accessTokenS: 86_400 }, logger: pino({ level: 'warn' }) });
  const session = api.auth.users.session(viewer.name);
  if (!session) throw new Error('bench viewer not found');
  const forwarded = [
    '--broker', brokerReady.url, '--api', api.url, '--token', api.auth.accessTokens.issue(session), '--substations', String(SUBSTATIONS), '--edges', String(EDGES), '--clients', String(CLIENTS),
    '--overview-clients', String(OVERVIEW_CLIENTS), '--rooms-per-client', String(ROOMS_PER_CLIENT), '--seconds', String(SECONDS), '--warmup', String(WARMUP_S),
  ];
  const cpuBefore = process.cpuUsage();
  const edges = child('edges', forwarded);
  const done = await edges.next();
  const cpu = process.cpuUsage(cpuBefore);
  if (done.kind !== 'result') throw new Error('edges did not report');
  const { result } = done;
  const stats = api.stats();
  await api.close();
  await store.close();
  broker.proc.disconnect();
  await new Promise((resolve) => broker.proc.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });

  const sort = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  const rooms = sort(result.rooms);
  const base = sort(result.baseline);
  const overview = sort(result.overview);
  const line = (what: string, xs: number[]): string =>
    `  ${what.padEnd(26)} n=${String(xs.length).padStart(7)}  p50 ${round(percentile(xs, 50))} ms  p99 ${round(percentile(xs, 99))} ms  max ${round(xs.at(-1) ?? Number.NaN)} ms`;
  console.log(`live push: ${SUBSTATIONS} substations × ${TAGS.length} tags at 1 s over ${EDGES} edge nodes, ${CLIENTS} socket.io clients (${OVERVIEW_CLIENTS} overview, ${CLIENTS - OVERVIEW_CLIENTS} × ${ROOMS_PER_CLIENT} substation rooms), ${SECONDS} s measured`);
  console.log(`  DDATA published            ${result.published} (${round(result.published / SECONDS)}/s); API received ${stats.mqtt.messages} MQTT messages, pushed ${stats.pointsPushed} points; rebirth requests ${result.rebirthRequests}; malformed ${JSON.stringify(stats.mqtt.malformed)}`);
  console.log(line('baseline (broker → MQTT)', base));
  console.log(line('substation rooms (API)', rooms));
  console.log(line('overview room (250 ms)', overview));
  console.log(`  API process CPU            ${round((cpu.user + cpu.system) / 1000 / (SECONDS + WARMUP_S) / 10)} % of one core`);
  console.log(
    JSON.stringify({
      bench: 'live',
      substations: SUBSTATIONS,
      clients: CLIENTS,
      p50_ms: round(percentile(rooms, 50)),
      p99_ms: round(percentile(rooms, 99)),
      baseline_p99_ms: round(percentile(base, 99)),
      baseline_p50_ms: round(percentile(base, 50)),
      overview_p99_ms: round(percentile(overview, 99)),
    }),
  );
}

if (values.role === 'broker') await runBroker();
else if (values.role === 'edges') await runEdges(values.broker, values.api, values.token);
else await main();
