import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { findState, keyOf } from './state.ts';

const cwd = mkdtempSync(path.join(tmpdir(), 'hs-state-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function put(name: string, text = 'x', mode = 0o644): void {
  mkdirSync(path.dirname(path.join(cwd, name)), { recursive: true });
  writeFileSync(path.join(cwd, name), text);
  chmodSync(path.join(cwd, name), mode);
}

describe('findState', () => {
  it('finds what the document names, its folders and the secrets beside named files, each once', () => {
    put('site.yaml');
    put('rules.yaml');
    put('data/secrets/mqtt.json', '{}', 0o600);
    put('data/sparkplug/g-e.bdseq');
    put('data/sim-endpoints.json');
    put('etc/creds.yaml');
    put('etc/secrets/opcua.password', 'p', 0o600);
    put('elsewhere/ignored.txt');
    put('backup/files/rel/site.yaml');
    put('data/backups/monday/manifest.json', '{}');
    put('data/heatscada.db-wal.restore-tmp');
    const db = new Database(path.join(cwd, 'data/heatscada.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (a)');
    const edge = new Database(path.join(cwd, 'data/sparkplug/g-e.audit.db'));
    edge.exec('CREATE TABLE t (a)');
    edge.close();
    symlinkSync('/etc/hostname', path.join(cwd, 'data/link'));
    const doc = {
      store: { sqlite: { file: './data/heatscada.db' } },
      alarms: { rules_file: 'rules.yaml', crews: [{ id: 'north' }] },
      broker: { credentials_file: 'etc/creds.yaml', tls: { cert_file: 'etc/broker.crt' } },
      simulate: { data_dir: './data', network: undefined },
      collect: { devices: [{ opcua: { pki_dir: './missing-pki' } }] },
    };
    // The store is open (a -wal and -shm exist): they go with the database, not beside it.
    const state = findState(doc, 'site.yaml', { cwd, exclude: ['backup'] });
    db.close();
    expect(state.pieces.map((p) => [p.key, p.kind, p.mode.toString(8)])).toEqual([
      ['data/heatscada.db', 'sqlite', '644'],
      ['data/secrets/mqtt.json', 'file', '600'],
      ['data/sim-endpoints.json', 'file', '644'],
      ['data/sparkplug/g-e.audit.db', 'sqlite', '644'],
      ['data/sparkplug/g-e.bdseq', 'file', '644'],
      ['etc/creds.yaml', 'file', '644'],
      ['etc/secrets/opcua.password', 'file', '600'],
      ['rules.yaml', 'file', '644'],
      ['site.yaml', 'file', '644'],
    ]);
    expect(state.absent).toEqual(['etc/broker.crt']);
    expect(state.skipped).toEqual(['data/backups/monday', 'data/link']);
  });

  it('names a file inside the working directory relatively and one outside absolutely', () => {
    expect(keyOf(path.join(cwd, 'data', 'x.db'), cwd)).toBe('data/x.db');
    expect(keyOf('/var/lib/heatscada/x.db', cwd)).toBe('/var/lib/heatscada/x.db');
    expect(keyOf(path.join(cwd, '..', 'x.db'), cwd)).toBe(path.resolve(cwd, '..', 'x.db'));
  });
});
