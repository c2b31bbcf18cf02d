import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startBroker, type Broker } from '../broker/broker.ts';
import { decodePayload, edgeTopic, encodePayload, REBIRTH, stateTopic, type EdgeMessageType, type Metric, type SparkplugPayload } from '../model/sparkplug.ts';
import type { RangePoint } from '../model/store.ts';
import type { TagName } from '../model/tags.ts';
import { startHistorian, type Historian, type HistorianOptions } from '../store/historian/historian.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { freePort } from './helpers/ports.ts';
import { aliasOf, dataMetric, deviceBirth, deviceData, nodeBirth, nodeDeath } from './helpers/sparkplug-messages.ts';

// The historian against a real aedes broker and the SQLite store, fed by an mqtt.js client
// playing an edge node with hand-built Sparkplug B payloads.

const GROUP = 'city';
const log = pino({ level: 'silent' });

/** An edge node: its MQTT session (will = NDEATH), its seq, and the NCMDs it receives. */
class Edge {
  private seq = 0;
  private last = 0;
  readonly commands: SparkplugPayload[] = [];

  private constructor(
    readonly client: MqttClient,
    readonly id: string,
  ) {
    client.on('message', (_topic, payload) => this.commands.push(decodePayload(payload)));
  }

  static async connect(url: string, id: string, bdSeq: number): Promise<Edge> {
    const client = await mqtt.connectAsync(url, {
      clientId: id,
      reconnectPeriod: 0,
      will: { topic: edgeTopic(GROUP, 'NDEATH', id), payload: encodePayload(nodeDeath(bdSeq)), qos: 1, retain: false },
    });
    await client.subscribeAsync(edgeTopic(GROUP, 'NCMD', id), { qos: 1 });
    return new Edge(client, id);
  }

  async publish(type: EdgeMessageType, device: string | undefined, payload: SparkplugPayload): Promise<void> {
    await this.client.publishAsync(edgeTopic(GROUP, type, this.id, device), encodePayload(payload), { qos: 1 });
  }

  /** Now, but later than any earlier payload of this edge: the store keeps one point per series and ms. */
  stamp(): number {
    this.last = Math.max(Date.now(), this.last + 1);
    return this.last;
  }

  async birth(bdSeq: number, devices: Record<string, { index: number; values: Partial<Record<TagName, number | boolean>> }>, timestamp = this.stamp()): Promise<void> {
    this.seq = 0;
    await this.publish('NBIRTH', undefined, nodeBirth(bdSeq, timestamp));
    for (const [device, { index, values }] of Object.entries(devices)) await this.publish('DBIRTH', device, deviceBirth(index, this.nextSeq(), values, timestamp));
  }

  async data(device: string, metrics: Metric[], timestamp = this.stamp()): Promise<void> {
    await this.publish('DDATA', device, deviceData(this.nextSeq(), metrics, timestamp));
  }

  nextSeq(): number {
    this.seq = (this.seq + 1) & 0xff;
    return this.seq;
  }

  skip(n: number): void {
    this.seq = (this.seq + n) & 0xff;
  }
}

let broker: Broker;
let dir: string;
let store: SqliteStore;
const running: { historians: Historian[]; clients: MqttClient[] } = { historians: [], clients: [] };

async function historian(options: Partial<HistorianOptions> = {}): Promise<Historian> {
  const h = await startHistorian({ mqttUrl: broker.tcpUrl, hostId: 'historian-1', store, batchMaxPoints: 500, batchMaxMs: 20, logger: log, ...options });
  running.historians.push(h);
  return h;
}

async function edge(id = 'edge1', bdSeq = 1): Promise<Edge> {
  const e = await Edge.connect(broker.tcpUrl, id, bdSeq);
  running.clients.push(e.client);
  return e;
}

/** The raw points of one series, oldest first. */
const series = async (substation: string, tag: TagName): Promise<RangePoint[]> =>
  (await store.range({ series: [{ substation, tag }], from: 0, to: Date.now() + 3_600_000 }))[0].points;
const values = async (substation: string, tag: TagName): Promise<number[]> => (await series(substation, tag)).map((p) => p.value);

const statusOf = async (substation: string): Promise<boolean | undefined> => (await store.statuses()).find((s) => s.substation === substation)?.online;

beforeEach(async () => {
  broker = await startBroker({ host: '127.0.0.1', tcpPort: await freePort(), wsPort: await freePort(), logger: log });
  dir = mkdtempSync(path.join(os.tmpdir(), 'hs-historian-'));
  store = openSqliteStore({ file: path.join(dir, 'store.db') });
});

afterEach(async () => {
  await Promise.all(running.historians.splice(0).map((h) => h.stop()));
  await Promise.all(running.clients.splice(0).map((c) => c.endAsync(true)));
  await broker.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('historian', () => {
  it('announces itself with a retained STATE, online while it runs and offline after stop()', async () => {
    const h = await historian({ hostId: 'historian-state' });
    const watcher = await mqtt.connectAsync(broker.tcpUrl, { reconnectPeriod: 0 });
    running.clients.push(watcher);
    const states: { online: boolean; timestamp: number }[] = [];
    watcher.on('message', (_t, p) => states.push(JSON.parse(p.toString()) as { online: boolean; timestamp: number }));
    await watcher.subscribeAsync(stateTopic('historian-state'), { qos: 1 });
    await vi.waitFor(() => expect(states).toHaveLength(1));
    expect(states[0].online).toBe(true);
    expect(h.stats().online).toBe(true);
    await h.stop();
    running.historians.splice(running.historians.indexOf(h), 1);
    await vi.waitFor(() => expect(states).toHaveLength(2));
    expect(states[1]).toEqual({ online: false, timestamp: states[0].timestamp });
  });

  it('stores births and data with the catalogue tag, the value as sent, quality and timestamps', async () => {
    const h = await historian();
    const e = await edge();
    await e.birth(1, { S001: { index: 0, values: { 'primary.supply_temp': 90, 'pump.running': true } }, S002: { index: 1, values: { 'primary.flow': 12 } } }, 1000);
    await e.data(
      'S001',
      [
        dataMetric(0, 'primary.supply_temp', 91.25, { timestamp: 1500 }),
        dataMetric(0, 'pump.running', false, { quality: 64 }),
        dataMetric(0, 'primary.supply_temp', 88.5, { timestamp: 1200, quality: 0 }),
      ],
      2000,
    );
    await e.data('S002', [dataMetric(1, 'primary.flow', 12.5, { historical: true })], 2100);
    await vi.waitFor(() => expect(h.stats().points.written).toBe(7));
    expect(await series('S001', 'primary.supply_temp')).toEqual([
      { ts: 1000, value: 90, quality: 'good' },
      { ts: 1200, value: 88.5, quality: 'bad' },
      { ts: 1500, value: 91.25, quality: 'good' },
    ]);
    expect(await series('S001', 'pump.running')).toEqual([
      { ts: 1000, value: 1, quality: 'good' },
      { ts: 2000, value: 0, quality: 'uncertain' },
    ]);
    expect(await store.latest({ tags: ['pump.running', 'primary.flow'] })).toEqual([
      { substation: 'S001', tag: 'pump.running', ts: 2000, value: false, quality: 'uncertain', historical: false },
      { substation: 'S002', tag: 'primary.flow', ts: 2100, value: 12.5, quality: 'good', historical: true },
    ]);
    await vi.waitFor(async () => expect(await store.statuses()).toEqual([
      { substation: 'S001', online: true, ts: 1000 },
      { substation: 'S002', online: true, ts: 1000 },
    ]));
    expect(h.learned('S001').find((m) => m.tag === 'primary.supply_temp')).toMatchObject({ alias: aliasOf(0, 'primary.supply_temp'), unit: '°C', low: 0, high: 150 });
    expect(h.stats()).toMatchObject({ nodes: 1, devices: 2, malformed: {}, messages: { NBIRTH: 1, DBIRTH: 2, DDATA: 2 } });
    expect(e.commands).toEqual([]);
  });

  it('asks the edge node for a rebirth when its seq jumps, and counts the gap', async () => {
    const h = await historian();
    const e = await edge();
    await e.birth(1, { S001: { index: 0, values: { 'primary.flow': 1 } } });
    await e.data('S001', [dataMetric(0, 'primary.flow', 2)]);
    e.skip(3);
    await e.data('S001', [dataMetric(0, 'primary.flow', 3)]);
    await vi.waitFor(() => expect(e.commands).toHaveLength(1));
    expect(e.commands[0].metrics).toEqual([{ name: REBIRTH, datatype: 'Boolean', value: true }]);
    expect(h.stats()).toMatchObject({ rebirthRequests: 1, malformed: { HS_ERR_SPARKPLUG_SEQ: 1 } });
    // The data of the message after the gap is good all the same.
    await vi.waitFor(async () => expect(await values('S001', 'primary.flow')).toEqual([1, 2, 3]));
    // The rebirth answers it: a new session, and the seq follows again.
    await e.birth(1, { S001: { index: 0, values: { 'primary.flow': 4 } } });
    await e.data('S001', [dataMetric(0, 'primary.flow', 5)]);
    await vi.waitFor(async () => expect(await values('S001', 'primary.flow')).toEqual([1, 2, 3, 4, 5]));
    expect(h.stats().malformed).toEqual({ HS_ERR_SPARKPLUG_SEQ: 1 });
  });

  it('marks substations offline on DDEATH and on the NDEATH of the current session only, online on DBIRTH', async () => {
    const h = await historian();
    const e = await edge('edge1', 7);
    await e.birth(7, { S001: { index: 0, values: { 'primary.flow': 1 } }, S002: { index: 1, values: { 'primary.flow': 1 } } });
    await vi.waitFor(async () => expect(await statusOf('S002')).toBe(true));

    await e.publish('DDEATH', 'S002', { timestamp: Date.now(), seq: e.nextSeq(), metrics: [] });
    await vi.waitFor(async () => expect(await statusOf('S002')).toBe(false));
    expect(await statusOf('S001')).toBe(true);

    await e.publish('DBIRTH', 'S002', deviceBirth(1, e.nextSeq(), { 'primary.flow': 2 }));
    await vi.waitFor(async () => expect(await statusOf('S002')).toBe(true));

    // A death certificate of an earlier session (bdSeq 6) changes nothing.
    await e.publish('NDEATH', undefined, nodeDeath(6));
    await vi.waitFor(() => expect(h.stats().staleDeaths).toBe(1));
    expect([await statusOf('S001'), await statusOf('S002')]).toEqual([true, true]);

    // The edge node's connection breaks: the broker publishes its will, NDEATH with bdSeq 7.
    e.client.stream.destroy();
    await vi.waitFor(async () => expect([await statusOf('S001'), await statusOf('S002')]).toEqual([false, false]));
    expect(h.stats()).toMatchObject({ nodes: 0, devices: 0, malformed: {} });
  });

  it('counts each kind of malformed traffic by code, keeps the good metrics of a message and keeps going', async () => {
    const h = await historian();
    const e = await edge();
    await e.birth(1, { S001: { index: 0, values: { 'primary.flow': 1, 'pump.running': true } } });
    await vi.waitFor(() => expect(h.stats().points.written).toBe(2));

    // Not a Sparkplug payload.
    await e.client.publishAsync(edgeTopic(GROUP, 'DDATA', 'edge1', 'S001'), Buffer.from('{"primary.flow": 3}'));
    // Outside the namespace's topic shapes (a DDATA without device, one level too many).
    await e.client.publishAsync(`spBv1.0/${GROUP}/DDATA/edge1`, encodePayload(deviceData(0, [])));
    await e.client.publishAsync(`spBv1.0/${GROUP}/DDATA/edge1/S001/extra`, encodePayload(deviceData(0, [])));
    // A string for a Double tag, a boolean for an analog, a number for a boolean, an unknown alias, and two good metrics.
    await e.data('S001', [
      dataMetric(0, 'primary.flow', 'high'),
      dataMetric(0, 'primary.flow', true),
      dataMetric(0, 'pump.running', 1),
      { alias: 4090, datatype: 'Double', value: 7 },
      dataMetric(0, 'primary.flow', 42),
      dataMetric(0, 'pump.running', false),
    ]);
    await vi.waitFor(() =>
      expect(h.stats().malformed).toEqual({
        HS_ERR_SPARKPLUG_DECODE: 1,
        HS_ERR_SPARKPLUG_TOPIC: 2,
        HS_ERR_SPARKPLUG_TYPE: 3,
        HS_ERR_SPARKPLUG_ALIAS: 1,
      }),
    );
    await vi.waitFor(() => expect(h.stats().points.written).toBe(4));
    expect(await values('S001', 'primary.flow')).toEqual([1, 42]);
    expect(await values('S001', 'pump.running')).toEqual([1, 0]);
    // The unknown alias asked for a rebirth.
    await vi.waitFor(() => expect(e.commands).toHaveLength(1));
    await e.data('S001', [dataMetric(0, 'primary.flow', 43)]);
    await vi.waitFor(async () => expect(await values('S001', 'primary.flow')).toEqual([1, 42, 43]));
  });

  it('asks an edge node it has never seen born for a rebirth', async () => {
    const h = await historian();
    const e = await edge();
    await e.data('S001', [dataMetric(0, 'primary.flow', 1)]);
    await vi.waitFor(() => expect(e.commands).toHaveLength(1));
    expect(h.stats().malformed).toEqual({ HS_ERR_SPARKPLUG_NO_BIRTH: 1 });
  });

  it('comes back online after a broker restart: subscribed again, STATE again, data flowing', async () => {
    const h = await historian({ hostId: 'historian-restart' });
    const ports = { tcpPort: Number(new URL(broker.tcpUrl).port), wsPort: Number(new URL(broker.wsUrl).port) };
    await broker.close();
    await vi.waitFor(() => expect(h.stats().online).toBe(false));
    broker = await startBroker({ host: '127.0.0.1', ...ports, logger: log });
    await vi.waitFor(() => expect(h.stats().online).toBe(true), { timeout: 10_000 });
    const e = await edge();
    await e.birth(1, { S001: { index: 0, values: { 'primary.flow': 1 } } });
    await e.data('S001', [dataMetric(0, 'primary.flow', 2)]);
    await vi.waitFor(async () => expect(await values('S001', 'primary.flow')).toEqual([1, 2]));
    const watcher = await mqtt.connectAsync(broker.tcpUrl, { reconnectPeriod: 0 });
    running.clients.push(watcher);
    const state = new Promise<string>((resolve) => watcher.once('message', (_t, p) => resolve(p.toString())));
    await watcher.subscribeAsync(stateTopic('historian-restart'));
    expect(JSON.parse(await state)).toMatchObject({ online: true });
  });

  it('shares the data among historians of one share group; each knows every alias', async () => {
    const shared = { shared: 'historians', group: GROUP };
    const h1 = await historian({ ...shared, hostId: 'historian-a' });
    const h2 = await historian({ ...shared, hostId: 'historian-b' });
    const e = await edge();
    await e.birth(1, { S001: { index: 0, values: { 'primary.flow': 0 } }, S002: { index: 1, values: { 'primary.flow': 0 } } });
    const messages = 200;
    for (let i = 1; i <= messages; i++) await e.data(i % 2 ? 'S001' : 'S002', [dataMetric(i % 2 ? 0 : 1, 'primary.flow', i)]);
    await vi.waitFor(() => expect(h1.stats().points.written + h2.stats().points.written).toBe(2 * 2 + messages));
    const [a, b] = [h1.stats(), h2.stats()];
    // Births reach both historians (each writes the birth values, the same rows); data reaches one of them.
    expect(a.messages.DBIRTH).toBe(2);
    expect(b.messages.DBIRTH).toBe(2);
    expect(a.messages.DDATA).toBeGreaterThan(0);
    expect(b.messages.DDATA).toBeGreaterThan(0);
    expect(a.messages.DDATA + b.messages.DDATA).toBe(messages);
    expect(a.malformed).toEqual({});
    expect(b.malformed).toEqual({});
    const stored = [...(await values('S001', 'primary.flow')), ...(await values('S002', 'primary.flow'))].filter((v) => v !== 0);
    expect(stored.sort((x, y) => x - y)).toEqual(Array.from({ length: messages }, (_, i) => i + 1));
    expect(broker.stats().shared.map((g) => g.filter).sort()).toEqual([`spBv1.0/${GROUP}/DDATA/#`, `spBv1.0/${GROUP}/NDATA/#`]);
  });
});
