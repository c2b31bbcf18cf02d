// The audit trail over a real integration run: simulated PLCs on Modbus TCP → collector →
// aedes → historian → SQLite, and the balancing loop in auto mode writing setpoints back
// through DCMDs, five simulated minutes a cycle. Every write that reached a PLC (seen from the
// simulator's side) has its `plant.write` record with old and new value and outcome; a write
// the PLC refused has its refusal. Then one record is edited in the database: verify() and
// `heatscada audit verify` both fail at that record.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../control/controller.ts';
import type { AuditRecord } from '../model/audit.ts';
import { tagDefinition } from '../model/tags.ts';
import { generateCity } from '../simulators/network/generate.ts';
import type { Plant } from '../simulators/plant.ts';
import type { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { startControlRun, type ControlRun } from './helpers/control-run.ts';
import type { DataPath } from './helpers/data-path.ts';
import { eventually } from './helpers/eventually.ts';
import type { PlcWrite } from './helpers/plc-writes.ts';

const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
const ROOT = path.join(import.meta.dirname, '..');
const CYCLE_S = 300;
const CYCLES = 14;

function auditVerifyCli(configFile: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bin', 'heatscada.ts'), 'audit', 'verify', '--config', configFile], { cwd: ROOT, timeout: 70_000 }, (error, stdout) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout });
    });
  });
}

describe('audit trail of an integration run', () => {
  let run: ControlRun;
  let plant: Plant;
  let dataPath: DataPath;
  let controller: Controller;
  let trail: SqliteAuditTrail;
  let plcWrites: PlcWrite[];

  beforeAll(async () => {
    run = await startControlRun({
      city: generateCity({ substations: 3, seed: 5, opcuaShare: 0 }),
      edgeNodeId: 'edge-audit',
      hostId: 'audit-historian',
      clientId: 'audit-control',
      settings: { start_mode: 'auto' },
      logger: log,
    });
    ({ plant, dataPath, controller, trail, plcWrites } = run);
    await eventually(() => expect(run.actuator.known()).toEqual(expect.arrayContaining([...plant.substationIds])));
    await dataPath.advance(1);
  }, 120_000);

  afterAll(async () => {
    await run?.stop();
  });

  it('has a plant.write record, with old and new value and outcome, for every write that reached a PLC', async () => {
    for (let k = 0; k < CYCLES; k++) {
      // A stretch in the middle where one PLC refuses whatever it is sent.
      run.refuse(k >= 6 && k < 9 ? plant.substationIds[0] : undefined);
      await dataPath.advance(CYCLE_S);
      await controller.cycle();
    }
    run.refuse(undefined);
    const accepted = plcWrites.filter((w) => w.result.ok);
    const refused = plcWrites.filter((w) => !w.result.ok);
    expect(accepted.length).toBeGreaterThan(10);
    expect(refused.length).toBeGreaterThan(0);

    const records = trail.search({ action: 'plant.write', limit: 1000 }).reverse();
    const targets = new Set([...plcWrites.map((w) => `${w.substation}/${w.tag}`), ...records.map((r) => r.target)]);
    for (const target of targets) {
      // In order, write by write: the PLC's writes and the trail's records of that tag pair up one to one.
      const mine = plcWrites.filter((w) => `${w.substation}/${w.tag}` === target);
      const audited = records.filter((r) => r.target === target);
      expect(audited.map((r) => r.outcome), target).toEqual(mine.map((w) => (w.result.ok ? 'ok' : 'refused')));
      mine.forEach((w, i) => {
        const record: AuditRecord = audited[i];
        expect(record, target).toMatchObject({ actor: 'control', source: 'loop' });
        // The value the PLC received is the one recorded, to the register's resolution (0.1).
        expect(Number(record.newValue)).toBeCloseTo(w.value, 1);
        const def = tagDefinition(w.tag);
        expect(Number(record.oldValue)).toBeGreaterThanOrEqual(def.min);
        expect(Number(record.oldValue)).toBeLessThanOrEqual(def.max);
        if (!w.result.ok) expect(record.detail).toContain(w.result.code);
      });
    }
    expect(trail.verify()).toEqual({ ok: true, checked: trail.count() });
    process.stdout.write(`audit: ${plcWrites.length} writes reached a PLC (${refused.length} refused there) on ${targets.size} tags, each with its plant.write record\n`);
  }, 180_000);

  it('breaks at the one record edited in the database: verify() and `heatscada audit verify`', async () => {
    const configFile = path.join(run.dir, 'audit.yaml');
    writeFileSync(configFile, `store:\n  kind: sqlite\n  sqlite: { file: ${JSON.stringify(path.join(run.dir, 'store.db'))} }\n`);
    const total = trail.count();
    const intact = await auditVerifyCli(configFile);
    expect(intact).toEqual({ code: 0, stdout: `audit chain ok: ${total} records\n` });

    const victim = trail.search({ action: 'plant.write', outcome: 'ok', limit: 1000 })[3];
    // Someone makes a write look smaller than it was.
    dataPath.store.database.prepare('UPDATE audit_log SET new_value = ? WHERE id = ?').run(String(Number(victim.newValue) - 1), victim.id);
    expect(trail.verify()).toMatchObject({ ok: false, brokenAt: victim.id, checked: victim.id - 1 });
    const broken = await auditVerifyCli(configFile);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(new RegExp(`^audit chain BROKEN at record ${victim.id}: `));
  }, 150_000);
});
