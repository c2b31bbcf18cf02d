import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreConfigSchema } from './config-schema.ts';
import { validateDocument } from '../model/validate.ts';
import { scheduleRetention } from './retention.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

const DAY = 86_400_000;
const log = pino({ level: 'silent' });

describe('scheduled retention', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('drops raw points older than retention_days at start, keeps newer ones', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hs-retention-'));
    const file = path.join(dir, 'store.db');
    const store = openSqliteStore({ file, rollups: false });
    const now = Date.now();
    const series = { substation: 'S001', tag: 'primary.supply_temp' };
    await store.write([
      { ...series, ts: now - 40 * DAY, value: 1, quality: 'good' },
      { ...series, ts: now - 1 * DAY, value: 2, quality: 'good' },
    ]);
    const config = validateDocument(StoreConfigSchema, { sqlite: { file, retention_days: 30, rollups: false } }, 'HS_ERR_CONFIG_INVALID');
    const stop = scheduleRetention(store, config, log);
    await expect.poll(() => store.count(series, 0, now + DAY)).toBe(1);
    expect(await store.count(series, now - 2 * DAY, now + DAY)).toBe(1);
    stop();
    await store.close();
  });

  it('schedules nothing when raw points are kept forever', async () => {
    const config = validateDocument(StoreConfigSchema, { sqlite: { retention_days: 0 } }, 'HS_ERR_CONFIG_INVALID');
    let calls = 0;
    const stop = scheduleRetention({ applyRetention: async () => (calls++, 0) }, config, log);
    stop();
    expect(calls).toBe(0);
  });
});
