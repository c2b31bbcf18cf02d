// The whole data path over real sockets: simulated PLCs on OPC UA and Modbus TCP → collector
// (real drivers, Sparkplug B edge node) → aedes → historian → SQLite. The plant runs in real
// time; the tests change it and look for the change in the store.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_ACK, decodePayload, edgeTopic, encodePayload, type CommandOutcome } from '../model/sparkplug.ts';
import { tagDefinition, type TagName } from '../model/tags.ts';
import { Plant } from '../simulators/plant.ts';
import { DATA_PATH_GROUP, mixedProtocolCity, startDataPath, type DataPath } from './helpers/data-path.ts';
import { eventually } from './helpers/eventually.ts';
import { watchPlcWrites, type PlcWrite } from './helpers/plc-writes.ts';

const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
const EDGE = 'edge-test';

describe('data path: simulator → collector → MQTT → historian → store', () => {
  let dir: string;
  let plant: Plant;
  let dataPath: DataPath;
  let opcuaSub: string;
  let modbusSub: string;
  const plcWrites: PlcWrite[] = [];
  let unwatch: (() => void) | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'heatscada-datapath-'));
    plant = new Plant(mixedProtocolCity(4, 5), { startMs: Date.now(), warmUpS: 1800 });
    unwatch = watchPlcWrites(plant, plcWrites);
    opcuaSub = plant.spec.substations.find((s) => s.protocol === 'opcua')!.id;
    modbusSub = plant.spec.substations.find((s) => s.protocol === 'modbus')!.id;
    dataPath = await startDataPath({ plant, dir, edgeNodeId: EDGE, hostId: 'test-historian', pollIntervalS: 0.25, opcuaSamplingMs: 200, speed: 1, logger: log });
  }, 60_000);

  afterAll(async () => {
    unwatch?.();
    await dataPath?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const latest = async (substation: string, tag: TagName) => (await dataPath.store.latest({ substations: [substation], tags: [tag] }))[0];

  it('stores a value changed in the simulator, with its tag, unit and quality, for both protocols', async () => {
    for (const substation of [opcuaSub, modbusSub]) {
      const tag: TagName = 'secondary.supply_temp_setpoint';
      const target = Math.round(((plant.read(substation, tag) as number) + 3.7) * 10) / 10;
      expect(plant.write(substation, tag, target).ok).toBe(true);
      await eventually(async () => {
        const point = await latest(substation, tag);
        expect(point?.value).toBeCloseTo(target, 1);
        expect(point?.quality).toBe('good');
      });
      const learned = dataPath.historian.learned(substation).find((m) => m.tag === tag);
      expect(learned?.unit).toBe(tagDefinition(tag).unit);
      expect([learned?.low, learned?.high]).toEqual([tagDefinition(tag).min, tagDefinition(tag).max]);
    }
  });

  it('loses nothing when the broker dies and comes back and the collector restarts meanwhile', async () => {
    const series = (substation: string) => ({ substation, tag: 'plc.heartbeat' });
    // Heartbeats count simulated seconds: every value between two heartbeats in the store was produced.
    const heartbeatAt = async (substation: string): Promise<number> => Number((await latest(substation, 'plc.heartbeat'))?.value);
    await eventually(async () => expect(await heartbeatAt(modbusSub)).toBeGreaterThan(0));
    const from = Date.now();
    const firstBeat = { [modbusSub]: await heartbeatAt(modbusSub), [opcuaSub]: await heartbeatAt(opcuaSub) };

    await dataPath.stopBroker();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // The collector restarts while the broker is away: its buffer on disk must survive.
    await dataPath.restartCollector();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await dataPath.startBroker();

    // Judge a window that runs from before the outage to well after the broker's return.
    const lastBeat = (plant.read(modbusSub, 'plc.heartbeat') as number) + 3;
    await eventually(async () => expect(dataPath.collector.stats().bufferedNow).toBe(0), 20_000);
    await eventually(async () => {
      expect(await heartbeatAt(modbusSub)).toBeGreaterThanOrEqual(lastBeat);
      expect(await heartbeatAt(opcuaSub)).toBeGreaterThanOrEqual(lastBeat);
    });
    expect(lastBeat - firstBeat[modbusSub]).toBeGreaterThanOrEqual(7);

    for (const substation of [modbusSub, opcuaSub]) {
      const points = (await dataPath.store.range({ series: [series(substation)], from: from - 60_000, to: Date.now() + 60_000 }))[0].points;
      const beats = new Set(points.map((p) => p.value));
      const missing: number[] = [];
      for (let beat = firstBeat[substation]; beat <= lastBeat; beat++) if (!beats.has(beat)) missing.push(beat);
      // The collector's own restart is the one window nobody read the PLC; it lasts well under 2 s.
      expect(missing.length, `${substation} missing heartbeats ${missing.join(',')}`).toBeLessThanOrEqual(2);
    }
    const replayed = await dataPath.store.count(series(modbusSub), from, Date.now() + 60_000);
    expect(replayed).toBeGreaterThan(0);
    expect(dataPath.collector.stats().pointsReplayed).toBeGreaterThan(0);
  }, 60_000);

  it('marks a powered-off substation offline within the keepalive, and online when it returns', async () => {
    const statusOf = async (substation: string) => (await dataPath.store.statuses()).find((s) => s.substation === substation)?.online;
    await eventually(async () => expect(await statusOf(modbusSub)).toBe(true));
    const fault = plant.injectFault({ kind: 'power_loss', substation: modbusSub });
    await eventually(async () => expect(await statusOf(modbusSub)).toBe(false), 10_000);
    expect(await statusOf(opcuaSub)).toBe(true);
    plant.clearFault(fault.id);
    await eventually(async () => expect(await statusOf(modbusSub)).toBe(true), 10_000);
  });

  it('refuses a DCMD out of range with its reason, and writes nothing to the PLC', async () => {
    const client = await mqtt.connectAsync(dataPath.broker.tcpUrl, { clientId: 'test-operator' });
    try {
      const acks: CommandOutcome[] = [];
      client.on('message', (_topic, payload) => {
        for (const m of decodePayload(payload).metrics) {
          if (typeof m.value === 'string' && (m.name === COMMAND_ACK || m.value.includes('requestId'))) acks.push(JSON.parse(m.value) as CommandOutcome);
        }
      });
      await client.subscribeAsync(edgeTopic(DATA_PATH_GROUP, 'DDATA', EDGE, opcuaSub), { qos: 1 });
      const before = plcWrites.length;
      const command = (requestId: string, value: number) =>
        encodePayload({
          timestamp: Date.now(),
          metrics: [
            {
              name: 'secondary.supply_temp_setpoint',
              datatype: 'Double',
              value,
              properties: { requestId: { type: 'String', value: requestId }, actor: { type: 'String', value: 'test' } },
            },
          ],
        });
      await client.publishAsync(edgeTopic(DATA_PATH_GROUP, 'DCMD', EDGE, opcuaSub), command('too-hot', 95), { qos: 1 });
      await eventually(() => expect(acks.find((a) => a.requestId === 'too-hot')).toMatchObject({ ok: false, code: 'HS_ERR_OUT_OF_RANGE' }));
      expect(plcWrites.length).toBe(before);

      await client.publishAsync(edgeTopic(DATA_PATH_GROUP, 'DCMD', EDGE, opcuaSub), command('fine', 52.5), { qos: 1 });
      await eventually(() => expect(acks.find((a) => a.requestId === 'fine')).toMatchObject({ ok: true, value: 52.5 }));
      expect(plcWrites.slice(before)).toEqual([{ substation: opcuaSub, tag: 'secondary.supply_temp_setpoint', value: 52.5, result: { ok: true, value: 52.5 } }]);
      expect(plant.read(opcuaSub, 'secondary.supply_temp_setpoint')).toBe(52.5);
    } finally {
      await client.endAsync();
    }
  });
});
