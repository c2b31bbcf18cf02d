import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteAuditTrail } from './sqlite-audit-trail.ts';

const entry = (i: number) => ({ actor: 'alice', source: '127.0.0.1', action: 'plant.write' as const, target: `S00${i % 3}/valve_primary_sp`, oldValue: i, newValue: i + 1, outcome: 'ok' as const, detail: 'test' });

describe('SqliteAuditTrail', () => {
  it('chains every record to the one before and verifies', () => {
    const trail = new SqliteAuditTrail(new Database(':memory:'));
    const first = trail.append(entry(0));
    const second = trail.append(entry(1));
    expect(first.prev).toBe('');
    expect(second.prev).toBe(first.hash);
    expect(trail.verify()).toEqual({ ok: true, checked: 2 });
  });

  it('finds by target prefix, actor and time, newest first', () => {
    let t = 1000;
    const trail = new SqliteAuditTrail(new Database(':memory:'), () => t++);
    for (let i = 0; i < 9; i++) trail.append(entry(i));
    const s001 = trail.search({ target: 'S001' });
    expect(s001.map((r) => r.newValue)).toEqual(['8', '5', '2']);
    expect(trail.search({ from: 1005, limit: 2 }).map((r) => r.ts)).toEqual([1008, 1007]);
    expect(trail.search({ actor: 'bob' })).toEqual([]);
    expect(trail.search({ target: '%' })).toEqual([]);
  });

  it('an edited, removed or reordered record breaks the chain at that record', () => {
    const db = new Database(':memory:');
    const trail = new SqliteAuditTrail(db);
    for (let i = 0; i < 5; i++) trail.append(entry(i));
    db.prepare("UPDATE audit_log SET new_value = '99' WHERE id = 3").run();
    expect(trail.verify()).toMatchObject({ ok: false, brokenAt: 3, checked: 2 });
    db.prepare("UPDATE audit_log SET new_value = '3' WHERE id = 3").run();
    expect(trail.verify().ok).toBe(true);
    db.prepare('DELETE FROM audit_log WHERE id = 2').run();
    expect(trail.verify()).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('stores a lone surrogate as U+FFFD, so a hostile target cannot make its own record fail the check', () => {
    const trail = new SqliteAuditTrail(new Database(':memory:'));
    const record = trail.append({ ...entry(0), target: 'user:a\ud800b', detail: '\udfff' });
    expect(record.target).toBe('user:a\ufffdb');
    expect(trail.search({})[0]).toEqual(record);
    expect(trail.verify()).toEqual({ ok: true, checked: 1 });
  });

  it('stores what a careless writer passes as text (a number for a target) so that it verifies', () => {
    const trail = new SqliteAuditTrail(new Database(':memory:'));
    const record = trail.append({ ...entry(0), target: -12.5 as unknown as string });
    expect(record.target).toBe('-12.5');
    expect(trail.verify().ok).toBe(true);
  });

  it('refuses an unknown action before writing anything', () => {
    const trail = new SqliteAuditTrail(new Database(':memory:'));
    expect(() => trail.append({ ...entry(0), action: 'nope' as never })).toThrow(/HS_ERR_BAD_REQUEST/);
    expect(trail.search({})).toEqual([]);
  });
});
