// Disk full (issue 15): the historian's store and the collector's store-and-forward buffer on a
// real, size-limited folder (a tmpfs, tests/helpers/small-disk.ts), with the real broker and its
// ACL, the real historian (SQLite writer thread), a real edge node and the real alarm engine over
// loopback. The disk is filled while data keeps coming, the broker goes away and returns while
// it is full, then the filler is deleted: every point produced must be in the store, counted, and
// the disk_full alarm of each role must have been raised and must return.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlarms, type AlarmService } from '../alarms/alarms.ts';
import { resolveAlarmsConfig } from '../alarms/config-schema.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { principalAuth } from '../broker/principal-auth.ts';
import type { CredentialedPrincipal } from '../broker/credentials.ts';
import { resolveEdgeNodeConfig } from '../collectors/sparkplug/edge-node-config.ts';
import { EdgeNode } from '../collectors/sparkplug/edge-node.ts';
import { startHistorian, type Historian } from '../store/historian/historian.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { openSqliteWriter, type SqliteWriter } from '../store/sqlite/worker-writer.ts';
import { captureLog } from './helpers/capture-log.ts';
import { eventually } from './helpers/eventually.ts';
import { credentialed, ROLE_PASSWORDS, rolePrincipals } from './helpers/mqtt-principals.ts';
import { PlantDriver } from './helpers/plant-driver.ts';
import { freePort } from './helpers/ports.ts';
import { mountSmallDisk, smallDiskUnavailable, type SmallDisk } from './helpers/small-disk.ts';
import { TablePlc } from './helpers/table-plc.ts';

const unavailable = smallDiskUnavailable();
const GROUP = 'city';
const HOST_ID = 'hist-1';
const SUBSTATIONS = ['S001', 'S002'];
const retry = { firstMs: 50, maxMs: 300, minFreeBytes: 256 * 1024 };
/** The historian's hold: the replay after the broker's return overflows it, so back-pressure is exercised too. */
const HOLD_MAX_POINTS = 200;
const REPLAY_BATCH = 50;

/** A table PLC with a clock: each poll is one new second, and its heartbeat counts on, so each poll yields exactly one new point per substation. */
class CountingPlc extends TablePlc {
  timeMs = Date.UTC(2026, 0, 10);
  tick(): void {
    this.timeMs += 1000;
    for (const s of this.substationIds) this.set(s, 'plc.heartbeat', (Number(this.read(s, 'plc.heartbeat')) + 1) % 65536);
  }
}

describe.skipIf(unavailable !== undefined)(`disk full: historian and store-and-forward buffer${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let disk: SmallDisk;
  let work: string;
  let principals: CredentialedPrincipal[];
  let port: number;
  let broker: Broker | undefined;
  let reader: SqliteStore;
  let writer: SqliteWriter;
  let historian: Historian;
  let alarmsDb: Database.Database;
  let alarms: AlarmService;
  let edge: EdgeNode;
  const plc = new CountingPlc(SUBSTATIONS);
  const drivers = SUBSTATIONS.map((s) => new PlantDriver(plc, s));
  const { log, lines } = captureLog('info');
  let polls = 0;
  /** Heartbeat points produced per substation: the reading each device is born with, then one per poll. */
  const produced = (): number => polls + 1;

  const poll = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      plc.tick();
      for (const d of drivers) d.poll();
      polls++;
      // Let the points travel (a real poll period is a second; a few ms is enough here).
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const stored = async (): Promise<number[]> =>
    Promise.all(SUBSTATIONS.map((substation) => reader.count({ substation, tag: 'plc.heartbeat' }, 0, Date.UTC(2100, 0, 1))));
  const alarmOf = (where: string) => alarms.engine.records().find((r) => r.alarm === 'disk_full' && r.substation === where);
  const startOurBroker = async (): Promise<Broker> =>
    startBroker({ host: '127.0.0.1', tcpPort: port, wsPort: 0, auth: principalAuth(principals, log.child({ role: 'broker' })), logger: log.child({ role: 'broker' }) });

  beforeAll(async () => {
    disk = mountSmallDisk(3 * 1024 * 1024);
    work = mkdtempSync(path.join(tmpdir(), 'heatscada-disk-full-'));
    principals = await credentialed(rolePrincipals(GROUP, HOST_ID), ROLE_PASSWORDS);
    port = await freePort();
    broker = await startOurBroker();
    const url = `mqtt://127.0.0.1:${port}`;
    const file = path.join(disk.dir, 'heatscada.db');
    reader = openSqliteStore({ file, walMb: 1 });
    writer = openSqliteWriter({ file, walMb: 1 });
    historian = await startHistorian({
      mqttUrl: url,
      mqttLogin: { username: 'historian', password: ROLE_PASSWORDS.historian },
      hostId: HOST_ID,
      group: GROUP,
      store: writer,
      batchMaxPoints: 100,
      batchMaxMs: 20,
      holdMaxPoints: HOLD_MAX_POINTS,
      retry,
      deviceOwnersFile: path.join(work, 'owners.json'),
      logger: log.child({ role: 'historian' }),
    });
    // The engine's own tables on another disk: on the full one it could not record the alarm (README: limits).
    alarmsDb = new Database(path.join(work, 'alarms.db'));
    alarms = await startAlarms(resolveAlarmsConfig({ rules_file: 'config/alarm-rules.yaml', evaluate_every_s: 0.1 }), {
      mqttUrl: url,
      mqttLogin: { username: 'alarms', password: ROLE_PASSWORDS.alarms },
      group: GROUP,
      store: reader,
      database: alarmsDb,
      deliver: async () => undefined,
      logger: log.child({ role: 'alarms' }),
    });
    const config = resolveEdgeNodeConfig({
      mqtt: { url, username: 'c1', password: ROLE_PASSWORDS.c1, reconnect_s: 0.2 },
      group_id: GROUP,
      edge_node_id: 'c1',
      // Births and replay wait for the historian's STATE: after the broker's restart it subscribes anew.
      primary_host_id: HOST_ID,
      data_dir: path.join(disk.dir, 'edge'),
      poll_interval_s: 86_400, // the test polls
      refresh_interval_s: 86_400,
      buffer_min_free_mb: 0.25,
      replay_batch: REPLAY_BATCH,
    });
    for (const d of drivers) await d.connect();
    edge = new EdgeNode(config, drivers, log.child({ role: 'collector' }));
    await edge.start();
    await eventually(() => expect(historian.stats().devices).toBe(SUBSTATIONS.length), 10_000);
  }, 30_000);

  afterAll(async () => {
    if (process.env.DEBUG_DISK_FULL) for (const l of lines) if (l.level >= 30 && l.role !== 'broker') console.log(JSON.stringify(l).slice(0, 400));
    await edge?.stop();
    await alarms?.close();
    alarmsDb?.close();
    await historian?.stop();
    await writer?.close();
    await reader?.close();
    await broker?.close();
    disk?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('raises disk_full for each role, crashes nothing, and once space returns stores every point and returns the alarms', async () => {
    await poll(10);
    await eventually(async () => expect(await stored()).toEqual([produced(), produced()]), 10_000);
    expect(alarms.roleStatus?.stats().received).toBeGreaterThanOrEqual(2); // both roles said ok

    // The historian's disk fills while the plant keeps reporting.
    disk.fill();
    await poll(40);
    await eventually(() => expect(alarmOf(`historian/${HOST_ID}`)?.state).toBe('unack_active'), 10_000);
    expect(historian.stats().points.held).toBeGreaterThan(0);
    expect(lines.filter((l) => /^store full: holding \d+ points, retrying$/.test(l.msg))).toHaveLength(1);

    // The broker goes away while the disk is full: the edge node buffers, and its file cannot grow.
    await broker!.close();
    broker = undefined;
    await eventually(() => expect(edge.stats().online).toBe(false), 10_000);
    await poll(200);
    await eventually(() => expect(edge.stats().bufferedInMemory).toBeGreaterThan(0), 10_000);
    broker = await startOurBroker();
    await eventually(() => expect(alarmOf(`collector/${GROUP}-c1`)?.state).toBe('unack_active'), 15_000);
    await poll(20);
    expect(edge.stats().pointsDropped).toBe(0);
    // Beyond its bound the historian takes no more messages: what it holds stops growing (one
    // batch and one message past the bound at most), the rest waits at the broker unacknowledged.
    await eventually(() => expect(historian.stats().points.held).toBeGreaterThanOrEqual(HOLD_MAX_POINTS), 10_000);
    expect(historian.stats().points.held).toBeLessThanOrEqual(HOLD_MAX_POINTS + 100 + REPLAY_BATCH);

    // Space returns: every held point reaches the store, each role says ok, the alarms return.
    disk.free();
    await eventually(async () => {
      expect(await stored()).toEqual([produced(), produced()]);
      expect(edge.stats().bufferedNow).toBe(0);
      expect(historian.stats().points).toMatchObject({ held: 0, failed: 0 });
    }, 20_000);
    await eventually(() => {
      expect(alarmOf(`historian/${HOST_ID}`)?.state).toBe('unack_returned');
      expect(alarmOf(`collector/${GROUP}-c1`)?.state).toBe('unack_returned');
    }, 10_000);
    expect(lines.filter((l) => l.event === 'store_recovered').length).toBeGreaterThanOrEqual(1);
    expect(lines.filter((l) => l.event === 'buffer_disk_recovered')).toHaveLength(1);
    expect(alarms.roleStatus?.stats().invalid).toBe(0);
  }, 60_000);
});
