// The real plant through the cluster (issue 14): a simulated city read by a collector that
// knows both brokers of a broker cluster, two historians sharing the data through
// `$share/historian/…`, a ClickHouse cluster of 2 shards × 2 replicas — every role its own
// process, started by cluster/local-cluster.ts as `npm run cluster:local` does. Mid-run a
// ClickHouse replica and then a broker node are killed with SIGKILL and brought back. Counted
// from the simulator's served ledger: every heartbeat a PLC answered is in the store, and the
// killed replica holds, once caught up, exactly what its twin holds.
// (Hot standby of control with epoch fencing: tests/standby.test.ts.)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_FLIGHT_MS } from '../bench/soak/gaps.ts';
import { matchWindowMs, reconcile, type Reconciliation } from '../bench/soak/ledger.ts';
import { replicaPoints, storedHeartbeats, substationsReporting, twinsOf } from '../cluster/cluster-counts.ts';
import type { ClickHouseClusterNode } from '../cluster/engines/clickhouse-cluster.ts';
import { startLocalCluster, type LocalCluster } from '../cluster/local-cluster.ts';
import type { SubstationProtocol } from '../simulators/plc-access.ts';
import { readServedLedger } from '../simulators/served-ledger.ts';

const SPEED = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heatscada-cluster-plant-'));
let cluster: LocalCluster;
let replica: ClickHouseClusterNode;
let reconciliation: Reconciliation;
let excused = 0;
let brokerBackMs = 0;
let brokerKillMs = 0;
let beatsWhileBrokerDown = 0;

beforeAll(async () => {
  cluster = await startLocalCluster({
    dir,
    substations: 6,
    seed: 3,
    speed: SPEED,
    clickhouse: { shards: 2, replicas: 2 },
    brokers: 2,
    historians: 2,
    apiNodes: 0,
    standbyPairs: false,
    ...(process.env.HEATSCADA_TEST_LOG ? { progress: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  });
  const { plant, database } = cluster;
  await until('a heartbeat from every substation', 60_000, async () => (await substationsReporting(cluster.clickhouse, database)) >= plant.substations.length);
  // Counted from here: the kills, not the start-up, are on trial.
  const flowingMs = Date.now();
  await sleep(2000);
  // The replica the first historian writes to and the broker node the collector is on.
  replica = cluster.clickhouse.nodes[0];
  const replicaKilledMs = Date.now();
  await replica.kill();
  await sleep(3000);
  const broker = cluster.role('broker-1');
  brokerKillMs = Date.now();
  await broker.kill();
  await sleep(5000);
  // Stored while the node is still down: the roles on it went on through the other node.
  beatsWhileBrokerDown = await substationsReporting(cluster.clickhouse, database, brokerKillMs + 1000);
  await broker.start();
  brokerBackMs = Date.now();
  await replica.restart();
  const replicaBackMs = Date.now();
  await sleep(3000);
  // The plant stops: from here the ledger is complete, and the data path empties its buffers into the store.
  await cluster.role('simulate').stop();
  const endMs = Date.now();
  const served = readServedLedger(plant.ledgerFile).flatMap((e) => (e.kind === 'heartbeat' && e.ms >= flowingMs && plant.substations.includes(e.substation) ? [e] : []));
  const devices = parse(fs.readFileSync(plant.devicesFile, 'utf8'), { maxAliasCount: -1 }) as { collect: { devices: { id: string; protocol: SubstationProtocol }[] } };
  const protocolOf = (s: string): SubstationProtocol => devices.collect.devices.find((d) => d.id === s)?.protocol ?? 'modbus';
  // Counted apart, by reason, as in the soak: what was on its way through the killed broker node
  // (the historians' sessions are clean); nothing after, as the surviving node hands what is
  // published on it to its own historian (broker/cluster-shares.ts); and what a PLC answered in
  // the last moments before the plant stopped.
  const gaps = [
    { fromMs: brokerKillMs - IN_FLIGHT_MS, toMs: brokerKillMs + IN_FLIGHT_MS, reason: 'broker node killed: on its way through it' },
    { fromMs: endMs - IN_FLIGHT_MS, toMs: Number.POSITIVE_INFINITY, reason: 'in flight when the plant stopped' },
  ];
  const count = async (): Promise<Reconciliation> => reconcile(served, await storedHeartbeats(cluster.clickhouse, database), gaps, protocolOf, matchWindowMs(SPEED));
  await until('every served heartbeat stored', 30_000, async () => (reconciliation = await count()).lost === 0).catch(() => undefined);
  excused = Object.values(reconciliation.excused).reduce((a, b) => a + b, 0);
  if (process.env.HEATSCADA_CLUSTER_KEEP) fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ reconciliation, kills: { replicaKilledMs, brokerKillMs, brokerBackMs, replicaBackMs, endMs } }, null, 1));
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
  if (process.env.HEATSCADA_CLUSTER_KEEP) process.stderr.write(`cluster files kept in ${dir}\n`);
  else fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the plant through the cluster, a ClickHouse replica and a broker node killed and brought back', () => {
  it('stores every heartbeat the plant answered', () => {
    // 6 PLCs answering about once a second for about 15 s
    expect(reconciliation.produced).toBeGreaterThan(6 * 10);
    expect(reconciliation.lostExamples).toEqual([]);
    expect(reconciliation.lost).toBe(0);
    expect(reconciliation.stored + excused).toBe(reconciliation.produced);
  });

  it('kept the data flowing through the other broker while the killed one was down', () => {
    expect(brokerBackMs).toBeGreaterThan(0);
    expect(beatsWhileBrokerDown).toBeGreaterThanOrEqual(cluster.plant.substations.length);
  });

  it('the restarted replica catches up: it holds what its twin holds', async () => {
    const [twin] = twinsOf(cluster.clickhouse, replica);
    await until('the replica caught up', 60_000, async () => (await replicaPoints(replica, cluster.database)) === (await replicaPoints(twin, cluster.database)));
    const held = await replicaPoints(replica, cluster.database);
    expect(held).toBe(await replicaPoints(twin, cluster.database));
    expect(held).toBeGreaterThan(0);
  });
});
