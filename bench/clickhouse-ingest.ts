// bench/clickhouse-ingest — how fast the ClickHouse store takes a city's points: rounds of
// substations × tags points (one second of the city per round, one write() each, one after
// another, as the historian writes) into one clickhouse-server, into a 2-shard × 2-replica
// cluster (ZooKeeper, insert_distributed_sync), and, in the same run, into SQLite through the
// historian's writer thread. Servers on loopback, started and stopped here; data in a temp dir
// removed at the end. Last line: JSON.
//
//   npx tsx bench/clickhouse-ingest.ts [--substations 5000 --tags 40 --rounds 10]

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startClickHouseCluster } from '../cluster/engines/clickhouse-cluster.ts';
import { startClickHouseServer } from '../cluster/engines/clickhouse-server.ts';
import type { StoredPoint } from '../model/store.ts';
import { TAGS } from '../model/tags.ts';
import { openClickHouseStore } from '../store/clickhouse/clickhouse-store.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { openSqliteWriter, type StoreWriter } from '../store/sqlite/worker-writer.ts';
import { freePort } from '../tests/helpers/ports.ts';

const { values } = parseArgs({ options: { substations: { type: 'string', default: '5000' }, tags: { type: 'string', default: '40' }, rounds: { type: 'string', default: '10' } } });
const SUBSTATIONS = Number(values.substations);
const TAG_COUNT = Number(values.tags);
const ROUNDS = Number(values.rounds);
const T0 = Date.UTC(2025, 0, 15);

const tags = Array.from({ length: TAG_COUNT }, (_, i) => TAGS[i]?.name ?? `bench.extra_${i}`);
const round = (r: number): StoredPoint[] => {
  const points: StoredPoint[] = [];
  for (let s = 0; s < SUBSTATIONS; s++) for (let t = 0; t < TAG_COUNT; t++) points.push({ substation: `S${s}`, tag: tags[t], ts: T0 + r * 1000, value: 50 + ((s * 7 + t + r) % 40) / 4, quality: 'good' });
  return points;
};

/** Points per second over all rounds; the rounds are built before the clock starts. */
async function measure(writer: Pick<StoreWriter, 'write'>): Promise<number> {
  const rounds = Array.from({ length: ROUNDS }, (_, r) => round(r));
  const start = performance.now();
  for (const points of rounds) await writer.write(points);
  return Math.round((ROUNDS * SUBSTATIONS * TAG_COUNT) / ((performance.now() - start) / 1000));
}

const root = mkdtempSync(path.join(os.tmpdir(), 'heatscada-bench-clickhouse-'));
const [single, cluster] = await Promise.all([
  startClickHouseServer({ dir: path.join(root, 'single'), httpPort: await freePort(), tcpPort: await freePort(), interserverPort: await freePort() }),
  startClickHouseCluster({ shards: 2, replicas: 2, pickPort: freePort, dir: path.join(root, 'cluster') }),
]);
try {
  const one = await openClickHouseStore({ urls: [single.url] });
  const singleNode = await measure(one);
  const stored = await one.count({ substation: `S${SUBSTATIONS - 1}`, tag: tags[TAG_COUNT - 1] }, T0, T0 + ROUNDS * 1000);
  await one.close();

  const many = await openClickHouseStore({ urls: cluster.urls, cluster: cluster.name });
  const clusterRate = await measure(many);
  const storedInCluster = await many.count({ substation: `S${SUBSTATIONS - 1}`, tag: tags[TAG_COUNT - 1] }, T0, T0 + ROUNDS * 1000);
  await many.close();

  const file = path.join(root, 'bench.db');
  await openSqliteStore({ file }).close();
  const sqlite = openSqliteWriter({ file });
  const sqliteRate = await measure(sqlite);
  await sqlite.close();

  console.log(`${ROUNDS} rounds of ${SUBSTATIONS} × ${TAG_COUNT} points, one write() each`);
  console.log(`  clickhouse, one node          ${singleNode.toLocaleString('en')} points/s`);
  console.log(`  clickhouse, 2 shards × 2 rep. ${clusterRate.toLocaleString('en')} points/s`);
  console.log(`  sqlite writer thread          ${sqliteRate.toLocaleString('en')} points/s`);
  console.log(
    JSON.stringify({
      bench: 'clickhouse-ingest',
      points: ROUNDS * SUBSTATIONS * TAG_COUNT,
      batch_points: SUBSTATIONS * TAG_COUNT,
      single_node_points_per_s: singleNode,
      cluster_points_per_s: clusterRate,
      sqlite_points_per_s: sqliteRate,
      lost: 2 * ROUNDS - stored - storedInCluster,
    }),
  );
} finally {
  await Promise.all([single.stop(), cluster.stop()]);
  rmSync(root, { recursive: true, force: true });
}
