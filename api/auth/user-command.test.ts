import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteAuditTrail } from '../../store/audit/sqlite-audit-trail.ts';
import { userCommand } from './user-command.ts';
import { UserStore } from './user-store.ts';

describe('heatscada user', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'user-command-'));
  const file = path.join(dir, 'store.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds with a printed password, changes it from a file, lists; audited; bad input named', async () => {
    const added = await userCommand(file, { verb: 'add', name: 'alice', role: 'engineer', crew: undefined, passwordFile: undefined });
    expect(added[0]).toMatch(/^added alice {2}engineer {2}since /);
    const printed = /^password \(shown once\): (\S{20,})$/.exec(added[1])?.[1];
    const db = new Database(file);
    try {
      expect(await new UserStore(db).authenticate('alice', printed ?? '')).toMatchObject({ role: 'engineer' });
      const pw = path.join(dir, 'pw');
      writeFileSync(pw, 'a-new-long-password\n');
      expect(await userCommand(file, { verb: 'passwd', name: 'alice', role: undefined, crew: undefined, passwordFile: pw })).toEqual(['new password for alice']);
      expect(await new UserStore(db).authenticate('alice', 'a-new-long-password')).toBeDefined();
      expect(await userCommand(file, { verb: 'list', name: undefined, role: undefined, crew: undefined, passwordFile: undefined })).toHaveLength(1);
      expect(new SqliteAuditTrail(db).search({ target: 'user:alice' }).map((r) => [r.action, r.source])).toEqual([['user.change', 'cli'], ['user.create', 'cli']]);
    } finally {
      db.close();
    }
    await expect(userCommand(file, { verb: 'add', name: 'bob', role: 'king', crew: undefined, passwordFile: undefined })).rejects.toThrow(/at --role/);
    writeFileSync(path.join(dir, 'short'), 'short');
    await expect(userCommand(file, { verb: 'passwd', name: 'alice', role: undefined, crew: undefined, passwordFile: path.join(dir, 'short') })).rejects.toThrow(/at --password-file/);
    await expect(userCommand(file, { verb: 'passwd', name: 'carol', role: undefined, crew: undefined, passwordFile: undefined })).rejects.toThrow(/HS_ERR_NOT_FOUND.* at USER/);
  });

  it('adds a crew member with its crew; a crew role without a crew, or a crew for another role, is refused at --crew', async () => {
    expect((await userCommand(file, { verb: 'add', name: 'dan', role: 'crew', crew: 'north', passwordFile: undefined }))[0]).toMatch(/^added dan {2}crew {2}crew north {2}since /);
    await expect(userCommand(file, { verb: 'add', name: 'erin', role: 'crew', crew: undefined, passwordFile: undefined })).rejects.toThrow(/HS_ERR_BAD_REQUEST.* at --crew: .*needs a crew/);
    await expect(userCommand(file, { verb: 'add', name: 'frank', role: 'operator', crew: 'north', passwordFile: undefined })).rejects.toThrow(/at --crew: only a user of the crew role/);
    const db = new Database(file);
    try {
      expect(new UserStore(db).list().map((u) => [u.name, u.crew])).toEqual([['alice', undefined], ['dan', 'north']]);
      expect(new SqliteAuditTrail(db).search({ target: 'user:dan' }).map((r) => r.newValue)).toEqual(['role=crew crew=north']);
    } finally {
      db.close();
    }
  });
});
