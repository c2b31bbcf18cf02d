// `heatscada backup` while a writer process keeps writing points and audit records, then
// `heatscada restore` into a fresh folder: the copy is one consistent moment of the store,
// everything else came along (users, secrets with their modes, an edge audit log, the
// configuration), the audit chains verify; a damaged, unfinished or clashing restore writes nothing.

import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../api/auth/user-store.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { readManifest, type Manifest } from '../store/backup/manifest.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { eventually } from './helpers/eventually.ts';
import { startStoreWriter, WRITER_START_TS, writerSeries, writerValue } from './helpers/store-writer.ts';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'heatscada.ts');
// The CLI runs in other folders than the package's, so tsx is named by its file.
const TSX = import.meta.resolve('tsx');
const SERIES = 200;
const PASSWORD = 'correct-horse-battery-staple-7';
const EDGE_AUDIT = 'data/sparkplug/heatscada-collector-1.audit.db';

const base = mkdtempSync(path.join(tmpdir(), 'hs-backup-'));
const site = path.join(base, 'site');
const backupDir = path.join(base, 'backup');
const fresh = path.join(base, 'fresh');
afterAll(() => rmSync(base, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function heatscada(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, BIN, ...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const modeOf = (file: string): number => statSync(file).mode & 0o777;

/** A site as the all-in-one leaves it: store, edge audit log, secrets, certificate, configuration. */
function makeSite(): void {
  mkdirSync(path.join(site, 'data', 'secrets'), { recursive: true });
  mkdirSync(path.join(site, 'data', 'tls'), { recursive: true });
  mkdirSync(path.join(site, 'data', 'sparkplug'), { recursive: true });
  writeFileSync(
    path.join(site, 'heatscada.yaml'),
    [
      'store: { sqlite: { file: ./data/heatscada.db } }',
      'simulate: { data_dir: ./data }',
      'collect: { data_dir: ./data }',
      'broker: { credentials_file: ./data/mqtt-credentials.yaml, tls: { port: 8883, cert_file: ./data/tls/broker.crt, key_file: ./data/tls/broker.key } }',
      'alarms: { rules_file: ./alarm-rules.yaml }',
      '',
    ].join('\n'),
  );
  copyFileSync(path.join(ROOT, 'config', 'alarm-rules.yaml'), path.join(site, 'alarm-rules.yaml'));
  for (const [name, text] of [
    ['data/secrets/mqtt.json', '{"api":"s3cret"}\n'],
    ['data/tls/broker.key', '-----BEGIN PRIVATE KEY-----\n'],
    ['password', `${PASSWORD}\n`],
  ]) {
    writeFileSync(path.join(site, name), text);
    chmodSync(path.join(site, name), 0o600);
  }
  writeFileSync(path.join(site, 'data/tls/broker.crt'), '-----BEGIN CERTIFICATE-----\n');
  writeFileSync(path.join(site, 'data/mqtt-credentials.yaml'), 'principals: []\n');
  const edge = new Database(path.join(site, EDGE_AUDIT));
  edge.pragma('journal_mode = WAL');
  const trail = new SqliteAuditTrail(edge);
  for (let i = 0; i < 25; i++) trail.append({ actor: 'control', source: 'collector-1', action: 'plant.write', target: `S00${i % 9}/secondary.supply_temp_sp`, oldValue: 50, newValue: 51, outcome: 'ok' });
  edge.close();
}

describe('heatscada backup and restore', () => {
  let manifest: Manifest;
  let backupRun: Run;
  let writerBefore = 0;
  let writerAfter = 0;

  beforeAll(async () => {
    makeSite();
    expect((await heatscada(site, 'user', 'add', 'alice', '--role', 'operator', '--password-file', 'password', '--config', 'heatscada.yaml')).code).toBe(0);
    const writer = startStoreWriter(site, ['--file', 'data/heatscada.db', '--series', String(SERIES), '--report', '10']);
    try {
      await eventually(() => expect(writer.batches()).toBeGreaterThanOrEqual(100));
      writerBefore = writer.batches();
      backupRun = await heatscada(site, 'backup', '--config', 'heatscada.yaml', '--to', backupDir);
      expect(backupRun.stderr).toBe('');
      expect(backupRun.code).toBe(0);
      manifest = readManifest(backupDir);
      // The writer goes on past the snapshot: the copy never held it up.
      const tables = manifest.files.find((f) => f.path === 'data/heatscada.db')?.sqlite?.tables ?? {};
      const snapshotBatches = ((tables.points ?? 0) + (tables.points_recent ?? 0)) / SERIES;
      await eventually(() => expect(writer.batches()).toBeGreaterThan(snapshotBatches + 10));
    } finally {
      writer.child.kill('SIGTERM');
      await writer.exited;
    }
    writerAfter = writer.batches();
  }, 60_000);

  it('copies the store, the edge audit log, users, secrets and configuration, owner-only', () => {
    expect(backupRun.stdout).toMatch(/^backup in .*: 8 files/);
    expect(manifest.files.map((f) => [f.path, f.kind, f.mode])).toEqual([
      ['alarm-rules.yaml', 'file', '0644'],
      ['data/heatscada.db', 'sqlite', '0600'],
      ['data/mqtt-credentials.yaml', 'file', '0644'],
      ['data/secrets/mqtt.json', 'file', '0600'],
      [EDGE_AUDIT, 'sqlite', '0644'],
      ['data/tls/broker.crt', 'file', '0644'],
      ['data/tls/broker.key', 'file', '0600'],
      ['heatscada.yaml', 'file', '0644'],
    ]);
    expect(manifest.config).toBe('heatscada.yaml');
    expect(Date.parse(manifest.created_at)).not.toBeNaN();
    expect(manifest.created_at).toMatch(/Z$/);
    expect(modeOf(backupDir)).toBe(0o700);
    expect(modeOf(path.join(backupDir, 'files/rel/data/secrets/mqtt.json'))).toBe(0o600);
    // Nothing but the copies and the manifest: no -wal or -shm of the copied databases.
    expect(readdirSync(path.join(backupDir, 'files/rel/data/sparkplug'))).toEqual([path.basename(EDGE_AUDIT)]);
  });

  it('restores into a fresh folder and every audit chain verifies', async () => {
    mkdirSync(fresh);
    const run = await heatscada(fresh, 'restore', '--from', backupDir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('restored 8 files');
    expect(run.stdout).toMatch(/audit chain ok: \d+ records in data\/heatscada.db, head [0-9a-f]{12} as in the backup/);
    expect(run.stdout).toContain(`audit chain ok: 25 records in ${EDGE_AUDIT}`);
    for (const f of manifest.files) expect(modeOf(path.join(fresh, f.path))).toBe(parseInt(f.mode, 8));
    expect(readFileSync(path.join(fresh, 'data/secrets/mqtt.json'), 'utf8')).toBe('{"api":"s3cret"}\n');
    // The project's own check agrees.
    const verify = await heatscada(fresh, 'audit', 'verify', '--config', 'heatscada.yaml');
    expect(verify.stdout).toMatch(/^audit chain ok: \d+ records\n$/);
  });

  it('restores one consistent moment of the store, taken while the writer wrote', async () => {
    const file = path.join(fresh, 'data/heatscada.db');
    const facts = manifest.files.find((f) => f.path === 'data/heatscada.db')!.sqlite!;
    const db = new Database(file);
    let n = 0;
    try {
      for (const [table, rows] of Object.entries(facts.tables)) expect([table, (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n]).toEqual([table, rows]);
      const perSeries = db
        .prepare<[], { substation: string; tag: string; n: number; first: number; last: number }>(
          'SELECT s.substation, s.tag, COUNT(*) AS n, MIN(p.ts) AS first, MAX(p.ts) AS last FROM (SELECT * FROM points UNION ALL SELECT * FROM points_recent) p JOIN series s ON s.id = p.series_id GROUP BY s.id ORDER BY s.id',
        )
        .all();
      // Every series holds the same batches 0 … n - 1: no batch torn, none half there.
      n = perSeries[0].n;
      expect(perSeries).toEqual(Array.from({ length: SERIES }, (_, i) => ({ ...writerSeries(i), n, first: WRITER_START_TS, last: WRITER_START_TS + (n - 1) * 1000 })));
      expect(n).toBeGreaterThanOrEqual(writerBefore);
      expect(n).toBeLessThan(writerAfter);
      // Each point is one the writer wrote, with its value.
      const wrong = db
        .prepare<[], { id: number; ts: number; value: number }>('SELECT p.series_id - 1 AS id, p.ts, p.value FROM (SELECT * FROM points UNION ALL SELECT * FROM points_recent) p')
        .all()
        .filter((p) => p.value !== writerValue(p.id, (p.ts - WRITER_START_TS) / 1000));
      expect(wrong).toEqual([]);
      // The audit record of a batch follows its points, in its own transaction.
      const records = (db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE actor = 'writer'").get() as { n: number }).n;
      expect([n - 1, n]).toContain(records);
      expect(facts.audit).toMatchObject({ records: records + 1, chain_ok: true });
      // The people: alice signs in with her password.
      const users = new UserStore(db);
      expect((await users.authenticate('alice', PASSWORD))?.role).toBe('operator');
      expect(await users.authenticate('alice', 'wrong-password-entirely')).toBeUndefined();
    } finally {
      db.close();
    }
    // The store opens the restored file as its own.
    const store = openSqliteStore({ file });
    try {
      const latest = await store.latest({ substations: [writerSeries(0).substation] });
      const newest = WRITER_START_TS + (n - 1) * 1000;
      expect(latest.map((p) => [p.tag, p.ts]).sort()).toEqual([0, 1, 2, 3].map((i) => [writerSeries(i).tag, newest]).sort());
    } finally {
      await store.close();
    }
  });

  it('refuses a damaged or unfinished backup and writes nothing', async () => {
    const damaged = path.join(base, 'damaged');
    const unfinished = path.join(base, 'unfinished');
    cpSync(backupDir, damaged, { recursive: true });
    cpSync(backupDir, unfinished, { recursive: true });
    const copy = path.join(damaged, 'files/rel/data/heatscada.db');
    const bytes = readFileSync(copy);
    bytes[bytes.length >> 1] ^= 0x01;
    writeFileSync(copy, bytes);
    rmSync(path.join(unfinished, 'manifest.json'));
    const targets = ['t1', 't2'].map((t) => path.join(base, t));
    for (const t of targets) mkdirSync(t);
    const [onDamaged, onUnfinished] = await Promise.all([heatscada(targets[0], 'restore', '--from', damaged), heatscada(targets[1], 'restore', '--from', unfinished)]);
    expect(onDamaged.code).toBe(1);
    expect(onDamaged.stderr).toMatch(/HS_ERR_BACKUP_INVALID: .*files\/rel\/data\/heatscada.db \(data\/heatscada.db\) does not match its checksum/);
    expect(onUnfinished.code).toBe(1);
    expect(onUnfinished.stderr).toMatch(/HS_ERR_BACKUP_INVALID: .*no manifest.json .*did not finish/);
    for (const t of targets) expect(readdirSync(t)).toEqual([]);
  });

  it('refuses to replace existing data without --force, and a database in use even with it', async () => {
    const store = path.join(fresh, 'data/heatscada.db');
    // Data written since the restore, by a connection left open as a running platform holds it.
    // (No plain read of the file in this process meanwhile: closing any descriptor of a file
    // drops the process's POSIX locks on it, SQLite's too.)
    const db = new Database(store);
    const trail = new SqliteAuditTrail(db);
    const since = trail.append({ actor: 'alice', source: 'api', action: 'alarm.ack', target: 'S001', outcome: 'ok' });
    const clash = await heatscada(fresh, 'restore', '--from', backupDir);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/HS_ERR_RESTORE_EXISTS: .*data\/heatscada.db/);
    const busy = await heatscada(fresh, 'restore', '--from', backupDir, '--force');
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/HS_ERR_RESTORE_IN_USE: .*data\/heatscada.db open in another process/);
    expect(trail.search({ limit: 1 })[0]).toEqual(since);
    expect(trail.verify().ok).toBe(true);
    db.close();
    expect(readdirSync(path.join(fresh, 'data')).filter((f) => f.endsWith('.restore-tmp'))).toEqual([]);
    const forced = await heatscada(fresh, 'restore', '--from', backupDir, '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/audit chain ok: .* as in the backup/);
    expect(existsSync(`${store}-wal`)).toBe(false);
    const restored = new Database(store, { readonly: true });
    expect(restored.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE actor = 'alice'").get()).toEqual({ n: 0 });
    restored.close();
  });

  it('names a bad argument', async () => {
    const [noTo, notEmpty, noFrom] = await Promise.all([heatscada(site, 'backup'), heatscada(site, 'backup', '--config', 'heatscada.yaml', '--to', fresh), heatscada(site, 'restore')]);
    expect(noTo).toMatchObject({ code: 2, stderr: expect.stringContaining("'backup --to DIR'") });
    expect(notEmpty).toMatchObject({ code: 1, stderr: expect.stringMatching(/HS_ERR_BAD_REQUEST: .* at --to: .* is not empty/) });
    expect(noFrom).toMatchObject({ code: 2, stderr: expect.stringContaining("'restore --from DIR [--force]'") });
  });
});
