import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heatscada-schema-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Each process migrates the same new file; the migration is slow (a table filled by a recursive
// CTE) so the others read the version while the first still holds the write lock.
const MIGRATE = `
import Database from 'better-sqlite3';
import { migrateComponent } from ${JSON.stringify(path.resolve('store/sqlite/schema.ts'))};
const db = new Database(process.argv[1], { timeout: 20000 });
db.pragma('journal_mode = WAL');
migrateComponent(db, 'race', [
  'CREATE TABLE filled (n INTEGER); WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 300000) INSERT INTO filled SELECT n FROM c',
]);
db.close();
`;

function migrateInChild(file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', MIGRATE, file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('migrateComponent', () => {
  it('runs a migration once when several processes open a new file together', async () => {
    const file = path.join(dir, 'race.sqlite');
    const results = await Promise.all([1, 2, 3, 4].map(() => migrateInChild(file)));
    expect(results.map((r) => r.stderr.split('\n').find((l) => l.includes('Error')) ?? '')).toEqual(['', '', '', '']);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM filled').get()).toEqual({ n: 300000 });
    expect(db.prepare("SELECT version FROM schema_version WHERE component = 'race'").get()).toEqual({ version: 1 });
    db.close();
  }, 60_000);
});
