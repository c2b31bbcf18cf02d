import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDocument, validateDocument } from '../model/validate.ts';
import { StoreConfigSchema, type StoreConfig } from './config-schema.ts';
import { openStore, retentionCutoff } from './open-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'heatscada-open-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const section = (doc: unknown): StoreConfig => validateDocument(StoreConfigSchema, doc, 'HS_ERR_CONFIG_INVALID');
const DAY = 86_400_000;

describe('store configuration', () => {
  it('defaults to SQLite under ./data with rollups and 30 days of raw points', () => {
    expect(section({})).toEqual({
      kind: 'sqlite',
      sqlite: { file: './data/heatscada.db', rollups: true, rollup_after_s: 300, retention_days: 30, cache_mb: 64, wal_mb: 256 },
    });
  });

  it.each(['sqlite', 'influxdb', 'clickhouse'])('the %s sample.yaml is a valid section', (kind) => {
    const doc = loadDocument(Type.Object({ store: Type.Unknown() }), path.join(here, kind, 'sample.yaml'), 'HS_ERR_CONFIG_INVALID');
    expect(section(doc.store).kind).toBe(kind);
  });

  it('names the bad field', () => {
    expect(() => section({ kind: 'mongodb' })).toThrow(/\/kind/);
    expect(() => section({ sqlite: { rollup_after_s: -1 } })).toThrow(/\/sqlite\/rollup_after_s/);
    expect(() => section({ kind: 'influxdb', influxdb: { url: 'not a url', org: 'o', bucket: 'b' } })).toThrow(/\/influxdb\/url/);
  });

  it('opens SQLite from its section', async () => {
    const store = await openStore(section({ sqlite: { file: path.join(dir, 'sub', 'h.db'), rollup_after_s: 60 } }));
    expect(store).toBeInstanceOf(SqliteStore);
    await store.close();
  });

  it('refuses influxdb without its section or its token', async () => {
    await expect(openStore(section({ kind: 'influxdb' }))).rejects.toMatchObject({ code: 'HS_ERR_CONFIG_INVALID', path: '/store/influxdb' });
    const influx = section({ kind: 'influxdb', influxdb: { url: 'http://127.0.0.1:1', org: 'o', bucket: 'b', token_env: 'HS_TEST_NO_SUCH_VAR' } });
    await expect(openStore(influx, {})).rejects.toMatchObject({ code: 'HS_ERR_CONFIG_INVALID', path: '/store/influxdb/token_env' });
  });

  it('refuses clickhouse without its section or its password, and names a bad database', async () => {
    await expect(openStore(section({ kind: 'clickhouse' }))).rejects.toMatchObject({ code: 'HS_ERR_CONFIG_INVALID', path: '/store/clickhouse' });
    const ch = section({ kind: 'clickhouse', clickhouse: { urls: ['http://127.0.0.1:1'], password_env: 'HS_TEST_NO_SUCH_VAR' } });
    await expect(openStore(ch, {})).rejects.toMatchObject({ code: 'HS_ERR_CONFIG_INVALID', path: '/store/clickhouse/password_env' });
    expect(() => section({ kind: 'clickhouse', clickhouse: { urls: ['http://x:8123'], database: 'a-b' } })).toThrow(/\/clickhouse\/database/);
    expect(() => section({ kind: 'clickhouse', clickhouse: { urls: [] } })).toThrow(/\/clickhouse\/urls/);
  });

  it('turns retention days into a cut-off, none for 0', () => {
    const now = Date.UTC(2024, 0, 31);
    expect(retentionCutoff(section({}), now)).toBe(now - 30 * DAY);
    expect(retentionCutoff(section({ sqlite: { retention_days: 0 } }), now)).toBeUndefined();
    expect(retentionCutoff(section({ kind: 'influxdb', influxdb: { url: 'http://x:8086', org: 'o', bucket: 'b', retention_days: 7 } }), now)).toBe(now - 7 * DAY);
    expect(retentionCutoff(section({ kind: 'clickhouse', clickhouse: { urls: ['http://x:8123'] } }), now)).toBe(now - 30 * DAY);
  });
});
