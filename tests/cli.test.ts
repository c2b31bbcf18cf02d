// The `heatscada` command as a user runs it: help, exit codes, one-line errors, a clean stop.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCity } from '../simulators/network/generate.ts';
import { loadNetwork } from '../simulators/network/load.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { freePort } from './helpers/ports.ts';

const ROOT = path.join(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'heatscada.ts');
const COMMANDS = ['start', 'broker', 'simulate', 'collect', 'historian', 'control', 'alarms', 'serve', 'audit'];
const dir = mkdtempSync(path.join(tmpdir(), 'hs-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI the way tsx does, without npx in between. */
function heatscada(...args: string[]): Promise<Run> {
  return runFile(process.execPath, ['--import', 'tsx', BIN, ...args]);
}

function runFile(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function file(name: string, text: string): string {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
}

describe('heatscada', () => {
  it('--help lists every subcommand with a line each', async () => {
    const { code, stdout } = await heatscada('--help');
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
  });

  it('runs as an executable file through its shebang', async () => {
    const { code, stdout } = await runFile(BIN, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: heatscada <command>');
  });

  it('gives each subcommand a --help listing its options', async () => {
    const simulate = await heatscada('simulate', '--help');
    expect(simulate.code).toBe(0);
    for (const option of ['--config FILE', '--network FILE', '--generate N', '--seed S', '--scenario FILE', '--speed X', '--write-network FILE', '--plcs-per-endpoint N', '--units-per-endpoint N']) {
      expect(simulate.stdout).toContain(option);
    }
    const broker = await heatscada('broker', '--help');
    expect(broker.code).toBe(0);
    expect(broker.stdout).toContain('--config FILE');
  });

  it('refuses unknown commands and options, with exit 2', async () => {
    expect((await heatscada('frobnicate')).code).toBe(2);
    const unknown = await heatscada('simulate', '--colour', 'red');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--colour');
  });

  it('refuses to start a collector with nothing to read, naming the field', async () => {
    const run = await heatscada('collect');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HS_ERR_CONFIG_INVALID');
    expect(run.stderr).toContain('/collect/devices');
  });

  it('stops at a bad configuration with one line naming the code and path, exit 1', async () => {
    const bad = file('bad.yaml', 'simulate:\n  speed: -2\n');
    const run = await heatscada('simulate', '--config', bad);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HS_ERR_CONFIG_INVALID');
    expect(run.stderr).toContain('/simulate/speed');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/^\s+at /m);

    const option = await heatscada('simulate', '--generate', 'many');
    expect(option.code).toBe(1);
    expect(option.stderr).toContain('/simulate/generate/substations');

    const yaml = await heatscada('simulate', '--config', file('broken.yaml', 'simulate: {speed: 1\n'));
    expect(yaml.code).toBe(1);
    expect(yaml.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('writes a generated network that loads back', async () => {
    const out = path.join(dir, 'city.yaml');
    const run = await heatscada('simulate', '--generate', '3', '--seed', '2', '--write-network', out);
    expect(run.code).toBe(0);
    expect(loadNetwork(out)).toEqual(generateCity({ substations: 3, seed: 2 }));
  });

  it('simulate runs until SIGTERM, then stops cleanly with exit 0', async () => {
    const [opcua, modbus, admin] = [await freePort(), await freePort(), await freePort()];
    const config = file(
      'run.yaml',
      `simulate:\n  generate: { substations: 2, seed: 1 }\n  opcua: { base_port: ${opcua}, plcs_per_endpoint: 2 }\n  modbus: { base_port: ${modbus}, units_per_endpoint: 2 }\n  admin_port: ${admin}\n  data_dir: ${JSON.stringify(path.join(dir, 'data'))}\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'simulate', '--config', config], { cwd: ROOT });
    try {
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // The summary of what runs where is the last thing printed at start.
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('  manifest ')) resolve();
        });
        child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
      });
      expect(stdout).toContain('heatscada simulate: 2 substations');
      // The admin endpoint takes the token the simulator made in its data folder, and said where.
      const tokenFile = path.join(dir, 'data', 'secrets', 'sim-admin.token');
      expect(stdout).toContain(tokenFile);
      const authorization = `Bearer ${readFileSync(tokenFile, 'utf8').trim()}`;
      expect((await fetch(`http://127.0.0.1:${admin}/status`, { headers: { authorization } })).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toContain('"event":"stopped"');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('audit verify checks the chain read-only: ok, then BROKEN at an edited record; audit list filters', async () => {
    const store = path.join(dir, 'audit.db');
    const config = file('audit.yaml', `store:\n  kind: sqlite\n  sqlite: { file: ${JSON.stringify(store)} }\n`);
    const db = new Database(store);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const trail = new SqliteAuditTrail(db);
    // Long enough for progress lines on stderr.
    const n = 20_005;
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        trail.append({ actor: i % 2 ? 'alice' : 'control', source: 'loop', action: 'plant.write', target: `S00${i % 3}/primary.valve_setpoint`, oldValue: i, newValue: i + 1, outcome: 'ok' });
      }
    })();
    const ok = await heatscada('audit', 'verify', '--config', config);
    expect(ok.stdout).toBe(`audit chain ok: ${n} records\n`);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/audit verify: \d+ of 20005 records checked/);

    const list = await heatscada('audit', 'list', '--config', config, '--actor', 'alice', '--target', 'S001', '--limit', '2', '--since', '1h');
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/ alice .* plant\.write {2}S001\/primary\.valve_setpoint .* ok$/);
    expect((await heatscada('audit', 'list', '--config', config, '--since', 'yesterday-ish')).stderr).toContain('--since');

    db.prepare("UPDATE audit_log SET new_value = '0' WHERE id = 17").run();
    db.close();
    const broken = await heatscada('audit', 'verify', '--config', config);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^audit chain BROKEN at record 17: /);
    expect((await heatscada('audit', 'check', '--config', config)).code).toBe(2);
    const missing = await heatscada('audit', 'verify', '--config', file('empty.yaml', `store:\n  sqlite: { file: ${JSON.stringify(path.join(dir, 'nothing.db'))} }\n`));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('HS_ERR_STORE_OPEN');
  }, 60_000);
});
