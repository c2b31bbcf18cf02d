// Hot standby over the real data path: simulated PLCs on OPC UA and Modbus TCP → collector →
// aedes → historian → SQLite, a real redis-server holding the leases. Two control instances
// and two alarm engines, started as `heatscada control` / `alarms` start them: exactly one of
// each is active; the active one crashes (stops without giving its lease back); the standby
// takes over with a higher epoch; a command carrying the old epoch is refused by the edge node
// and nothing reaches the PLC. Nothing here asserts how long a takeover took, only who holds
// the lease with which epoch and what the plant and the tables saw.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { connect, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlarms, type AlarmService } from '../alarms/alarms.ts';
import { resolveAlarmsConfig } from '../alarms/config-schema.ts';
import { startRedisServer, type RedisServer } from '../cluster/engines/redis-server.ts';
import { ControlConfigSchema } from '../control/config-schema.ts';
import { startControl, type ControlHandle } from '../control/start.ts';
import { decodePayload, edgeTopic, encodePayload, EPOCH_PROPERTY, type CommandOutcome } from '../model/sparkplug.ts';
import { ControlMode } from '../model/tags.ts';
import { validateDocument } from '../model/validate.ts';
import { Plant } from '../simulators/plant.ts';
import { captureLog } from './helpers/capture-log.ts';
import { DATA_PATH_GROUP, mixedProtocolCity, startDataPath, type DataPath } from './helpers/data-path.ts';
import { eventually } from './helpers/eventually.ts';
import { watchPlcWrites, type PlcWrite } from './helpers/plc-writes.ts';
import { freePort } from './helpers/ports.ts';

const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
const EDGE = 'edge-standby';
const standbyOf = (redisUrl: string, instanceId: string) => ({ redis_url: redisUrl, instance_id: instanceId, lease_ttl_s: 1, poll_s: 0.2 });

/** Exactly one of the pair holds the lease: that one, and the other. */
function activeAndStandby<T extends { lease?: { isActive(): boolean } | undefined }>(pair: readonly T[]): [T, T] {
  const active = pair.filter((p) => p.lease?.isActive());
  expect(active).toHaveLength(1);
  return [active[0], pair.find((p) => p !== active[0])!];
}

describe('hot standby for control and alarms', () => {
  let dir: string;
  let redis: RedisServer;
  let plant: Plant;
  let dataPath: DataPath;
  const plcWrites: PlcWrite[] = [];
  let unwatch: () => void;
  const collectorLog = captureLog('info');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'heatscada-standby-'));
    redis = await startRedisServer(await freePort());
    plant = new Plant(mixedProtocolCity(2, 5), { startMs: Date.now(), warmUpS: 3600, mode: ControlMode.local });
    unwatch = watchPlcWrites(plant, plcWrites);
    dataPath = await startDataPath({ plant, dir, edgeNodeId: EDGE, hostId: 'standby-historian', pollIntervalS: 0.1, refreshIntervalS: 1, opcuaSamplingMs: 100, logger: log, collectorLogger: collectorLog.log });
    await dataPath.advance(1);
  }, 60_000);

  afterAll(async () => {
    unwatch?.();
    await dataPath?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('control: one active; after a crash the standby takes over, and the old epoch is refused at the edge node', async () => {
    const settings = (instanceId: string) =>
      validateDocument(
        ControlConfigSchema,
        { mqtt_url: dataPath.broker.tcpUrl, interval_s: 3600, input_period_s: 2, average_window_s: 1, ack_timeout_s: 5, standby: standbyOf(redis.url, instanceId) },
        'HS_ERR_CONFIG_INVALID',
      );
    const deps = { store: dataPath.store, logger: log, clock: () => plant.timeMs };
    const pair: ControlHandle[] = [await startControl({ control: settings('control-a') }, deps), await startControl({ control: settings('control-b') }, deps)];
    const observer: MqttClient = connect(dataPath.broker.tcpUrl, { clientId: 'standby-test-observer' });
    try {
      const [first, second] = activeAndStandby(pair);
      const oldEpoch = first.lease!.epoch()!;
      expect(second.lease!.state).toEqual({ role: 'standby', holder: first.lease!.owner, epoch: oldEpoch });
      const S = plant.substationIds[0];

      // Both compute (the standby keeps its memory warm); only the active one may write.
      for (const c of pair) c.controller.setMode(undefined, 'manual', 'test');
      await eventually(async () => {
        for (const c of pair) await c.controller.cycle();
        expect(first.controller.views().map((v) => v.id)).toContain(S);
        expect(second.controller.views().map((v) => v.id)).toContain(S);
      });
      await expect(second.controller.writeSetpoint(S, 'secondary.supply_temp_setpoint', 50, 'alice')).rejects.toMatchObject({ code: 'HS_ERR_STANDBY' });
      await eventually(async () => expect(await first.controller.writeSetpoint(S, 'secondary.supply_temp_setpoint', 50, 'alice')).toMatchObject({ ok: true, value: 50 }));
      expect(plcWrites.filter((w) => w.substation === S && w.value === 50)).toHaveLength(1);

      // The active one crashes: no release, its key lapses after the ttl.
      await first.lease!.abandon();
      await eventually(() => expect(second.lease!.isActive()).toBe(true), 10_000);
      const newEpoch = second.lease!.epoch()!;
      expect(newEpoch).toBeGreaterThan(oldEpoch);
      // Its announcement reaches the edge node before any write of its own.
      await eventually(() => expect(collectorLog.lines.some((l) => l.event === 'epoch_fenced' && l.epoch === newEpoch && l.source === 'control')).toBe(true), 10_000);

      // A command of the old leader's epoch, published after the takeover: refused with its reason, and the PLC sees nothing.
      await observer.subscribeAsync(edgeTopic(DATA_PATH_GROUP, 'DDATA', EDGE, S), { qos: 1 });
      const acks = new Map<string, (outcome: CommandOutcome) => void>();
      observer.on('message', (_topic, bytes) => {
        for (const m of decodePayload(bytes).metrics) {
          if (typeof m.value !== 'string' || !m.value.startsWith('{')) continue;
          const outcome = JSON.parse(m.value) as CommandOutcome;
          acks.get(outcome.requestId)?.(outcome);
        }
      });
      /** A DCMD as the deposed leader would send it, and its acknowledgement. */
      const fromTheOldLeader = async (requestId: string): Promise<CommandOutcome> => {
        const ack = new Promise<CommandOutcome>((resolve) => acks.set(requestId, resolve));
        const metric = {
          name: 'secondary.supply_temp_setpoint',
          datatype: 'Double' as const,
          value: 65,
          properties: { requestId: { type: 'String' as const, value: requestId }, actor: { type: 'String' as const, value: 'control' }, [EPOCH_PROPERTY]: { type: 'UInt64' as const, value: oldEpoch } },
        };
        await observer.publishAsync(edgeTopic(DATA_PATH_GROUP, 'DCMD', EDGE, S), encodePayload({ timestamp: Date.now(), metrics: [metric] }), { qos: 1 });
        return ack;
      };
      const stale = { ok: false, code: 'HS_ERR_STALE_EPOCH', reason: `epoch ${oldEpoch} of control is older than epoch ${newEpoch}, which a newer leader has used: the sender was deposed` };
      const writesBefore = plcWrites.length;
      expect(await fromTheOldLeader('zombie-1')).toMatchObject({ requestId: 'zombie-1', ...stale });
      expect(plcWrites.length).toBe(writesBefore);
      const edgeAudit = new Database(path.join(dir, 'sparkplug', `${DATA_PATH_GROUP}-${EDGE}.audit.db`), { readonly: true });
      try {
        const row = edgeAudit.prepare("SELECT outcome, detail FROM audit_log WHERE detail LIKE 'request zombie-1%'").get();
        expect(row).toMatchObject({ outcome: 'refused', detail: expect.stringContaining('HS_ERR_STALE_EPOCH') });
      } finally {
        edgeAudit.close();
      }
      // A collector restart does not forget the epoch (its data_dir keeps it).
      await dataPath.restartCollector();
      await eventually(() => expect(dataPath.collector.stats()).toMatchObject({ online: true, devices: expect.arrayContaining([{ substation: S, state: 'connected' }]) }), 20_000);
      await dataPath.advance(1);
      expect(await fromTheOldLeader('zombie-2')).toMatchObject({ requestId: 'zombie-2', ...stale });
      expect(plcWrites.length).toBe(writesBefore);

      // The deposed one stops itself too, once it notices: its own writes are refused at the source.
      await eventually(() => expect(first.lease!.isActive()).toBe(false), 10_000);
      await expect(first.controller.writeSetpoint(S, 'secondary.supply_temp_setpoint', 52, 'alice')).rejects.toMatchObject({ code: 'HS_ERR_STANDBY' });

      // The new leader writes with its epoch, and the edge node takes it.
      await second.controller.cycle();
      await eventually(async () => expect(await second.controller.writeSetpoint(S, 'secondary.supply_temp_setpoint', 55, 'bob')).toMatchObject({ ok: true, value: 55 }));
      expect(plcWrites.filter((w) => w.substation === S && w.value === 55)).toHaveLength(1);
      expect(plcWrites.some((w) => w.value === 65 || w.value === 52)).toBe(false);
    } finally {
      await observer.endAsync();
      for (const c of pair) await c.stop();
    }
  }, 60_000);

  it('alarms: only the active engine journals; after a crash the standby resumes the standing alarm and journals its return', async () => {
    const rulesFile = path.join(dir, 'rules.yaml');
    writeFileSync(
      rulesFile,
      'alarms:\n  - id: hot_setpoint\n    priority: low\n    title: { en: Supply setpoint high, zh: 供水设定过高 }\n    rules:\n      - { kind: limit, tag: secondary.supply_temp_setpoint, level: H, threshold: 58 }\n',
    );
    // One alarm database for the pair (the engine's tables are SQLite): each engine its own connection.
    const dbFile = path.join(dir, 'alarms.db');
    const databases = [new Database(dbFile), new Database(dbFile)];
    for (const db of databases) db.pragma('journal_mode = WAL');
    const config = (instanceId: string) => resolveAlarmsConfig({ rules_file: rulesFile, evaluate_every_s: 0.2, standby: standbyOf(redis.url, instanceId) });
    const deps = (database: Database.Database) => ({ mqttUrl: dataPath.broker.tcpUrl, store: dataPath.store, database, group: DATA_PATH_GROUP, logger: log });
    const pair: AlarmService[] = [await startAlarms(config('alarms-a'), deps(databases[0])), await startAlarms(config('alarms-b'), deps(databases[1]))];
    const S = plant.substationIds[1];
    const activations = () => databases[0].prepare("SELECT COUNT(*) AS n FROM alarm_journal j JOIN alarms a ON a.id = j.alarm_id WHERE j.event = 'activate' AND a.substation = ?").get(S) as { n: number };
    const recordsAt = (a: AlarmService) => a.engine.records().filter((r) => r.substation === S);
    try {
      const [first, second] = activeAndStandby(pair);
      const epoch = first.lease!.epoch()!;
      expect(plant.write(S, 'secondary.supply_temp_setpoint', 62).ok).toBe(true);
      await dataPath.advance(1);
      await eventually(() => expect(recordsAt(first)).toMatchObject([{ alarm: 'hot_setpoint', substation: S, state: 'unack_active' }]));
      // The standby heard the same values and raised nothing: one activation in the shared journal.
      await new Promise((r) => setTimeout(r, 600));
      expect(recordsAt(second)).toEqual([]);
      expect(activations().n).toBe(1);
      const id = recordsAt(first)[0].id;
      expect(() => second.engine.ack(id, 'alice', 'seen')).toThrow(expect.objectContaining({ code: 'HS_ERR_STANDBY' }));

      // The active engine crashes: its lease is not given back.
      await first.lease!.abandon();
      await first.close();
      await eventually(() => expect(second.lease!.isActive()).toBe(true), 10_000);
      expect(second.lease!.epoch()!).toBeGreaterThan(epoch);
      // Resumed from the tables, not raised a second time; then its return journals on the same occurrence.
      await eventually(() => expect(recordsAt(second)).toMatchObject([{ id, state: 'unack_active' }]));
      expect(plant.write(S, 'secondary.supply_temp_setpoint', 50).ok).toBe(true);
      await dataPath.advance(1);
      await eventually(() => expect(recordsAt(second)).toMatchObject([{ id, state: 'unack_returned' }]));
      expect(activations().n).toBe(1);
      expect(second.alarms.journal(id).map((j) => j.event)).toEqual(['activate', 'return']);
    } finally {
      for (const a of pair) await a.close().catch(() => undefined);
      for (const db of databases) db.close();
    }
  }, 60_000);
});
