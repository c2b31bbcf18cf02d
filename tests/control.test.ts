// The balancing loop over the real data path: simulated PLCs on OPC UA and Modbus TCP →
// collector → aedes → historian → SQLite; the loop reads the store and writes DCMDs that the
// collector validates, writes and acknowledges. The plant is advanced by hand, five simulated
// minutes a cycle, so hours of control take seconds; the loop's clock is the plant's time.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker } from '../broker/broker.ts';
import { followControlState } from '../alarms/control-feed.ts';
import { loadRuleSet } from '../alarms/config-schema.ts';
import { engineHarness } from '../alarms/test-support.ts';
import type { ControlAudit } from '../control/audit.ts';
import type { Controller } from '../control/controller.ts';
import type { DcmdActuator } from '../control/dcmd.ts';
import { startControl } from '../control/start.ts';
import { resolveConfig } from '../bin/config.ts';
import { ControlMode } from '../model/tags.ts';
import type { Plant } from '../simulators/plant.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { startControlRun, type ControlRun } from './helpers/control-run.ts';
import { DATA_PATH_GROUP, mixedProtocolCity, type DataPath } from './helpers/data-path.ts';
import { freePort } from './helpers/ports.ts';
import { eventually } from './helpers/eventually.ts';

const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
const CYCLE_S = 300;

describe('control over the real data path', () => {
  let run: ControlRun;
  let plant: Plant;
  let dataPath: DataPath;
  let actuator: DcmdActuator;
  let controller: Controller;
  let audit: ControlAudit;

  const supplyErrors = () => controller.views().map((v) => Math.abs(v.inputs!.supplyC - v.supplyTargetC!));

  beforeAll(async () => {
    run = await startControlRun({ city: mixedProtocolCity(4, 5), edgeNodeId: 'edge-control', hostId: 'test-historian', opcuaSamplingMs: 100, clientId: 'test-control', logger: log.child({ role: 'control' }) });
    ({ plant, dataPath, actuator, controller, audit } = run);
    // The substations and the heat source's PLC (the simulator serves it over OPC UA too).
    await eventually(() => expect(actuator.known().sort()).toEqual([...plant.substationIds, plant.spec.source.id].sort()), 30_000);
    await dataPath.advance(1);
  }, 120_000);

  afterAll(async () => {
    await run?.stop();
  });

  it('brings every substation of an imbalanced network to its supply target through DCMDs, within the envelope', async () => {
    await controller.cycle();
    const before = supplyErrors();
    for (let k = 0; k < 30; k++) {
      await dataPath.advance(CYCLE_S);
      await controller.cycle();
    }
    // Each substation is on its target, or its valve is wide open and the loop asks the source for more.
    const views = controller.views();
    const onTarget = views.filter((v) => Math.abs(v.inputs!.supplyC - v.supplyTargetC!) < 1.5);
    const starved = views.filter((v) => !onTarget.includes(v));
    expect(onTarget.length).toBeGreaterThanOrEqual(2);
    for (const v of starved) expect(v.inputs!.valveSetpointPct).toBe(100);
    // The far ones' request reaches the heat source's PLC over OPC UA (DCMD → collector → write).
    if (starved.length > 0) expect(plant.state.sourceOffsetK).toBeGreaterThan(0);
    expect(Math.max(...onTarget.map((v) => before[views.indexOf(v)]))).toBeGreaterThan(2);
    // Every valve write: one step of at most 5 %, 5 simulated minutes apart, acknowledged and audited.
    const writes = audit.recent(1000).filter((e) => e.tag === 'primary.valve_setpoint').reverse();
    expect(writes.length).toBeGreaterThan(10);
    for (const id of plant.substationIds) {
      const mine = writes.filter((e) => e.substation === id);
      for (let k = 0; k < mine.length; k++) {
        expect(mine[k]).toMatchObject({ outcome: 'accepted', actor: 'control' });
        expect(Math.abs(mine[k].newValue! - mine[k].oldValue!)).toBeLessThanOrEqual(5 + 1e-9);
        if (k > 0) expect(mine[k].ts - mine[k - 1].ts).toBeGreaterThanOrEqual(300_000);
      }
    }
    // The loop kept the PLC watchdog fed: still remote everywhere.
    for (const id of plant.substationIds) expect(plant.read(id, 'control.mode')).toBe(ControlMode.remote);
  }, 120_000);

  it("writes the heat source's setpoint like a substation's: within the catalogue's range, refused outside it", async () => {
    const id = plant.spec.source.id;
    const tag = 'source.supply_offset_setpoint';
    const ok = await actuator.send({ requestId: 'src-1', substation: id, tag, value: 4.5, actor: 'test' });
    expect(ok).toMatchObject({ ok: true, value: 4.5 });
    expect(plant.state.sourceOffsetK).toBe(4.5);
    const refused = await actuator.send({ requestId: 'src-2', substation: id, tag, value: 25, actor: 'test' });
    expect(refused).toMatchObject({ ok: false, code: 'HS_ERR_OUT_OF_RANGE' });
    expect(plant.state.sourceOffsetK).toBe(4.5);
    // A substation's PLC is no heat source.
    const wrongPlc = await actuator.send({ requestId: 'src-3', substation: plant.substationIds[0], tag, value: 2, actor: 'test' });
    expect(wrongPlc.ok).toBe(false);
  }, 30_000);

  it('reports a refused write and does not retry it blindly', async () => {
    const victim = plant.substationIds[0];
    run.refuse(victim);
    const from = run.plcWrites.length;
    for (let k = 0; k < 6; k++) {
      await dataPath.advance(CYCLE_S);
      await controller.cycle();
    }
    const mine = run.plcWrites.slice(from).filter((a) => a.substation === victim);
    expect(mine).toHaveLength(1);
    const refused = audit.recent(50, victim).find((e) => e.outcome === 'refused');
    expect(refused?.code).toBeTruthy();
    expect(controller.views().find((v) => v.id === victim)?.state).toBe('held');
    run.refuse(undefined);
  }, 60_000);

  it('leaves the substations to their PLC watchdog when the loop stops', async () => {
    const stillRemote = plant.substationIds.filter((id) => plant.read(id, 'control.mode') === ControlMode.remote);
    expect(stillRemote.length).toBeGreaterThan(0);
    for (let k = 0; k < 16; k++) await dataPath.advance(60);
    await eventually(async () => {
      const modes = await dataPath.store.latest({ tags: ['control.mode'] });
      for (const id of stillRemote) expect(modes.find((p) => p.substation === id)?.value).toBe(ControlMode.local);
    });
  }, 60_000);

  it('freezes on stale inputs, records it in the audit trail and raises the control room alarm over MQTT', async () => {
    // The alarm engine with the shipped rules, fed by the loop's state messages from the broker.
    const alarms = engineHarness(loadRuleSet('config/alarm-rules.yaml'));
    const feed = await followControlState({ mqttUrl: dataPath.broker.tcpUrl, group: DATA_PATH_GROUP, engine: alarms.engine, logger: log });
    try {
      await dataPath.collector.stop();
      await new Promise((resolve) => setTimeout(resolve, 6500));
      plant.advance(CYCLE_S);
      const report = await controller.cycle();
      expect(report.stale.sort()).toEqual([...plant.substationIds].sort());
      expect(report.written).toBe(0);
      expect(audit.recent(20).filter((e) => e.code === 'HS_ERR_CONTROL_STALE')).toHaveLength(plant.substationIds.length);
      await eventually(() => {
        alarms.run(1);
        const frozen = alarms.engine.records().filter((r) => r.alarm === 'control_frozen' && r.returnedAt === null);
        expect(frozen.map((r) => r.substation).sort()).toEqual([...plant.substationIds].sort());
      });
      expect(new SqliteAuditTrail(dataPath.store.database).verify().ok).toBe(true);
    } finally {
      await feed.close();
    }
  }, 30_000);
});

describe('startControl', () => {
  it('connects, audits into the trail in the store file, answers with no data, and stops cleanly', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-startcontrol-'));
    const broker = await startBroker({ host: '127.0.0.1', tcpPort: await freePort(), wsPort: 0, logger: log });
    const store = openSqliteStore({ file: path.join(dir, 'store.db') });
    try {
      const config = resolveConfig({ control: { mqtt_url: broker.tcpUrl, interval_s: 3600 } });
      const handle = await startControl(config, { store, logger: log, database: store.database });
      const report = await handle.controller.cycle();
      expect(report).toEqual({ written: 0, refused: 0, advised: 0, stale: [] });
      // A mode change as the API makes it: the route appends the record, the loop's view shows it.
      handle.controller.setMode(undefined, 'advisory', 'test');
      new SqliteAuditTrail(store.database).append({ actor: 'test', source: '127.0.0.1', action: 'control.mode', target: '*', oldValue: 'auto', newValue: 'advisory', outcome: 'ok' });
      expect(handle.controller.audit(5)).toMatchObject([{ tag: 'override', why: 'loop mode auto → advisory', actor: 'test', outcome: 'event' }]);
      // No table of the loop's own: one hash-chained trail.
      expect(store.database.prepare("SELECT name FROM sqlite_master WHERE name = 'control_audit'").get()).toBeUndefined();
      await handle.stop();
    } finally {
      await broker.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
