// `heatscada service import` as an operator runs it: a real 12345 export on disk, the store's real
// SQLite file, every bad row printed and nothing written; the fixed file imported; again, nothing added.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MAPPING_12345 } from '../service/config-schema.ts';
import { demoBuildings } from '../service/demo-address-book.ts';
import { exportCsv, exportXlsx } from '../service/import/write-export.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { BAD_ROWS, sampleTickets, withBadRows } from './helpers/ticket-export.ts';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'heatscada.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'hs-service-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function heatscada(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: ROOT, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe('heatscada service import', () => {
  const store = path.join(dir, 'heatscada.db');
  const config = path.join(dir, 'config.yaml');
  writeFileSync(config, `store:\n  kind: sqlite\n  sqlite: { file: ${JSON.stringify(store)} }\n`);
  // The configuration names no address book: the simulated city's (the default generated city).
  const rows = sampleTickets(1000, demoBuildings(generateCity({ substations: 24, seed: 1 }).substations), Date.UTC(2026, 10, 20));
  const count = (): number => {
    const db = new Database(store, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM complaints').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('prints every bad row and column and writes nothing; imports the fixed file; adds nothing the second time', async () => {
    const bad = path.join(dir, '12345-bad.csv');
    writeFileSync(bad, exportCsv(MAPPING_12345, withBadRows(rows)));
    const refused = await heatscada('service', 'import', bad, '--config', config);
    expect(refused.code).toBe(1);
    const lines = refused.stdout.trim().split('\n');
    expect(lines).toHaveLength(BAD_ROWS.length + 1);
    BAD_ROWS.forEach((b, i) => {
      expect(lines[i]).toMatch(new RegExp(`^row ${b.index + 2}, column ${MAPPING_12345[b.field]}: `));
      expect(lines[i].replace(/^row \d+, column [^:]+: /, '')).toMatch(b.message);
    });
    expect(lines.at(-1)).toBe('nothing imported: 10 bad cells in 10 row(s)');
    expect(refused.stderr).toContain('heatscada service import: 12345-bad.csv (CSV');
    expect(count()).toBe(0);

    const good = path.join(dir, '12345.xlsx');
    writeFileSync(good, await exportXlsx(MAPPING_12345, rows));
    const imported = await heatscada('service', 'import', good, '--config', config, '--mapping', '12345');
    expect(imported.stdout).toBe('imported 1000, duplicates 0 (1000 rows)\n');
    expect(imported.code).toBe(0);
    expect(count()).toBe(1000);

    const again = await heatscada('service', 'import', good, '--config', config);
    expect(again.stdout).toBe('imported 0, duplicates 1000 (1000 rows)\n');
    expect(count()).toBe(1000);
  });

  it('refuses a usage mistake with exit 2, and an unknown mapping or file type naming it', async () => {
    expect((await heatscada('service', 'export')).code).toBe(2);
    const csv = path.join(dir, 'one.csv');
    writeFileSync(csv, exportCsv(MAPPING_12345, rows.slice(0, 1)));
    const mapping = await heatscada('service', 'import', csv, '--config', config, '--mapping', 'wechat');
    expect(mapping.code).toBe(1);
    expect(mapping.stderr).toMatch(/HS_ERR_BAD_REQUEST.*--mapping.*no import mapping "wechat"/);
    const text = path.join(dir, 'tickets.txt');
    writeFileSync(text, 'x');
    expect((await heatscada('service', 'import', text, '--config', config)).stderr).toMatch(/HS_ERR_BAD_REQUEST.*\.csv or an \.xlsx/);
  });
});
