import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteAuditTrail } from '../audit/sqlite-audit-trail.ts';
import { snapshotDatabase } from './sqlite-snapshot.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'hs-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('snapshotDatabase', () => {
  it('copies the moment it began while a writer commits between its steps, in one file', async () => {
    const source = path.join(dir, 'store.db');
    const writer = new Database(source);
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE p (id INTEGER PRIMARY KEY, pad TEXT)');
    const insert = writer.prepare('INSERT INTO p (pad) VALUES (?)');
    const batch = writer.transaction((n: number) => {
      for (let i = 0; i < n; i++) insert.run('x'.repeat(200));
    });
    batch(20_000);
    const trail = new SqliteAuditTrail(writer);
    for (let i = 0; i < 10; i++) trail.append({ actor: 'control', source: 'test', action: 'plant.write', target: `S00${i}`, outcome: 'ok' });
    let steps = 0;
    const facts = await snapshotDatabase(source, path.join(dir, 'copy.db'), () => {
      // Another connection commits between the copy's steps, as the historian does.
      steps++;
      batch(500);
      trail.append({ actor: 'control', source: 'test', action: 'plant.write', target: 'S999', outcome: 'ok' });
    });
    expect(steps).toBeGreaterThan(1);
    expect((writer.prepare('SELECT COUNT(*) AS n FROM p').get() as { n: number }).n).toBe(20_000 + 500 * steps);
    writer.close();
    expect(facts.journal_mode).toBe('wal');
    expect(facts.tables).toEqual({ audit_log: 10, p: 20_000 });
    expect(facts.audit).toMatchObject({ records: 10, head_id: 10, chain_ok: true });
    const copy = new Database(path.join(dir, 'copy.db'), { readonly: true });
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(new SqliteAuditTrail(copy).verify()).toEqual({ ok: true, checked: 10 });
    copy.close();
    expect(readdirSync(dir).filter((f) => f.startsWith('copy'))).toEqual(['copy.db']);
  });
});
