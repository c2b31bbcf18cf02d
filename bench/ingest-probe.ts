// ingest-probe — a quick look (not the final benchmark) at the historian's ingest path: N
// synthetic edge nodes in a child process publish DDATA through our aedes broker to the
// historian, which writes into a store, all on this machine. Prints the points/s written
// while the edges publish, where the broker+historian process spends its time, and two
// baselines measured in the same run: payload decoding alone and the store alone.
//
//   npx tsx bench/ingest-probe.ts [--nodes 100 --devices 50 --metrics 40 --rate 1 --seconds 10 --store sqlite|null]
//
// --rate multiplies the offered load (1 = every device publishes all its metrics once a second).
// --store sqlite is store/sqlite (a fresh file in a temporary folder); null throws points away,
// to see the broker and the historian alone.

import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { startBroker } from '../broker/broker.ts';
import { aliasFor, BD_SEQ, datatypeOf, decodePayload, edgeTopic, encodePayload, type Metric, type MetricDataType, type SparkplugPayload } from '../model/sparkplug.ts';
import type { StoredPoint } from '../model/store.ts';
import { TAGS } from '../model/tags.ts';
import type { StoreSink } from '../store/historian/batcher.ts';
import { startHistorian } from '../store/historian/historian.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'host' },
    url: { type: 'string', default: '' },
    nodes: { type: 'string', default: '100' },
    devices: { type: 'string', default: '50' },
    metrics: { type: 'string', default: '40' },
    rate: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '10' },
    store: { type: 'string', default: 'sqlite' },
    'batch-points': { type: 'string', default: '5000' },
    'batch-ms': { type: 'string', default: '200' },
  },
});
const NODES = Number(values.nodes);
const DEVICES = Number(values.devices);
const METRICS = Number(values.metrics);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const GROUP = 'probe';
const TICK_MS = 50;

/** Metric i of a device: the catalogue tags first, then extra doubles (a device may carry more). */
function metricDef(i: number): { name: string; datatype: MetricDataType } {
  const def = TAGS[i];
  if (!def) return { name: `probe.extra_${i}`, datatype: 'Double' };
  return { name: def.name, datatype: datatypeOf(def) };
}

function metricValue(datatype: MetricDataType, k: number): number | boolean {
  if (datatype === 'Boolean') return k % 2 === 0;
  if (datatype === 'UInt16') return k % 3;
  return 50 + (k % 100) / 10;
}

function devicePayload(device: number, seq: number, k: number, birth: boolean): SparkplugPayload {
  const now = Date.now();
  const metrics: Metric[] = [];
  for (let i = 0; i < METRICS; i++) {
    const { name, datatype } = metricDef(i);
    const metric: Metric = { alias: aliasFor(device, i), timestamp: now, datatype, value: metricValue(datatype, k + i) };
    if (birth) metric.name = name;
    metrics.push(metric);
  }
  return { timestamp: now, seq, metrics };
}

// ——— the edges (child process) ———

async function runEdges(url: string): Promise<void> {
  const send = (m: object): void => void process.send?.(m);
  const nodes = await Promise.all(
    Array.from({ length: NODES }, async (_, n) => {
      const id = `edge${n}`;
      const client = await mqtt.connectAsync(url, { clientId: id, reconnectPeriod: 0 });
      let seq = 0;
      const next = (): number => (seq = (seq + 1) & 0xff);
      client.publish(edgeTopic(GROUP, 'NBIRTH', id), encodePayload({ timestamp: Date.now(), seq: 0, metrics: [{ name: BD_SEQ, datatype: 'UInt64', value: 0 }] }));
      for (let d = 0; d < DEVICES; d++) client.publish(edgeTopic(GROUP, 'DBIRTH', id, `S${n}_${d}`), encodePayload(devicePayload(d, next(), 0, true)));
      return { id, client, next };
    }),
  );
  send({ kind: 'born' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));

  const perSecond = NODES * DEVICES * RATE;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let sent = 0;
  let k = 0;
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    for (; sent < due; sent++) {
      const node = nodes[sent % NODES];
      const device = Math.floor(sent / NODES) % DEVICES;
      node.client.publish(edgeTopic(GROUP, 'DDATA', node.id, `S${sent % NODES}_${device}`), encodePayload(devicePayload(device, node.next(), k++, false)));
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(nodes.map((n) => n.client.endAsync()));
  send({ kind: 'done', messages: sent, points: sent * METRICS, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - started });
}

// ——— the host: broker + historian + store ———

type Sink = StoreSink & { close(): Promise<void> };

function nullSink(): Sink {
  return { write: async () => undefined, setStatus: async () => undefined, close: async () => undefined };
}

/** Baseline: how fast this machine decodes the probe's DDATA payloads, metrics/s. */
function decodeBaseline(): number {
  const bytes = encodePayload(devicePayload(3, 1, 0, false));
  const started = performance.now();
  let metrics = 0;
  while (performance.now() - started < 1000) metrics += decodePayload(bytes).metrics.length;
  return metrics / ((performance.now() - started) / 1000);
}

/** Baseline: how fast the store alone takes batches of this size, points/s. */
async function storeBaseline(sink: StoreSink, batchPoints: number): Promise<number> {
  const started = performance.now();
  let points = 0;
  for (let b = 0; performance.now() - started < 1000; b++) {
    const batch: StoredPoint[] = Array.from({ length: batchPoints }, (_, i) => ({
      substation: `B${i % 500}`,
      tag: TAGS[i % TAGS.length].name,
      ts: b + 1,
      value: i,
      quality: 'good',
      historical: false,
    }));
    await sink.write(batch);
    points += batch.length;
  }
  return points / ((performance.now() - started) / 1000);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function runHost(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-ingest-'));
  const makeSink = (name: string): Sink => (values.store === 'null' ? nullSink() : openSqliteStore({ file: path.join(dir, name) }));
  const batchPoints = Number(values['batch-points']);

  const decodeRate = decodeBaseline();
  const baselineSink = makeSink('baseline.db');
  const storeRate = await storeBaseline(baselineSink, batchPoints);
  await baselineSink.close();

  const log = pino({ level: 'warn' });
  const broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, logger: log });
  const sink = makeSink('probe.db');
  const historian = await startHistorian({ mqttUrl: broker.tcpUrl, hostId: 'probe-historian', group: GROUP, store: sink, batchMaxPoints: batchPoints, batchMaxMs: Number(values['batch-ms']), logger: log });

  const edges = fork(fileURLToPath(import.meta.url), ['--role', 'edges', '--url', broker.tcpUrl, ...process.argv.slice(2)], { execArgv: process.execArgv });
  const edgesExited = new Promise((resolve) => edges.once('exit', resolve));
  // Every birth metric carries a value the historian stores.
  const born = NODES * DEVICES * METRICS;
  await new Promise<void>((resolve) => edges.once('message', () => resolve()));
  const waitUntil = async (done: () => boolean): Promise<void> => {
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await waitUntil(() => historian.stats().points.written >= born);

  const before = historian.stats();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const finished = new Promise<{ messages: number; points: number; cpuMs: number; wallMs: number }>((resolve) =>
    edges.on('message', (m: { kind: string; messages: number; points: number; cpuMs: number; wallMs: number }) => {
      if (m.kind === 'done') resolve(m);
    }),
  );
  edges.send('go');
  const sent = await finished;
  const publishMs = performance.now() - started;
  const writtenWhilePublishing = historian.stats().points.written - before.points.written;
  // Then whatever is still in flight (broker queues, batches) arrives.
  let last = -1;
  while (historian.stats().points.written !== last) {
    last = historian.stats().points.written;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const totalMs = performance.now() - started;
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage(cpu0);
  const after = historian.stats();
  const written = after.points.written - before.points.written;

  const activeMs = elu.active;
  const decodeMs = after.timeMs.decode - before.timeMs.decode;
  const handleMs = after.timeMs.handle - before.timeMs.handle;
  const writeMs = after.points.writeMs - before.points.writeMs;
  const otherMs = activeMs - decodeMs - handleMs - writeMs;
  const share = (ms: number): string => `${fmt(ms)} ms (${((100 * ms) / activeMs).toFixed(0)}%)`;

  const offered = NODES * DEVICES * METRICS * RATE;
  console.log(`ingest-probe: ${NODES} nodes × ${DEVICES} devices × ${METRICS} metrics, rate ×${RATE} = ${fmt(offered)} points/s offered for ${SECONDS} s, store ${values.store}, batches ≤ ${batchPoints} points / ${values['batch-ms']} ms, ${os.cpus().length} cores`);
  console.log(`  edges sent      ${fmt(sent.points)} points in ${fmt(sent.messages)} DDATA (${fmt(sent.points / (sent.wallMs / 1000))} points/s; edge process CPU ${fmt(sent.cpuMs)} ms)`);
  console.log(`  written         ${fmt(written)} points${written === sent.points ? '' : ` (${fmt(sent.points - written)} missing)`}`);
  console.log(`  ingest rate     ${fmt(writtenWhilePublishing / (publishMs / 1000))} points/s while publishing, ${fmt(written / (totalMs / 1000))} points/s until the last point (${(totalMs / 1000).toFixed(1)} s)`);
  console.log(`  host process    event loop ${(elu.utilization * 100).toFixed(0)}% busy (${fmt(activeMs)} ms), CPU ${fmt((cpu.user + cpu.system) / 1000)} ms (GC and I/O threads included)`);
  console.log(`    decode        ${share(decodeMs)}  topic parse + Sparkplug payload decode`);
  console.log(`    handle        ${share(handleMs)}  alias lookup, checks, batching`);
  console.log(`    store write   ${share(writeMs)}  ${after.points.batches - before.points.batches} batches, largest ${after.points.largestBatch}`);
  console.log(`    broker+mqtt   ${share(otherMs)}  aedes routing, MQTT parse/serialise both ways, GC`);
  console.log(`  baselines       decode alone ${fmt(decodeRate)} metrics/s; store alone ${fmt(storeRate)} points/s`);
  console.log(`  malformed       ${JSON.stringify(after.malformed)}`);

  await historian.stop();
  await broker.close();
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
  await edgesExited;
}

if (values.role === 'edges') await runEdges(values.url ?? '');
else await runHost();
