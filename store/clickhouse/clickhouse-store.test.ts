import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseCluster, type ClickHouseCluster } from '../../cluster/engines/clickhouse-cluster.ts';
import { ping, startClickHouseServer, type ClickHouseServer } from '../../cluster/engines/clickhouse-server.ts';
import { fourLetterWord, startZooKeeper } from '../../cluster/engines/zookeeper.ts';
import type { StoredPoint } from '../../model/store.ts';
import { freePort } from '../../tests/helpers/ports.ts';
import { describeTimeSeriesStoreContract } from '../contract.ts';
import { openClickHouseStore, type ClickHouseStore } from './clickhouse-store.ts';

// Real servers of Debian's clickhouse-server 18.16 and ZooKeeper, started once for the file:
// one node, and a cluster of 2 shards × 2 replicas, each running the whole contract (its
// 5,000 × 40 batch included: about 1 s per run on 2 cores).

const root = mkdtempSync(path.join(os.tmpdir(), 'heatscada-clickhouse-test-'));
let single: ClickHouseServer;
let cluster: ClickHouseCluster;

beforeAll(async () => {
  [single, cluster] = await Promise.all([
    startClickHouseServer({ dir: path.join(root, 'single'), httpPort: await freePort(), tcpPort: await freePort(), interserverPort: await freePort() }),
    startClickHouseCluster({ shards: 2, replicas: 2, pickPort: freePort, dir: path.join(root, 'cluster') }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([single?.stop(), cluster?.stop()]);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

const openSingle = (): Promise<ClickHouseStore> => openClickHouseStore({ urls: [single.url], database: 'contract' });
const openCluster = (): Promise<ClickHouseStore> => openClickHouseStore({ urls: cluster.urls, database: 'contract', cluster: cluster.name });

describeTimeSeriesStoreContract('clickhouse, one node', openSingle);
describeTimeSeriesStoreContract('clickhouse, 2 shards × 2 replicas', openCluster);

const T = Date.UTC(2024, 0, 15);
const HOUR = 3_600_000;
const points = (substation: string, n: number): StoredPoint[] =>
  Array.from({ length: n }, (_, k) => ({ substation, tag: 'primary.flow', ts: T + k * 1000, value: k, quality: 'good' }));

describe('clickhouse engines on loopback', () => {
  it('a clickhouse-server answers GET /ping as itself; a second one on its port is a clear error', async () => {
    expect(await ping(single.url)).toBe(true);
    await expect(startClickHouseServer({ dir: path.join(root, 'taken'), httpPort: single.httpPort, tcpPort: await freePort(), interserverPort: await freePort() })).rejects.toThrow(
      /clickhouse-server on 127\.0\.0\.1:\d+ did not start/,
    );
  });

  it('ZooKeeper serves the cluster; a second one on its port is a clear error', async () => {
    expect(await fourLetterWord(cluster.zookeeper.port, 'ruok')).toBe('imok');
    expect(await fourLetterWord(cluster.zookeeper.port, 'srvr')).toMatch(/Mode: standalone/);
    await expect(startZooKeeper(cluster.zookeeper.port, path.join(root, 'zk-taken'))).rejects.toThrow(/zookeeper on 127\.0\.0\.1:\d+ did not start/);
  });
});

describe('clickhouse store', () => {
  it('series names with quotes, backslashes and newlines round-trip and cannot inject SQL', async () => {
    const store = await openSingle();
    const nasty = ["x') OR 1=1 --", 'a\\', "b\\'); DROP TABLE contract.points; --", 'new\nline"quote', '实验中学换热站'];
    await store.write(nasty.map((substation, k) => ({ substation, tag: "t'ag", ts: T + k, value: k, quality: 'good' })));
    const latest = await store.latest({ substations: nasty, tags: ["t'ag"] });
    expect(latest.map((p) => p.substation).sort()).toEqual([...nasty].sort());
    for (const substation of nasty) expect(await store.count({ substation, tag: "t'ag" }, T, T + 10)).toBe(1);
    expect(await store.latest({ substations: ["x') OR 1=1 --x"] })).toEqual([]);
    await store.close();
  });

  it.each(['one node', 'cluster'])('retention on %s rolls minutes up: bucketed reads stay the same, raw points win over the rollup of their minute', async (where) => {
    const store = await openClickHouseStore(
      where === 'cluster' ? { urls: cluster.urls, database: 'rollups', cluster: cluster.name } : { urls: [single.url], database: 'rollups' },
    );
    const key = { substation: 'roll-1', tag: 'primary.supply_temp' };
    await store.write(Array.from({ length: 18 }, (_, k) => ({ ...key, ts: T + k * 10_000, value: k, quality: k === 4 ? 'bad' : 'good' })));
    const minutes = { series: [key], from: T, to: T + 3 * 60_000, stepMs: 60_000 };
    const before = await Promise.all((['avg', 'min', 'max', 'last'] as const).map((agg) => store.range({ ...minutes, agg })));
    expect(await store.applyRetention(T + 2 * 60_000)).toBe(12);
    expect(await store.count(key, 0, T + 2 * 60_000)).toBe(0);
    expect((await store.range({ series: [key], from: 0, to: T + HOUR }))[0].points[0].ts).toBe(T + 2 * 60_000);
    const after = await Promise.all((['avg', 'min', 'max', 'last'] as const).map((agg) => store.range({ ...minutes, agg })));
    expect(after).toEqual(before);
    expect(before[0][0].points).toEqual([
      { ts: T, value: 2.5, quality: 'bad' },
      { ts: T + 60_000, value: 8.5, quality: 'good' },
      { ts: T + 120_000, value: 14.5, quality: 'good' },
    ]);
    // A late point for a rolled-up minute is raw again and shows alone until the next run drops it.
    await store.write([{ ...key, ts: T + 30_000, value: 100, quality: 'good' }]);
    expect((await store.range({ ...minutes, agg: 'avg' }))[0].points[0]).toEqual({ ts: T, value: 100, quality: 'good' });
    expect(await store.applyRetention(T + 2 * 60_000)).toBe(1);
    expect(await store.range({ ...minutes, agg: 'avg' })).toEqual(before[0]);
    await store.close();
  });

  it('refuses a name from configuration that is not a plain identifier', async () => {
    await expect(openClickHouseStore({ urls: [single.url], database: 'x; DROP DATABASE contract' })).rejects.toMatchObject({ code: 'HS_ERR_CONFIG_INVALID', path: '/database' });
  });

  it('an unreachable server is HS_ERR_STORE_OPEN naming it', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await expect(openClickHouseStore({ urls: [url], requestTimeoutMs: 2000 })).rejects.toMatchObject({ code: 'HS_ERR_STORE_OPEN', message: expect.stringContaining(url) });
  });

  it('in a cluster: with a replica killed, writes and reads go on through the other nodes; back, the replica catches up', async () => {
    const dead = cluster.nodes[0];
    // The client is given the killed node first: it fails over to the next one.
    const store = await openCluster();
    await store.write(points('failover-before', 50));
    await dead.kill();
    try {
      await store.write(points('failover-during', 50));
      expect(store.url).not.toBe(dead.url);
      for (const s of ['failover-before', 'failover-during']) expect(await store.count({ substation: s, tag: 'primary.flow' }, T, T + 60_000)).toBe(50);
    } finally {
      await dead.restart();
    }
    // The restarted replica fetches what its shard took meanwhile from the other replica.
    const local = async (sql: string): Promise<number> => Number(await (await fetch(`${dead.url}/?query=${encodeURIComponent(sql)}`)).text());
    const other = cluster.nodes[1];
    const onOther = async (sql: string): Promise<number> => Number(await (await fetch(`${other.url}/?query=${encodeURIComponent(sql)}`)).text());
    const sql = 'SELECT count() FROM contract.points_local';
    const deadline = Date.now() + 30_000;
    while ((await local(sql)) !== (await onOther(sql)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await local(sql)).toBe(await onOther(sql));
    await store.close();
  });
});
