// bench:ingest — a city of 5,000 substations × 40 tags reporting every second: synthetic
// Sparkplug B edge nodes in a child process publish DDATA through our aedes broker to the
// historian, which writes into SQLite, all on this machine. Prints the points/s written, the
// latency from publish (the metric's timestamp) to the committed row, what was lost, where the
// host process spends its time, and baselines measured in the same run: payload decoding
// alone and the ceiling — raw better-sqlite3 inserts of the same points.
//
//   npm run bench:ingest -- [--nodes 100 --devices 50 --metrics 40 --rate 1 --seconds 20 --store sqlite|null --qos 0|1]
//
// --rate multiplies the offered load (1 = every device publishes all its metrics once a second).
// --store sqlite (the default) writes on the SQLite writer thread, as the historian does;
// sqlite-main writes on the main thread; null throws points away, to see the broker and the
// historian alone.

import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startBroker } from '../broker/broker.ts';
import { connectBrokers } from '../model/broker-urls.ts';
import { aliasFor, BD_SEQ, datatypeOf, decodePayload, edgeTopic, encodePayload, type Metric, type MetricDataType, type SparkplugPayload } from '../model/sparkplug.ts';
import { TAGS } from '../model/tags.ts';
import type { StoreSink } from '../store/historian/batcher.ts';
import { startHistorian } from '../store/historian/historian.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import { progress } from './progress.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { openSqliteWriter } from '../store/sqlite/worker-writer.ts';
import Database from 'better-sqlite3';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'host' },
    url: { type: 'string', default: '' },
    nodes: { type: 'string', default: '100' },
    devices: { type: 'string', default: '50' },
    metrics: { type: 'string', default: '40' },
    rate: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '20' },
    store: { type: 'string', default: 'sqlite' },
    qos: { type: 'string', default: '0' },
    'batch-points': { type: 'string', default: '5000' },
    'batch-ms': { type: 'string', default: '200' },
  },
});
const NODES = Number(values.nodes);
const DEVICES = Number(values.devices);
const METRICS = Number(values.metrics);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const QOS = Number(values.qos) === 1 ? 1 : 0;
const GROUP = 'bench';
const TICK_MS = 50;

/** Metric i of a device: the catalogue tags first, then extra doubles (a device may carry more). */
function metricDef(i: number): { name: string; datatype: MetricDataType } {
  const def = TAGS[i];
  if (!def) return { name: `bench.extra_${i}`, datatype: 'Double' };
  return { name: def.name, datatype: datatypeOf(def) };
}

function metricValue(datatype: MetricDataType, k: number): number | boolean {
  if (datatype === 'Boolean') return k % 2 === 0;
  if (datatype === 'UInt16') return k % 3;
  return 50 + (k % 100) / 10;
}

function devicePayload(device: number, seq: number, k: number, birth: boolean, now = Date.now()): SparkplugPayload {
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

/** What the edges tell the host when they are done. */
export interface EdgesDone {
  kind: 'done';
  messages: number;
  points: number;
  cpuMs: number;
  wallMs: number;
  /** Points sent by the second of their stamp (epoch seconds). */
  pointsBySecond: Record<number, number>;
  /** The longest time one edge node was without a broker, ms (0: none lost its broker). */
  longestOfflineMs: number;
}

/**
 * --url is one broker or a cluster's nodes, comma-separated: edge node n starts on node n (mod
 * the count) and fails over through the others. Each device's points carry stamps that rise
 * by at least 1 ms, so every point sent is one row the store can be asked for.
 */
async function runEdges(urlList: string): Promise<void> {
  const send = (m: object): void => void process.send?.(m);
  const urls = urlList.split(',');
  let longestOfflineMs = 0;
  const nodes = await Promise.all(
    Array.from({ length: NODES }, async (_, n) => {
      const id = `edge${n}`;
      const mine = urls.map((_, i) => urls[(i + n) % urls.length]);
      const client = connectBrokers(mine, { clientId: id, reconnectPeriod: urls.length > 1 ? 100 : 0 });
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      let offlineSince: number | undefined;
      client.on('close', () => (offlineSince ??= performance.now()));
      client.on('connect', () => {
        if (offlineSince !== undefined) longestOfflineMs = Math.max(longestOfflineMs, performance.now() - offlineSince);
        offlineSince = undefined;
      });
      let seq = 0;
      const next = (): number => (seq = (seq + 1) & 0xff);
      client.publish(edgeTopic(GROUP, 'NBIRTH', id), encodePayload({ timestamp: Date.now(), seq: 0, metrics: [{ name: BD_SEQ, datatype: 'UInt64', value: 0 }] }), { qos: QOS });
      for (let d = 0; d < DEVICES; d++) client.publish(edgeTopic(GROUP, 'DBIRTH', id, `S${n}_${d}`), encodePayload(devicePayload(d, next(), 0, true)), { qos: QOS });
      return { id, client, next, stamps: new Float64Array(DEVICES) };
    }),
  );
  send({ kind: 'born' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));

  const perSecond = NODES * DEVICES * RATE;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const pointsBySecond: Record<number, number> = {};
  let sent = 0;
  let k = 0;
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    for (; sent < due; sent++) {
      const node = nodes[sent % NODES];
      const device = Math.floor(sent / NODES) % DEVICES;
      const stamp = Math.max(Date.now(), node.stamps[device] + 1);
      node.stamps[device] = stamp;
      const second = Math.floor(stamp / 1000);
      pointsBySecond[second] = (pointsBySecond[second] ?? 0) + METRICS;
      node.client.publish(edgeTopic(GROUP, 'DDATA', node.id, `S${sent % NODES}_${device}`), encodePayload(devicePayload(device, node.next(), k++, false, stamp)), { qos: QOS });
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  const cpu = process.cpuUsage(cpu0);
  // A clean end waits for every QoS 1 message in flight to be acknowledged.
  await Promise.all(nodes.map((n) => n.client.endAsync()));
  const done: EdgesDone = { kind: 'done', messages: sent, points: sent * METRICS, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - started, pointsBySecond, longestOfflineMs };
  send(done);
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

/**
 * The ceiling: raw better-sqlite3 inserts of the same points (same count, same order — a
 * second's worth of every series at a time — same table shape keyed by series then time,
 * same batch size, WAL), with nothing else in the process.
 */
function rawCeiling(file: string, points: number, series: number, batchPoints: number): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE points (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, quality INTEGER NOT NULL, PRIMARY KEY (series_id, ts)) WITHOUT ROWID');
  const insert = db.prepare('INSERT INTO points VALUES (?, ?, ?, 192)');
  const writeBatch = db.transaction((from: number, to: number) => {
    for (let k = from; k < to; k++) insert.run(k % series, 1_800_000_000_000 + Math.floor(k / series) * 1000, k % 1000);
  });
  const started = performance.now();
  for (let k = 0; k < points; k += batchPoints) writeBatch(k, Math.min(points, k + batchPoints));
  const rate = points / ((performance.now() - started) / 1000);
  db.close();
  return rate;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

interface PhaseResult {
  offered: number;
  sent: number;
  written: number;
  /** Points written per second while the edges published. */
  rate: number;
  p50: number;
  p99: number;
  max: number;
  busy: number;
  shares: string[];
  /** CPU of this process (broker, historian, writer thread) per point written while the edges published, µs. */
  cpuUsPerPoint: number;
}

async function runHost(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-ingest-'));
  const batchPoints = Number(values['batch-points']);
  let latency = new LatencyHistogram();
  let measuring = false;
  const file = path.join(dir, 'ingest.db');
  const onMainThread = values.store !== 'sqlite';
  const writerThread = values.store === 'sqlite' ? openSqliteWriter({ file }) : undefined;
  const inner: Sink = writerThread ?? (values.store === 'null' ? nullSink() : openSqliteStore({ file }));
  // Latency is taken when the store's write resolves: the batch is committed.
  const sink: Sink = {
    write: async (batch) => {
      await inner.write(batch);
      if (measuring) latency.record(Date.now(), batch);
    },
    setStatus: (status) => inner.setStatus(status),
    close: () => inner.close(),
    ordered: inner.ordered,
  };

  const decodeRate = decodeBaseline();
  const log = pino({ level: 'warn' });
  const broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, logger: log });
  const historian = await startHistorian({ mqttUrl: broker.tcpUrl, hostId: 'bench-historian', group: GROUP, store: sink, batchMaxPoints: batchPoints, batchMaxMs: Number(values['batch-ms']), logger: log });
  const waitUntil = async (done: () => boolean): Promise<void> => {
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  /** One run of the edges at `rate` × the city's load for `seconds`, measured until the last point is written. */
  async function phase(label: string, rate: number, seconds: number): Promise<PhaseResult> {
    const args = [...process.argv.slice(2), '--role', 'edges', '--url', broker.tcpUrl, '--rate', String(rate), '--seconds', String(seconds)];
    const edges = fork(fileURLToPath(import.meta.url), args, { execArgv: process.execArgv });
    const edgesExited = new Promise((resolve) => edges.once('exit', resolve));
    const bornBefore = historian.stats().points.written;
    await new Promise<void>((resolve) => edges.once('message', () => resolve()));
    // Every birth metric carries a value the historian stores.
    await waitUntil(() => historian.stats().points.written >= bornBefore + NODES * DEVICES * METRICS);

    const before = historian.stats();
    const elu0 = performance.eventLoopUtilization();
    const writerElu0 = writerThread?.eventLoopUtilization();
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    const finished = new Promise<{ points: number; wallMs: number }>((resolve) =>
      edges.on('message', (m: { kind: string; points: number; wallMs: number }) => {
        if (m.kind === 'done') resolve(m);
      }),
    );
    const offered = NODES * DEVICES * METRICS * rate;
    const bar = progress(`ingest ${label}: ${fmt(offered)} points/s offered`);
    const ticker = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      bar.update(Math.min(elapsed, seconds), seconds, `${fmt((historian.stats().points.written - before.points.written) / elapsed)} points/s written`);
    }, 1000);
    latency = new LatencyHistogram();
    measuring = true;
    edges.send('go');
    const sent = await finished;
    const publishMs = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    const writtenWhilePublishing = historian.stats().points.written - before.points.written;
    // Then whatever is still in flight (broker queues, batches, the writer thread) arrives.
    let last = -1;
    const settled = (): boolean => {
      const { queued, written, failed } = historian.stats().points;
      return queued === written + failed && written === last;
    };
    while (!settled()) {
      last = historian.stats().points.written;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    measuring = false;
    clearInterval(ticker);
    await edgesExited;
    const elu = performance.eventLoopUtilization(elu0);
    const writerBusy = writerElu0 ? writerThread!.eventLoopUtilization(writerElu0).utilization : 0;
    const after = historian.stats();
    const written = after.points.written - before.points.written;
    bar.done(`${fmt(written)} of ${fmt(sent.points)} points written`);
    const activeMs = elu.active;
    const decodeMs = after.timeMs.decode - before.timeMs.decode;
    const handleMs = after.timeMs.handle - before.timeMs.handle;
    const writeMs = after.points.writeMs - before.points.writeMs;
    const share = (name: string, ms: number): string => `${name} ${((100 * ms) / activeMs).toFixed(0)}%`;
    return {
      offered,
      sent: sent.points,
      written,
      rate: writtenWhilePublishing / (publishMs / 1000),
      p50: latency.quantile(0.5),
      p99: latency.quantile(0.99),
      max: latency.quantile(1),
      busy: elu.utilization,
      cpuUsPerPoint: (cpu.user + cpu.system) / writtenWhilePublishing,
      // On the writer thread the store's time is not the main thread's: the thread's own share is shown.
      shares: onMainThread
        ? [share('decode', decodeMs), share('handle', handleMs), share('store write', writeMs), share('broker+mqtt+GC', activeMs - decodeMs - handleMs - writeMs)]
        : [share('decode', decodeMs), share('handle', handleMs), share('broker+mqtt+GC', activeMs - decodeMs - handleMs), `writer thread ${(writerBusy * 100).toFixed(0)}% busy`],
    };
  }

  // The city's own load, then twice that to find where ingest saturates.
  const nominal = await phase('nominal', RATE, SECONDS);
  const saturated = await phase('saturation', 2 * RATE, Math.ceil(SECONDS / 2));
  await historian.stop();
  await broker.close();
  await sink.close();
  const ceilingPoints = Math.min(nominal.sent, 4_000_000);
  const ceiling = values.store === 'null' ? Infinity : rawCeiling(path.join(dir, 'ceiling.db'), ceilingPoints, NODES * DEVICES * METRICS, batchPoints);
  rmSync(dir, { recursive: true, force: true });

  // Capacity: the phase that wrote the most per second; its CPU per point goes with it.
  const best = nominal.rate >= saturated.rate ? nominal : saturated;
  const capacity = best.rate;
  const lost = nominal.sent - nominal.written + (saturated.sent - saturated.written);
  console.log(`ingest: ${NODES} nodes × ${DEVICES} devices × ${METRICS} metrics (${fmt(NODES * DEVICES)} substations), store ${values.store}, QoS ${QOS}, batches ≤ ${batchPoints} points / ${values['batch-ms']} ms, ${os.cpus().length} cores`);
  for (const [name, r] of [['nominal', nominal], ['saturation', saturated]] as const) {
    console.log(
      `  ${name.padEnd(10)} offered ${fmt(r.offered)}/s: written ${fmt(r.rate)} points/s, ${fmt(r.written)} of ${fmt(r.sent)} points; publish → committed p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms; host event loop ${(r.busy * 100).toFixed(0)}% busy (${r.shares.join(', ')}); host CPU ${r.cpuUsPerPoint.toFixed(2)} µs per point`,
    );
  }
  console.log(`  baselines  decode alone ${fmt(decodeRate)} metrics/s; raw better-sqlite3 inserts of ${fmt(ceilingPoints)} points ${fmt(ceiling)} points/s`);
  console.log(`  malformed  ${JSON.stringify(historian.stats().malformed)}`);
  console.log(
    JSON.stringify({
      bench: 'ingest',
      points_per_s: Math.round(capacity),
      ceiling_points_per_s: Math.round(ceiling),
      ratio: Number((capacity / ceiling).toFixed(3)),
      p99_latency_ms: nominal.p99,
      lost,
      cpu_us_per_point: Number(best.cpuUsPerPoint.toFixed(2)),
    }),
  );
}

if (values.role === 'edges') await runEdges(values.url ?? '');
else await runHost();
