import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseInUse } from './in-use.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'hs-in-use-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('databaseInUse', () => {
  it('sees an idle open connection to a WAL database, and none once it is closed', () => {
    const file = path.join(dir, 'store.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (a); INSERT INTO t VALUES (1)');
    expect(databaseInUse(file)).toBe(true);
    db.close();
    expect(databaseInUse(file)).toBe(false);
    // The probe left the data as it was.
    const again = new Database(file, { readonly: true });
    expect(again.prepare('SELECT a FROM t').all()).toEqual([{ a: 1 }]);
    again.close();
  });

  it('takes a file that is not a database for one nobody uses', () => {
    const file = path.join(dir, 'text.db');
    writeFileSync(file, 'not a database, only long enough to have a header '.repeat(4));
    expect(databaseInUse(file)).toBe(false);
  });
});
