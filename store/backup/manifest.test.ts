import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, readManifest, writeManifest, type Manifest } from './manifest.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'hs-manifest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = { path: 'data/secrets/mqtt.json', stored: 'files/rel/data/secrets/mqtt.json', kind: 'file' as const, bytes: 2, sha256: 'a'.repeat(64), mode: '0600' };
const manifest: Manifest = { format: 'heatscada-backup', version: 1, created_at: '2026-01-15T00:00:00.000Z', hostname: 'scada-1', working_dir: '/srv', config: 'site.yaml', files: [entry] };

const refusal = (doc: unknown): string => {
  writeFileSync(path.join(dir, MANIFEST_FILE), typeof doc === 'string' ? doc : JSON.stringify(doc));
  try {
    readManifest(dir);
    return 'accepted';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('the backup manifest', () => {
  it('reads back what was written, whole', () => {
    writeManifest(dir, manifest);
    expect(readManifest(dir)).toEqual(manifest);
  });

  it('refuses a folder without one, a damaged one and paths that leave their folder', () => {
    expect(() => readManifest(path.join(dir, 'nothing'))).toThrow(/HS_ERR_BACKUP_INVALID.*did not finish/);
    expect(refusal('{"format": "heatscada-backup", ')).toMatch(/HS_ERR_BACKUP_INVALID/);
    expect(refusal({ ...manifest, version: 2 })).toMatch(/HS_ERR_BACKUP_INVALID.*\/version/);
    expect(refusal({ ...manifest, files: [{ ...entry, sha256: 'short' }] })).toMatch(/\/files\/0\/sha256/);
    expect(refusal({ ...manifest, files: [{ ...entry, stored: 'files/../../etc/passwd' }] })).toMatch(/leaves the backup folder/);
    expect(refusal({ ...manifest, files: [{ ...entry, path: '../../etc/cron.d/x' }] })).toMatch(/leaves the working directory/);
    expect(refusal({ ...manifest, files: [{ ...entry, mode: '4755' }] })).toMatch(/\/files\/0\/mode/);
  });
});
