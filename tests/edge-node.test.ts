// The Sparkplug B edge node against a real broker (aedes over loopback) and a real MQTT.js
// host decoding with model/sparkplug.ts. The devices are PlantDrivers on a simulated plant:
// the test advances the plant and polls, so it knows exactly which points were produced.

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Aedes, type Client } from 'aedes';
import { connect, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientIdOf, resolveEdgeNodeConfig, type EdgeNodeConfig } from '../collectors/sparkplug/edge-node-config.ts';
import { EdgeNode } from '../collectors/sparkplug/edge-node.ts';
import { defaultDeadband } from '../collectors/sparkplug/report-by-exception.ts';
import {
  aliasFor,
  BD_SEQ,
  COMMAND_ACK,
  COMMAND_ACK_OFFSET,
  datatypeOf,
  decodePayload,
  edgeTopic,
  encodePayload,
  parseTopic,
  REBIRTH,
  stateTopic,
  type CommandOutcome,
  type EdgeMessageType,
  type Metric,
  type SparkplugPayload,
} from '../model/sparkplug.ts';
import { TAGS, type TagName } from '../model/tags.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { Plant } from '../simulators/plant.ts';
import { captureLog } from './helpers/capture-log.ts';
import { PlantDriver } from './helpers/plant-driver.ts';
import { freePort } from './helpers/ports.ts';

const GROUP = 'test';
const EDGE = 'edge-1';
const SUBS = ['S001', 'S002'] as const;
const TAG_INDEX = new Map(TAGS.map((t, i) => [t.name, i]));
const alias = (device: number, tag: TagName) => aliasFor(device, TAG_INDEX.get(tag) as number);

async function until<T>(probe: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** aedes on a loopback port; `admit` can hold a client id off until the test is ready. */
class Broker {
  private readonly clients = new Map<string, Client>();
  private constructor(
    private readonly aedes: Aedes,
    private readonly server: net.Server,
  ) {
    aedes.on('client', (c) => this.clients.set(c.id, c));
  }

  static async start(port: number, admit: (clientId: string) => boolean = () => true): Promise<Broker> {
    // A refused client gets CONNACK "not authorized" and tries again later.
    const aedes = await Aedes.createBroker({ authenticate: (client, _user, _password, done) => done(null, admit(client.id)) });
    const server = net.createServer((socket) => aedes.handle(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return new Broker(aedes, server);
  }

  /** The connection of a client dies without a DISCONNECT: the broker publishes its will. */
  dropConnection(clientId: string): void {
    this.clients.get(clientId)?.conn.destroy();
  }

  /** Stops accepting first, so that a client reconnecting at once finds the port closed. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await closed;
  }
}

interface Received {
  type: EdgeMessageType;
  device: string | undefined;
  payload: SparkplugPayload;
}

/** A host application: a plain MQTT.js client that records every Sparkplug message it decodes. */
class Host {
  readonly messages: Received[] = [];
  connects = 0;
  private constructor(readonly client: MqttClient) {
    client.on('connect', () => this.connects++);
    client.on('message', (topic, payload) => {
      const t = parseTopic(topic);
      if (t.kind === 'edge') this.messages.push({ type: t.type, device: t.device, payload: decodePayload(payload) });
    });
  }

  static async connect(port: number): Promise<Host> {
    const client = connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, clientId: 'test-host', reconnectPeriod: 50 });
    const host = new Host(client);
    await until(() => host.connects > 0, 'host connection');
    await host.subscribe();
    return host;
  }

  async subscribe(): Promise<void> {
    await this.client.subscribeAsync('spBv1.0/#', { qos: 1 });
  }

  /** The first message from index `from` on that matches. */
  async next(type: EdgeMessageType, device?: string, from = 0, timeoutMs?: number): Promise<Received> {
    return until(() => this.messages.slice(from).find((m) => m.type === type && m.device === device), `${type} ${device ?? ''}`, timeoutMs);
  }

  command(type: 'NCMD' | 'DCMD', metrics: Metric[], device?: string): void {
    this.client.publish(edgeTopic(GROUP, type, EDGE, device), encodePayload({ timestamp: Date.now(), metrics }), { qos: 1 });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

const setpointCommand = (name: TagName | undefined, value: number, requestId: string, aliasNo?: number): Metric => ({
  ...(name === undefined ? {} : { name }),
  ...(aliasNo === undefined ? {} : { alias: aliasNo }),
  datatype: 'Double',
  value,
  properties: { requestId: { type: 'String', value: requestId }, actor: { type: 'String', value: 'api:test' } },
});

describe('Sparkplug B edge node over a real broker', () => {
  let port: number;
  let broker: Broker;
  let host: Host;
  let plant: Plant;
  let drivers: PlantDriver[];
  let dataDir: string;
  let config: EdgeNodeConfig;
  let edge: EdgeNode | undefined;
  const logs = captureLog('info');

  const makeConfig = (extra: Record<string, unknown> = {}): EdgeNodeConfig =>
    resolveEdgeNodeConfig({
      mqtt: { url: `mqtt://127.0.0.1:${port}`, protocol_version: 4, reconnect_s: 0.05, keepalive_s: 5 },
      group_id: GROUP,
      edge_node_id: EDGE,
      data_dir: dataDir,
      // The test polls by hand: the drivers' own timers never fire.
      poll_interval_s: 3600,
      refresh_interval_s: 3600,
      ...extra,
    });

  const pollAll = () => drivers.forEach((d) => d.poll());
  const step = () => {
    plant.advance(1);
    pollAll();
  };

  /** Starts an edge node and waits for its NBIRTH and DBIRTHs (it reads the devices itself for those). */
  async function startEdge(cfg = config): Promise<{ edge: EdgeNode; nbirth: Received; dbirths: Received[] }> {
    const from = host.messages.length;
    edge = new EdgeNode(cfg, drivers, logs.log);
    await edge.start();
    const nbirth = await host.next('NBIRTH', undefined, from);
    const dbirths = await Promise.all(SUBS.map((s) => host.next('DBIRTH', s, from)));
    return { edge, nbirth, dbirths };
  }

  beforeEach(async () => {
    port = await freePort();
    broker = await Broker.start(port);
    host = await Host.connect(port);
    // The PLCs' clocks keep the plant's time: on the wall clock a second could tick between two
    // reads and show as a change where a test says nothing moved.
    plant = new Plant(generateCity({ substations: 3, seed: 5 }), { startMs: Date.UTC(2026, 0, 15), stepS: 1, warmUpS: 600, wallClock: () => plant.timeMs });
    drivers = SUBS.map((s) => new PlantDriver(plant, s));
    await Promise.all(drivers.map((d) => d.connect()));
    dataDir = mkdtempSync(path.join(tmpdir(), 'edge-node-'));
    config = makeConfig();
    edge = undefined;
  });

  afterEach(async () => {
    await edge?.stop();
    await host.close();
    await broker.close();
    await Promise.all(drivers.map((d) => d.close()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('births: NBIRTH with bdSeq and rebirth control, a DBIRTH per device with every metric, alias, unit and limits', async () => {
    const { edge: node, nbirth, dbirths } = await startEdge();
    expect(nbirth.payload.seq).toBe(0);
    expect(nbirth.payload.metrics).toEqual([
      { name: BD_SEQ, datatype: 'UInt64', value: node.stats().bdSeq },
      { name: REBIRTH, datatype: 'Boolean', value: false },
    ]);
    expect(dbirths.map((b) => b.payload.seq).sort()).toEqual([1, 2]);
    dbirths.forEach((birth, device) => {
      const sub = SUBS[device];
      const byName = new Map(birth.payload.metrics.map((m) => [m.name, m]));
      expect(birth.payload.metrics).toHaveLength(TAGS.length + 1);
      for (const def of TAGS) {
        const m = byName.get(def.name) as Metric;
        const expected = plant.read(sub, def.name);
        expect(m.alias).toBe(alias(device, def.name));
        expect(m.datatype).toBe(datatypeOf(def));
        if (typeof expected === 'number' && m.datatype === 'Double') expect(m.value).toBeCloseTo(expected, 9);
        else expect(m.value).toBe(typeof expected === 'number' ? Math.round(expected) : expected);
        expect(m.timestamp).toBe(plant.timeMs);
        expect(m.properties).toEqual({
          engUnit: { type: 'String', value: def.unit },
          engLow: { type: 'Double', value: def.min },
          engHigh: { type: 'Double', value: def.max },
          Quality: { type: 'Int32', value: 192 },
          readOnly: { type: 'Boolean', value: !def.writable },
        });
      }
      expect(byName.get(COMMAND_ACK)).toMatchObject({ alias: aliasFor(device, COMMAND_ACK_OFFSET), datatype: 'String' });
    });
  });

  it('DDATA by exception: nothing when nothing moved; otherwise exactly the metrics beyond their deadband, by alias', async () => {
    await startEdge();
    const from = host.messages.length;
    pollAll();
    await new Promise((r) => setTimeout(r, 150));
    expect(host.messages.slice(from)).toEqual([]);

    const before = new Map(TAGS.map((t) => [t.name, plant.read('S001', t.name)]));
    plant.advance(1);
    drivers[0].poll();
    const ddata = await host.next('DDATA', 'S001', from);
    const moved = TAGS.filter((t) => {
      const a = before.get(t.name) as number | boolean;
      const b = plant.read('S001', t.name);
      return typeof a === 'boolean' ? a !== b : Math.abs((b as number) - a) > defaultDeadband(t);
    }).map((t) => alias(0, t.name));
    expect(moved).toContain(alias(0, 'plc.heartbeat'));
    expect(ddata.payload.metrics.map((m) => m.alias).sort()).toEqual(moved.sort());
    for (const m of ddata.payload.metrics) {
      expect(m.name).toBeUndefined();
      expect(m.timestamp).toBe(plant.timeMs);
      expect(m.isHistorical).toBeUndefined();
    }
    expect(ddata.payload.seq).toBe(3);
  });

  it('periodic refresh republishes every metric of every device', async () => {
    await startEdge(makeConfig({ refresh_interval_s: 0.2 }));
    const from = host.messages.length;
    const refreshes = await Promise.all(SUBS.map((s) => host.next('DDATA', s, from)));
    for (const r of refreshes) expect(r.payload.metrics).toHaveLength(TAGS.length);
  });

  it('the will: when the edge node’s connection dies the broker publishes NDEATH with its bdSeq; it reconnects and rebirths', async () => {
    const { nbirth } = await startEdge();
    const bdSeq = nbirth.payload.metrics[0].value as number;
    const from = host.messages.length;
    broker.dropConnection(clientIdOf(config));
    const death = await host.next('NDEATH', undefined, from);
    expect(death.payload.metrics).toEqual([{ name: BD_SEQ, datatype: 'UInt64', value: bdSeq }]);
    const rebirth = await host.next('NBIRTH', undefined, from);
    expect(rebirth.payload.metrics[0].value).toBe((bdSeq + 1) % 256);
    // Both devices have data: their DBIRTHs follow the NBIRTH without waiting for a poll.
    await Promise.all(SUBS.map((s) => host.next('DBIRTH', s, from)));
  });

  it('DDEATH when a device link drops, nothing while it is down, DBIRTH with fresh values when it returns', async () => {
    await startEdge();
    const from = host.messages.length;
    drivers[0].setLink(false);
    const death = await host.next('DDEATH', 'S001', from);
    expect(death.payload.metrics).toEqual([]);
    step();
    await host.next('DDATA', 'S002', from);
    expect(host.messages.slice(from).filter((m) => m.device === 'S001').map((m) => m.type)).toEqual(['DDEATH']);
    // On return the edge node reads the device at once: the DBIRTH does not wait for a poll.
    plant.advance(1);
    drivers[0].setLink(true);
    const birth = await host.next('DBIRTH', 'S001', from);
    expect(birth.payload.metrics.find((m) => m.name === 'plc.heartbeat')?.value).toBe(plant.read('S001', 'plc.heartbeat'));
    expect(birth.payload.metrics.find((m) => m.name === 'plc.heartbeat')?.timestamp).toBe(plant.timeMs);
  });

  it('a good reading delivered before the driver says connected is kept and replayed as history, not dropped', async () => {
    await startEdge();
    const from = host.messages.length;
    drivers[0].setLink(false);
    await host.next('DDEATH', 'S001', from);
    plant.advance(1);
    // What OPC UA does at a session restore: the first notification comes before the session says up.
    const early = drivers[0].deliverRegardlessOfState();
    const beat = { value: plant.read('S001', 'plc.heartbeat'), ts: plant.timeMs };
    plant.advance(1);
    drivers[0].setLink(true);
    await host.next('DBIRTH', 'S001', from);
    await until(() => historical(from)[0].length >= early.length, 'the early reading as history');
    const hb = historical(from)[0].filter((m) => m.alias === alias(0, 'plc.heartbeat')).map((m) => ({ value: m.value, ts: m.timestamp }));
    expect(hb).toEqual([beat]);
    expect(edge?.stats().bufferedNow).toBe(0);
  });

  it('NCMD Node Control/Rebirth republishes NBIRTH (seq 0, same bdSeq) and every DBIRTH', async () => {
    const { nbirth } = await startEdge();
    const from = host.messages.length;
    host.command('NCMD', [{ name: REBIRTH, datatype: 'Boolean', value: true }]);
    const again = await host.next('NBIRTH', undefined, from);
    expect(again.payload.seq).toBe(0);
    expect(again.payload.metrics[0].value).toBe(nbirth.payload.metrics[0].value);
    const dbirths = await Promise.all(SUBS.map((s) => host.next('DBIRTH', s, from)));
    expect(dbirths.every((b) => b.payload.metrics.length === TAGS.length + 1)).toBe(true);
  });

  it('DCMD out of range: refused with HS_ERR_OUT_OF_RANGE in the ACK, and no write reaches the device', async () => {
    await startEdge();
    const from = host.messages.length;
    const before = plant.read('S001', 'secondary.supply_temp_setpoint');
    host.command('DCMD', [setpointCommand('secondary.supply_temp_setpoint', 90, 'req-out')], 'S001');
    const ddata = await host.next('DDATA', 'S001', from);
    expect(ddata.payload.metrics).toHaveLength(1);
    const [ack] = ddata.payload.metrics;
    expect(ack.alias).toBe(aliasFor(0, COMMAND_ACK_OFFSET));
    const outcome = JSON.parse(ack.value as string) as CommandOutcome;
    expect(outcome).toMatchObject({ requestId: 'req-out', tag: 'secondary.supply_temp_setpoint', ok: false, code: 'HS_ERR_OUT_OF_RANGE', actor: 'api:test' });
    expect(drivers[0].writes).toBe(0);
    expect(plant.read('S001', 'secondary.supply_temp_setpoint')).toBe(before);
    expect(edge?.stats()).toMatchObject({ commandsAccepted: 0, commandsRefused: 1 });
  });

  it('DCMD accepted (by name, then by alias): written, read back in a DDATA of the setpoint plus an ACK ok', async () => {
    await startEdge();
    let from = host.messages.length;
    host.command('DCMD', [setpointCommand('secondary.supply_temp_setpoint', 60, 'req-ok')], 'S002');
    let ddata = await host.next('DDATA', 'S002', from);
    expect(ddata.payload.metrics.map((m) => m.alias)).toEqual([alias(1, 'secondary.supply_temp_setpoint'), aliasFor(1, COMMAND_ACK_OFFSET)]);
    expect(ddata.payload.metrics[0].value).toBe(60);
    expect(JSON.parse(ddata.payload.metrics[1].value as string)).toEqual({ requestId: 'req-ok', tag: 'secondary.supply_temp_setpoint', ok: true, value: 60, actor: 'api:test' });
    expect(plant.read('S002', 'secondary.supply_temp_setpoint')).toBe(60);

    from = host.messages.length;
    host.command('DCMD', [setpointCommand(undefined, 40, 'req-alias', alias(1, 'pump.frequency_setpoint'))], 'S002');
    ddata = await host.next('DDATA', 'S002', from);
    expect(ddata.payload.metrics[0]).toMatchObject({ alias: alias(1, 'pump.frequency_setpoint'), value: 40 });
    expect(drivers[1].writes).toBe(2);
    expect(edge?.stats()).toMatchObject({ commandsAccepted: 2, commandsRefused: 0 });
  });

  /** Historical metrics received from index `from` on, per device, in arrival order. */
  const historical = (from: number) =>
    SUBS.map((s) => host.messages.slice(from).filter((m) => m.type === 'DDATA' && m.device === s).flatMap((m) => m.payload.metrics.filter((x) => x.isHistorical)));

  /** What the host must find in the replay: every heartbeat produced while offline, with its time. */
  async function checkReplay(from: number, beats: { value: number; ts: number }[][], buffered: number): Promise<void> {
    await until(() => historical(from).flat().length >= buffered, 'historical data at the host');
    await new Promise((r) => setTimeout(r, 50)); // a duplicate would arrive now
    const hist = historical(from);
    expect(hist.flat()).toHaveLength(buffered);
    hist.forEach((metrics, device) => {
      const hb = metrics.filter((m) => m.alias === alias(device, 'plc.heartbeat')).map((m) => ({ value: m.value, ts: m.timestamp }));
      expect(hb).toEqual(beats[device]);
      // In order and exactly once: per metric, timestamps strictly increase.
      const byAlias = new Map<number, number[]>();
      for (const m of metrics) byAlias.set(m.alias as number, [...(byAlias.get(m.alias as number) ?? []), m.timestamp as number]);
      for (const ts of byAlias.values()) expect(ts.every((t, i) => i === 0 || t > ts[i - 1])).toBe(true);
    });
  }

  /** Steps the plant n times while offline and returns the heartbeats each device produced. */
  function produceOffline(n: number, beats: { value: number; ts: number }[][]): void {
    for (let k = 0; k < n; k++) {
      step();
      SUBS.forEach((s, i) => beats[i].push({ value: plant.read(s, 'plc.heartbeat') as number, ts: plant.timeMs }));
    }
  }

  /** Restarts the broker, lets the host resubscribe, then lets the edge node in. */
  async function restartBroker(): Promise<number> {
    let admitEdge = false;
    broker = await Broker.start(port, (id) => id !== clientIdOf(config) || admitEdge);
    const connects = host.connects;
    await until(() => host.connects > connects, 'host reconnection');
    await host.subscribe();
    const from = host.messages.length;
    admitEdge = true;
    return from;
  }

  it('store and forward: every point produced while the broker is down arrives once, historical, in order, with its timestamp', async () => {
    const { edge: node } = await startEdge();
    step();
    await until(() => node.stats().pointsPublished > 0, 'live data');
    await broker.close();
    await until(() => !node.stats().online, 'edge node offline');
    const beats: { value: number; ts: number }[][] = SUBS.map(() => []);
    produceOffline(50, beats);
    const buffered = node.stats().pointsBuffered;
    expect(node.stats().bufferedNow).toBe(buffered);
    expect(buffered).toBeGreaterThanOrEqual(100);

    const from = await restartBroker();
    await host.next('NBIRTH', undefined, from);
    await until(() => node.stats().bufferedNow === 0 && node.stats().pointsReplayed === buffered, 'replay');
    await checkReplay(from, beats, buffered);
    expect(logs.lines.some((l) => l.event === 'buffer_replayed')).toBe(true);
    // Live data goes on, not historical.
    const live = host.messages.length;
    step();
    const ddata = await host.next('DDATA', 'S001', live);
    expect(ddata.payload.metrics.every((m) => !m.isHistorical)).toBe(true);
  });

  it('a DDATA not acknowledged when the link dies is rescued into the buffer and replayed, not lost', async () => {
    const { edge: node } = await startEdge();
    const from = host.messages.length;
    step(); // a live DDATA per device leaves...
    broker.dropConnection(clientIdOf(config)); // ...and the connection dies before the broker reads it
    const beats = SUBS.map((s) => [{ value: plant.read(s, 'plc.heartbeat') as number, ts: plant.timeMs }]);
    await host.next('NBIRTH', undefined, from);
    expect(node.stats().pointsBuffered).toBeGreaterThan(0);
    await until(() => node.stats().bufferedNow === 0, 'replay');
    await checkReplay(from, beats, node.stats().pointsBuffered);
    expect(logs.lines.some((l) => l.event === 'mqtt_link_lost' && (l.rescued_points as number) > 0)).toBe(true);
  });

  it('store and forward across an edge node restart in the middle of the outage', async () => {
    const first = (await startEdge()).edge;
    await broker.close();
    await until(() => !first.stats().online, 'edge node offline');
    const beats: { value: number; ts: number }[][] = SUBS.map(() => []);
    produceOffline(20, beats);
    const bdSeqBefore = first.stats().bdSeq as number;
    await first.stop();

    const second = new EdgeNode(config, drivers, logs.log);
    edge = second;
    expect(second.stats().bufferedNow).toBe(first.stats().pointsBuffered);
    await second.start();
    produceOffline(20, beats);
    const buffered = first.stats().pointsBuffered + second.stats().pointsBuffered;

    const from = await restartBroker();
    const nbirth = await host.next('NBIRTH', undefined, from);
    expect(nbirth.payload.metrics[0].value as number).toBeGreaterThan(bdSeqBefore);
    await until(() => second.stats().bufferedNow === 0 && second.stats().pointsReplayed === buffered, 'replay');
    await checkReplay(from, beats, buffered);
  });

  it('primary host: nothing is published until its STATE says online; offline ends the session and buffers', async () => {
    const cfg = makeConfig({ primary_host_id: 'scada' });
    const state = (online: boolean, timestamp: number) =>
      host.client.publishAsync(stateTopic('scada'), JSON.stringify({ online, timestamp }), { qos: 1, retain: true });
    edge = new EdgeNode(cfg, drivers, logs.log);
    await edge.start();
    const node = edge;
    await until(() => node.stats().bdSeq !== undefined, 'connection attempt');
    await new Promise((r) => setTimeout(r, 100));
    pollAll();
    expect(host.messages).toEqual([]);
    const buffered = node.stats().pointsBuffered;
    expect(buffered).toBe(2 * TAGS.length);

    await state(true, 1);
    const nbirth = await host.next('NBIRTH');
    await until(() => historical(0).flat().length === buffered, 'replay');

    let from = host.messages.length;
    await state(false, 2);
    const death = await host.next('NDEATH', undefined, from);
    expect(death.payload.metrics[0].value).toBe(nbirth.payload.metrics[0].value);
    await until(() => !node.stats().online, 'edge node waiting for the host');
    from = host.messages.length;
    step();
    await until(() => node.stats().pointsBuffered > buffered, 'buffering while the host is offline');
    await state(true, 3);
    await host.next('NBIRTH', undefined, from);
    await until(() => node.stats().bufferedNow === 0, 'second replay');
  });
});
