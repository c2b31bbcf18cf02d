// bench:cluster — the ingest benchmark's load (bench/ingest.ts: synthetic Sparkplug B edge nodes
// in a child process, here at QoS 1) through a broker cluster of two aedes nodes sharing Redis
// (each its own process) and two historians in one share group, into ClickHouse 2 shards × 2
// replicas coordinated by ZooKeeper, all on loopback. Three phases: the city's load, the single
// node's load below (capacity: what the cluster writes of it), and the city's load again while
// a broker node and then a ClickHouse replica are killed (SIGKILL). Every point the edges sent is looked for in ClickHouse (distinct series and
// stamp, second by second); what was on its way through the killed broker node is counted
// apart. Then three takeovers of a hot-standby pair's lease (bench/lease-takeover.ts). In the
// same run, after the cluster has stopped, the single-node path: bench:ingest (one broker, one
// historian, the SQLite writer thread) at QoS 1, at its own default load (5,000 substations, and
// twice that): its capacity is the baseline.
// Last line: JSON.
//
//   npm run bench:cluster -- [--nodes 20 --devices 50 --metrics 40 --rate 1 --seconds 30 --single-nodes 100 --batch-points 5000 --batch-ms 200]

import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startClickHouseCluster, type ClickHouseCluster } from '../cluster/engines/clickhouse-cluster.ts';
import { startRedisServer } from '../cluster/engines/redis-server.ts';
import { openClickHouseStore, type ClickHouseStore } from '../store/clickhouse/clickhouse-store.ts';
import { startHistorian, type Historian } from '../store/historian/historian.ts';
import { startBrokerProcess, type BrokerProcess } from '../tests/helpers/cluster-broker-process.ts';
import { freePort } from '../tests/helpers/ports.ts';
import type { EdgesDone } from './ingest.ts';
import { countCpu, type CpuShare } from './cpu-share.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import { leaseTakeovers } from './lease-takeover.ts';
import { progress } from './progress.ts';
import { IN_FLIGHT_MS } from './soak/gaps.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '20' },
    devices: { type: 'string', default: '50' },
    metrics: { type: 'string', default: '40' },
    rate: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '30' },
    'single-nodes': { type: 'string', default: '100' },
    // The cluster's historians' batches (historian.batch_max_points / batch_max_ms).
    'batch-points': { type: 'string', default: '5000' },
    'batch-ms': { type: 'string', default: '200' },
  },
});
const NODES = Number(values.nodes);
const SINGLE_NODES = Number(values['single-nodes']);
const DEVICES = Number(values.devices);
const METRICS = Number(values.metrics);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const DATABASE = 'bench';
const INGEST = fileURLToPath(new URL('./ingest.ts', import.meta.url));
/** A broker node silent for 3 heartbeats is dead to the others. */
const HEARTBEAT_MS = 1000;
const BIRTHS_TIMEOUT_MS = 120_000;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rotated = <T>(list: readonly T[], k: number): T[] => list.map((_, i) => list[(i + k) % list.length]);

interface PhaseResult {
  label: string;
  offered: number;
  sent: EdgesDone;
  /** Points written per second while the edges published (both historians). */
  rate: number;
  p99: number;
  kills: { brokerMs: number; replicaMs: number } | undefined;
  /** While the edges published. */
  cpu: CpuShare[];
  /** CPU of every part but the edges per point written while they published, µs. */
  cpuUsPerPoint: number;
  /** Per historian over the phase: INSERTs, the largest, and the share of the phase spent waiting for ClickHouse. */
  writes: { batches: number; largest: number; busyPercent: number }[];
}

async function clickhouseQuery(cluster: ClickHouseCluster, sql: string): Promise<string> {
  for (const node of cluster.nodes.filter((n) => n.running)) {
    const response = await fetch(`${node.url}/?query=${encodeURIComponent(sql)}`).catch(() => undefined);
    if (response?.ok) return response.text();
  }
  throw new Error(`no ClickHouse node answered: ${sql}`);
}

/** Distinct points stored per epoch second, for the bench's substations. */
async function storedBySecond(cluster: ClickHouseCluster, fromS: number, toS: number): Promise<Map<number, number>> {
  const text = await clickhouseQuery(
    cluster,
    `SELECT intDiv(ts, 1000) AS s, count() FROM (SELECT DISTINCT substation, tag, ts FROM ${DATABASE}.points WHERE ts >= ${fromS * 1000} AND ts < ${(toS + 1) * 1000}) GROUP BY s FORMAT TSV`,
  );
  const bySecond = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [s, n] = line.split('\t');
    bySecond.set(Number(s), Number(n));
  }
  return bySecond;
}

/** Bytes on disk per stored row, over every replica's own table (synthetic values: real ones compress otherwise). */
async function bytesPerRow(cluster: ClickHouseCluster): Promise<number> {
  let bytes = 0;
  let rows = 0;
  for (const node of cluster.nodes.filter((n) => n.running)) {
    const response = await fetch(`${node.url}/?query=${encodeURIComponent(`SELECT sum(bytes_on_disk), sum(rows) FROM system.parts WHERE database = '${DATABASE}' AND table = 'points_local' AND active FORMAT TSV`)}`);
    const [b, r] = (await response.text()).trim().split('\t').map(Number);
    bytes += b;
    rows += r;
  }
  return bytes / rows;
}

/** bench:ingest on one machine's path at QoS 1: its JSON line. */
function singleNode(): Promise<{ points_per_s: number; p99_latency_ms: number; lost: number; cpu_us_per_point: number }> {
  const args = ['--import', 'tsx', INGEST, '--nodes', String(SINGLE_NODES), '--devices', String(DEVICES), '--metrics', String(METRICS), '--rate', String(RATE), '--seconds', String(SECONDS), '--qos', '1'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      for (const line of out.trim().split('\n').slice(0, -1)) console.log(`  single node | ${line}`);
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`bench:ingest exited (${code}): ${out.slice(-500)}`));
      else resolve(JSON.parse(last));
    }),
  );
}

const root = mkdtempSync(path.join(os.tmpdir(), 'heatscada-bench-cluster-'));
const log = pino({ level: 'warn' });
const say = (line: string) => process.stderr.write(`${line}\n`);
const brokers: BrokerProcess[] = [];
const historians: Historian[] = [];
const stores: ClickHouseStore[] = [];
let clickhouse: ClickHouseCluster | undefined;
const redis = await startRedisServer(await freePort());
let stopped = false;
/** Once, whether the run ends well or not: historians, brokers, ClickHouse and ZooKeeper, Redis. */
async function stopCluster(): Promise<void> {
  if (stopped) return;
  stopped = true;
  await Promise.all(historians.map((h) => h.stop().catch(() => undefined)));
  await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
  await Promise.all(brokers.map((b) => b.kill()));
  await clickhouse?.stop();
  await redis.stop();
}
// Ctrl-C or a timeout: the servers are child processes and would outlive the bench.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`cluster: ${signal}: stopping the servers`);
    void stopCluster().finally(() => process.exit(130));
  });
}
try {
  say(`cluster: Redis ${redis.url}; starting ZooKeeper and ClickHouse 2 shards × 2 replicas`);
  clickhouse = await startClickHouseCluster({ shards: 2, replicas: 2, pickPort: freePort, dir: path.join(root, 'clickhouse') });
  const ch = clickhouse;
  // The tables once, before the historians: two creating them ON CLUSTER at once would race.
  await (await openClickHouseStore({ urls: ch.urls, database: DATABASE, cluster: ch.name })).close();
  for (const k of [1, 2]) brokers.push(await startBrokerProcess(redis.url, `broker-${k}`, HEARTBEAT_MS));
  const brokerUrls = brokers.map((b) => b.tcpUrl);
  say(`cluster: brokers ${brokerUrls.join(' ')}; ClickHouse ${ch.urls.join(' ')}`);

  let latency = new LatencyHistogram();
  let measuring = false;
  for (const k of [0, 1]) {
    const store = await openClickHouseStore({ urls: rotated(ch.urls, k), database: DATABASE, cluster: ch.name });
    stores.push(store);
    const sink = {
      write: async (batch: Parameters<ClickHouseStore['write']>[0]) => {
        await store.write(batch);
        if (measuring) latency.record(Date.now(), batch);
      },
      setStatus: (status: Parameters<ClickHouseStore['setStatus']>[0]) => store.setStatus(status),
      setStatuses: (statuses: Parameters<ClickHouseStore['setStatuses']>[0]) => store.setStatuses(statuses),
    };
    historians.push(await startHistorian({ mqttUrl: rotated(brokerUrls, k), hostId: `bench-historian-${k + 1}`, group: 'bench', store: sink, batchMaxPoints: Number(values['batch-points']), batchMaxMs: Number(values['batch-ms']), shared: 'historian', logger: log }));
  }
  const written = () => historians.reduce((sum, h) => sum + h.stats().points.written, 0);
  const settled = () => historians.every((h) => h.stats().points.queued === h.stats().points.written + h.stats().points.failed);

  async function phase(label: string, nodes: number, rate: number, seconds: number, kill: boolean): Promise<PhaseResult> {
    const args = ['--role', 'edges', '--url', brokerUrls.join(','), '--nodes', String(nodes), '--devices', String(DEVICES), '--metrics', String(METRICS), '--rate', String(rate), '--seconds', String(seconds), '--qos', '1'];
    const edges = fork(INGEST, args, { execArgv: process.execArgv });
    const bornBefore = historians.map((h) => h.stats().points.written);
    await new Promise<void>((resolve) => edges.once('message', () => resolve()));
    // Births are not shared: each historian stores every birth metric.
    const birthDeadline = Date.now() + BIRTHS_TIMEOUT_MS;
    while (historians.some((h, i) => h.stats().points.written < bornBefore[i] + nodes * DEVICES * METRICS)) {
      if (Date.now() > birthDeadline) {
        edges.kill();
        throw new Error(`${label}: the historians stored ${historians.map((h, i) => h.stats().points.written - bornBefore[i]).join(' and ')} of the ${fmt(nodes * DEVICES * METRICS)} birth metrics each within ${BIRTHS_TIMEOUT_MS / 1000} s: the cluster does not take this load`);
      }
      await sleep(50);
    }

    const offered = nodes * DEVICES * METRICS * rate;
    const bar = progress(`cluster ${label}: ${fmt(offered)} points/s offered`);
    const before = written();
    const started = performance.now();
    const writesBefore = historians.map((h) => ({ ...h.stats().points }));
    const finished = new Promise<EdgesDone>((resolve) => edges.on('message', (m: EdgesDone) => m.kind === 'done' && resolve(m)));
    const ticker = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      bar.update(Math.min(elapsed, seconds), seconds, `${fmt((written() - before) / elapsed)} points/s written`);
    }, 1000);
    latency = new LatencyHistogram();
    measuring = true;
    const cpu = countCpu([
      { name: 'edges', pid: edges.pid },
      { name: 'historians', pid: process.pid },
      ...brokers.map((b) => ({ name: 'brokers', pid: b.pid })),
      { name: 'redis', pid: redis.pid },
      ...ch.nodes.map((n) => ({ name: 'clickhouse', pid: n.pid })),
      { name: 'zookeeper', pid: ch.zookeeper.pid },
    ]);
    edges.send('go');
    let kills: PhaseResult['kills'];
    if (kill) {
      await sleep((seconds * 1000) / 3);
      const brokerMs = Date.now();
      say(`cluster ${label}: SIGKILL broker-1`);
      await brokers[0].kill();
      await sleep((seconds * 1000) / 3);
      const replicaMs = Date.now();
      say(`cluster ${label}: SIGKILL ClickHouse shard ${ch.nodes[0].shard} replica ${ch.nodes[0].replica}`);
      await ch.nodes[0].kill();
      kills = { brokerMs, replicaMs };
    }
    const sent = await finished;
    const cpuShares = cpu.stop();
    const writtenWhilePublishing = written() - before;
    const rateWritten = writtenWhilePublishing / ((performance.now() - started) / 1000);
    // The platform's CPU, not the load generator's: what the single node's figure counts too.
    const cpuUsPerPoint = (1e6 * cpuShares.filter((c) => c.name !== 'edges').reduce((sum, c) => sum + c.seconds, 0)) / writtenWhilePublishing;
    let last = -1;
    while (!settled() || written() !== last) {
      last = written();
      await sleep(500);
    }
    measuring = false;
    clearInterval(ticker);
    const phaseMs = performance.now() - started;
    const writes = historians.map((h, i) => {
      const now = h.stats().points;
      return { batches: now.batches - writesBefore[i].batches, largest: now.largestBatch, busyPercent: Math.round((100 * (now.writeMs - writesBefore[i].writeMs)) / phaseMs) };
    });
    if (kill) {
      say(`cluster ${label}: restarting the ClickHouse replica`);
      await ch.nodes[0].restart();
    }
    bar.done(`${fmt(written() - before)} points written of ${fmt(sent.points)} sent`);
    return { label, offered, sent, rate: rateWritten, p99: latency.quantile(0.99), kills, cpu: cpuShares, cpuUsPerPoint, writes };
  }

  const nominal = await phase('nominal', NODES, RATE, SECONDS, false);
  // The load the single node is measured at below: what the cluster carries of it is its capacity.
  const capacityPhase = await phase('capacity', SINGLE_NODES, RATE, Math.ceil(SECONDS / 2), false);
  const failover = await phase('failover', NODES, RATE, SECONDS, true);

  // Looked for in ClickHouse: each phase's points, second by second.
  let lost = 0;
  let inFlightAtKill = 0;
  for (const p of [nominal, capacityPhase, failover]) {
    const seconds = Object.keys(p.sent.pointsBySecond).map(Number);
    const stored = await storedBySecond(ch, Math.min(...seconds), Math.max(...seconds));
    let missing = 0;
    for (const s of seconds) {
      const short = Math.max(0, p.sent.pointsBySecond[s] - (stored.get(s) ?? 0));
      const nearKill = p.kills !== undefined && s * 1000 + 999 >= p.kills.brokerMs - IN_FLIGHT_MS && s * 1000 <= p.kills.brokerMs + IN_FLIGHT_MS;
      if (nearKill) inFlightAtKill += short;
      else lost += short;
      missing += short;
    }
    console.log(
      `  ${p.label.padEnd(10)} offered ${fmt(p.offered)}/s: written ${fmt(p.rate)} points/s; ${fmt(p.sent.points - missing)} of ${fmt(p.sent.points)} points in ClickHouse; publish → committed p99 ${p.p99} ms${p.sent.longestOfflineMs > 0 ? `; the longest an edge node was without a broker ${(p.sent.longestOfflineMs / 1000).toFixed(1)} s` : ''}`,
    );
    console.log(`  ${''.padEnd(10)} CPU, % of one core: ${p.cpu.map((c) => `${c.name} ${Math.round(c.percentOfCore)}`).join(', ')}; ${p.cpuUsPerPoint.toFixed(2)} µs per point without the edges`);
    console.log(`  ${''.padEnd(10)} INSERTs ${p.writes.map((w) => `${fmt(w.batches)} (largest ${fmt(w.largest)} points, waiting for ClickHouse ${w.busyPercent} % of the phase)`).join(' and ')}`);
  }
  const capacity = Math.max(nominal.rate, capacityPhase.rate);
  const rowBytes = await bytesPerRow(ch);
  say('standby: three takeovers of a lease whose active holder is SIGKILLed (ttl 5 s, poll 1 s)');
  const takeovers = await leaseTakeovers(redis.url, 3);
  console.log(`  takeover   a standby active ${takeovers.map((t) => t.toFixed(1)).join(', ')} s after the active one's SIGKILL (bound: ttl + poll = 6 s)`);
  await stopCluster();

  say(`single node: bench:ingest at QoS 1, ${fmt(SINGLE_NODES * DEVICES)} substations (one broker, one historian, SQLite)`);
  const single = await singleNode();
  console.log(`cluster: ${NODES} nodes × ${DEVICES} devices × ${METRICS} metrics (${fmt(NODES * DEVICES)} substations) at QoS 1, 2 brokers (Redis), 2 historians ($share), ClickHouse 2 shards × 2 replicas, ${os.cpus().length} cores`);
  console.log(`  lost ${fmt(lost)}; on its way through the killed broker node (±${IN_FLIGHT_MS / 1000} s of its kill) ${fmt(inFlightAtKill)}; ClickHouse ${rowBytes.toFixed(1)} bytes on disk per row and replica`);
  console.log(
    JSON.stringify({
      bench: 'cluster',
      points_per_s: Math.round(capacity),
      single_node_points_per_s: single.points_per_s,
      scale_ratio: Number((capacity / single.points_per_s).toFixed(3)),
      p99_latency_ms: nominal.p99,
      single_node_p99_latency_ms: single.p99_latency_ms,
      cpu_us_per_point: Number(capacityPhase.cpuUsPerPoint.toFixed(2)),
      single_node_cpu_us_per_point: single.cpu_us_per_point,
      lost,
      in_flight_at_kill: inFlightAtKill,
      failover_s: Number((failover.sent.longestOfflineMs / 1000).toFixed(1)),
      takeover_s_max: Math.max(...takeovers),
      clickhouse_bytes_per_point: Number(rowBytes.toFixed(1)),
    }),
  );
} finally {
  await stopCluster();
  rmSync(root, { recursive: true, force: true });
}
