// The broker as a cluster (broker/README.md, "Cluster"): aedes nodes sharing subscriptions,
// retained messages, sessions and wills through a real redis-server, with real mqtt.js
// clients over loopback. Nodes a and b run in this process; the nodes that die run in a
// process of their own and are SIGKILLed, as a crash would end them.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../broker/broker.ts';
import { startRedisServer, type RedisServer } from '../cluster/engines/redis-server.ts';
import { resolveEdgeNodeConfig } from '../collectors/sparkplug/edge-node-config.ts';
import { EdgeNode } from '../collectors/sparkplug/edge-node.ts';
import { connectBrokers } from '../model/broker-urls.ts';
import { BD_SEQ, decodePayload, parseTopic, type EdgeMessageType } from '../model/sparkplug.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { Plant } from '../simulators/plant.ts';
import { startBrokerProcess, type BrokerProcess } from './helpers/cluster-broker-process.ts';
import { eventually } from './helpers/eventually.ts';
import { PlantDriver } from './helpers/plant-driver.ts';
import { freePort } from './helpers/ports.ts';

// Short heartbeats: a killed node is known dead (its wills fire) within a few seconds.
const HEARTBEAT_MS = 200;
const quiet = pino({ level: 'silent' });

describe('broker cluster through Redis', () => {
  let redis: RedisServer;
  let a: Broker;
  let b: Broker;
  const clients: MqttClient[] = [];
  const processes: BrokerProcess[] = [];

  const node = (nodeId: string) => startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, cluster: { redisUrl: redis.url, nodeId, heartbeatMs: HEARTBEAT_MS }, logger: quiet });
  const deadNode = async (nodeId: string) => {
    const p = await startBrokerProcess(redis.url, nodeId, HEARTBEAT_MS);
    processes.push(p);
    return p;
  };
  const client = async (url: string, clientId: string, options: IClientOptions = {}): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(url, { clientId, protocolVersion: 4, reconnectPeriod: 0, ...options });
    clients.push(c);
    return c;
  };
  /** Messages as `topic=payload`, in arrival order. */
  const collect = (c: MqttClient): string[] => {
    const got: string[] = [];
    c.on('message', (topic, payload) => got.push(`${topic}=${payload.toString()}`));
    return got;
  };

  beforeAll(async () => {
    redis = await startRedisServer(await freePort());
    [a, b] = await Promise.all([node('a'), node('b')]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await Promise.all(processes.map((p) => p.kill()));
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  }, 30_000);

  it('a subscriber on node a gets what is published on node b', async () => {
    const sub = await client(a.tcpUrl, 't1-sub');
    const got = collect(sub);
    await sub.subscribeAsync('t1/#', { qos: 1 });
    const pub = await client(b.tcpUrl, 't1-pub');
    await pub.publishAsync('t1/S001/supply_temp', '71.5', { qos: 1 });
    await pub.publishAsync('t1/S002/supply_temp', '68.0', { qos: 0 });
    await eventually(() => expect(got).toEqual(['t1/S001/supply_temp=71.5', 't1/S002/supply_temp=68.0']));
  });

  it('a retained message set through node a reaches a new wildcard subscriber on node b', async () => {
    const pub = await client(a.tcpUrl, 't2-pub');
    await pub.publishAsync('t2/S001/state', 'auto', { qos: 1, retain: true });
    const sub = await client(b.tcpUrl, 't2-sub');
    const retained: string[] = [];
    sub.on('message', (topic, payload, packet) => retained.push(`${topic}=${payload.toString()} retain=${packet.retain}`));
    await sub.subscribeAsync('t2/+/state', { qos: 1 });
    await eventually(() => expect(retained).toEqual(['t2/S001/state=auto retain=true']));
  });

  it('a persistent QoS 1 session whose node dies resumes on another node with what was queued meanwhile', async () => {
    const c = await deadNode('c3');
    const session = await client(c.tcpUrl, 't3-session', { clean: false });
    await session.subscribeAsync('t3/#', { qos: 1 });
    await c.kill();
    await session.endAsync(true);
    const pub = await client(a.tcpUrl, 't3-pub');
    for (const n of [1, 2, 3]) await pub.publishAsync(`t3/${n}`, `queued ${n}`, { qos: 1 });

    const resumed = mqtt.connect(b.tcpUrl, { clientId: 't3-session', protocolVersion: 4, clean: false, reconnectPeriod: 0 });
    clients.push(resumed);
    const got = collect(resumed);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve) => resumed.once('connect', resolve));
    expect(connack.sessionPresent).toBe(true);
    await eventually(() => expect(got).toEqual(['t3/1=queued 1', 't3/2=queued 2', 't3/3=queued 3']));
  });

  it('a $share group with a member on each node gets each message exactly once in all, from the node it was published on', async () => {
    const members = await Promise.all([client(a.tcpUrl, 't4-historian-a'), client(b.tcpUrl, 't4-historian-b')]);
    const got = members.map(collect);
    for (const m of members) await m.subscribeAsync({ '$share/historian/t4/data/#': { qos: 1 }, 't4/fence': { qos: 1 } });
    // Both nodes know both have members before the count starts.
    await eventually(() => {
      for (const broker of [a, b]) expect(broker.stats().shared.find((g) => g.group === 'historian')?.nodes).toHaveLength(2);
    });

    // Published on both nodes: each node's member takes what was published on its node (no hop).
    const pubs = await Promise.all([client(a.tcpUrl, 't4-pub-a'), client(b.tcpUrl, 't4-pub-b')]);
    const N = 200;
    for (let i = 0; i < N; i++) pubs[i % 2].publish(`t4/data/${i}`, String(i), { qos: 1 });
    // Unshared and behind every data message on both nodes: once each member has it, each has all it will get.
    await Promise.all(pubs.map((p) => p.publishAsync('t4/fence', 'end', { qos: 1 })));
    await eventually(() => expect(got.map((g) => g.filter((m) => m === 't4/fence=end').length)).toEqual([2, 2]));

    const data = got.map((g) => g.filter((m) => m.startsWith('t4/data/')));
    expect(data[0].length + data[1].length).toBe(N);
    expect(new Set([...data[0], ...data[1]]).size).toBe(N);
    const published = (node: number) => Array.from({ length: N / 2 }, (_, k) => `t4/data/${2 * k + node}=${2 * k + node}`).sort();
    expect([...data[0]].sort()).toEqual(published(0));
    expect([...data[1]].sort()).toEqual(published(1));

    // Node b's member leaves: node a learns it and hands its member what is published on node b too.
    await members[1].unsubscribeAsync('$share/historian/t4/data/#');
    await eventually(() => expect(a.stats().shared.find((g) => g.group === 'historian')?.nodes).toHaveLength(1));
    const before = got[0].length;
    for (let i = 0; i < 50; i++) await pubs[1].publishAsync(`t4/data/after/${i}`, String(i), { qos: 1 });
    await eventually(() => expect(got[0].length - before).toBe(50));
    expect(got[1].filter((m) => m.startsWith('t4/data/after/'))).toEqual([]);
  });

  it('a client given two broker URLs fails over when its node is killed and goes on publishing', async () => {
    const c = await deadNode('c5');
    const watcher = await client(b.tcpUrl, 't5-watcher');
    const got = collect(watcher);
    await watcher.subscribeAsync('t5/#', { qos: 1 });

    const publisher = connectBrokers([c.tcpUrl, a.tcpUrl], { clientId: 't5-publisher', protocolVersion: 4, reconnectPeriod: 100 });
    clients.push(publisher);
    let connects = 0;
    publisher.on('connect', () => connects++);
    await publisher.publishAsync('t5/before', 'on c', { qos: 1 });
    await eventually(() => expect(got).toContain('t5/before=on c'));

    await c.kill();
    await eventually(() => expect(connects).toBe(2));
    expect(a.stats().clients.map((s) => s.clientId)).toContain('t5-publisher');
    await publisher.publishAsync('t5/after', 'on a', { qos: 1 });
    await eventually(() => expect(got).toContain('t5/after=on a'));
  });

  it('an edge node fails over to another node and births again there with a new bdSeq; the dead node\'s NDEATH comes from a survivor', async () => {
    const c = await deadNode('c6');
    const host = await client(b.tcpUrl, 't6-host');
    const seen: { type: EdgeMessageType; bdSeq: unknown }[] = [];
    host.on('message', (topic, payload) => {
      const t = parseTopic(topic);
      if (t.kind !== 'edge') return;
      const message = decodePayload(payload);
      seen.push({ type: t.type, bdSeq: message.metrics.find((m) => m.name === BD_SEQ)?.value });
    });
    await host.subscribeAsync('spBv1.0/t6/#', { qos: 1 });

    const plant = new Plant(generateCity({ substations: 2, seed: 6 }), { startMs: Date.UTC(2026, 0, 15), stepS: 1, warmUpS: 600 });
    const drivers = ['S001', 'S002'].map((s) => new PlantDriver(plant, s));
    await Promise.all(drivers.map((d) => d.connect()));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'broker-cluster-edge-'));
    const edge = new EdgeNode(
      resolveEdgeNodeConfig({
        mqtt: { url: [c.tcpUrl, a.tcpUrl], protocol_version: 4, reconnect_s: 0.1, keepalive_s: 5 },
        group_id: 't6',
        edge_node_id: 'edge-6',
        data_dir: dataDir,
        poll_interval_s: 3600,
        refresh_interval_s: 3600,
      }),
      drivers,
      quiet,
    );
    try {
      await edge.start();
      const births = () => seen.filter((m) => m.type === 'NBIRTH');
      await eventually(() => expect(births()).toHaveLength(1));
      const first = births()[0].bdSeq as bigint | number;

      await c.kill();
      await eventually(() => expect(births()).toHaveLength(2));
      expect(Number(births()[1].bdSeq)).toBe(Number(first) + 1);
      expect(edge.stats()).toMatchObject({ online: true });
      await eventually(() => expect(seen.slice(seen.indexOf(births()[1])).filter((m) => m.type === 'DBIRTH')).toHaveLength(2));
      // The will the dead node held: published by the living nodes (each may) once the dead one is silent
      // for 3 heartbeats. Its bdSeq is the first session's, so hosts (which match NDEATH to NBIRTH by bdSeq) ignore it.
      await eventually(() => expect(seen.some((m) => m.type === 'NDEATH')).toBe(true), 15_000);
      expect(new Set(seen.filter((m) => m.type === 'NDEATH').map((m) => Number(m.bdSeq)))).toEqual(new Set([Number(first)]));
    } finally {
      await edge.stop();
      await Promise.all(drivers.map((d) => d.close()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses to start without its Redis, and neither crashes nor hangs when its Redis dies', async () => {
    await expect(
      startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, cluster: { redisUrl: `redis://:secret@127.0.0.1:${await freePort()}`, nodeId: 'x', heartbeatMs: HEARTBEAT_MS }, logger: quiet }),
    ).rejects.toThrow(/HS_ERR_BROKER_CLUSTER.*redis:\/\/:\*\*\*@127\.0\.0\.1.*ECONNREFUSED/);

    const ownRedis = await startRedisServer(await freePort());
    const lonely = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, cluster: { redisUrl: ownRedis.url, nodeId: 'lonely', heartbeatMs: HEARTBEAT_MS }, logger: quiet });
    try {
      const c = await client(lonely.tcpUrl, 't7-client');
      await c.subscribeAsync({ '$share/historian/t7/#': { qos: 1 }, 't7/plain': { qos: 1 } });
      await ownRedis.kill();
      // What aedes reads and writes now fails: logged, the broker goes on (its heartbeats and will checks fail too).
      c.publish('t7/plain', 'into the void', { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 4 * HEARTBEAT_MS));
    } finally {
      await lonely.close();
    }
  }, 30_000);
});
