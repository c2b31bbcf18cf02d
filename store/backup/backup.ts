import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HeatScadaError } from '../../model/errors.ts';
import type { CommandOutput } from '../audit/audit-command.ts';
import { digestFile } from './digest.ts';
import { flush, writeManifest, type ManifestEntry } from './manifest.ts';
import { findState, keyOf, type StatePiece } from './state.ts';
import { snapshotDatabase } from './sqlite-snapshot.ts';
import { progressReporter } from './progress.ts';

// `heatscada backup --to DIR`: every piece of state the configuration points at (state.ts),
// copied while the platform runs — each SQLite database as one consistent snapshot
// (sqlite-snapshot.ts), every other file as it is, permissions kept — then the manifest, last.

export interface BackupRequest {
  /** The backup folder: new, or empty. */
  to: string;
  /** The validated configuration document (every role's section, defaults filled in). */
  config: unknown;
  /** The file it was read from: copied too. */
  configFile: string;
  cwd?: string;
  now?: () => Date;
}

/** Where a piece's copy goes inside the backup: relative keys under files/rel/, absolute ones under files/abs/. */
export const storedName = (key: string): string => (path.isAbsolute(key) ? `files/abs${key}` : `files/rel/${key}`);

/** Creates the backup folder owner-only (it holds password hashes and secrets); one with anything in it is refused. */
function prepareFolder(dir: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new HeatScadaError('HS_ERR_BAD_REQUEST', (e as Error).message, '--to');
  }
  if (entries.length > 0) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `${dir} is not empty: back up into a new folder`, '--to');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 0)} MB`;

async function copyPiece(piece: StatePiece, dir: string, output: CommandOutput): Promise<ManifestEntry> {
  const stored = storedName(piece.key);
  const target = path.join(dir, stored);
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  let sqlite: ManifestEntry['sqlite'];
  if (piece.kind === 'sqlite') {
    const report = progressReporter(`backup: ${piece.key}`, output);
    sqlite = await snapshotDatabase(piece.file, target, report);
  } else {
    copyFileSync(piece.file, target);
  }
  chmodSync(target, piece.mode);
  flush(target);
  const { bytes, sha256 } = await digestFile(target);
  return { path: piece.key, stored, kind: piece.kind, bytes, sha256, mode: `0${piece.mode.toString(8).padStart(3, '0')}`, ...(sqlite ? { sqlite } : {}) };
}

/** One line per database: its size, its rows, its audit chain. */
function describe(entry: ManifestEntry): string {
  const facts = entry.sqlite;
  if (!facts) return `  ${entry.path}  ${megabytes(entry.bytes)}`;
  const rows = Object.values(facts.tables).reduce((a, b) => a + b, 0);
  const points = (facts.tables.points ?? 0) + (facts.tables.points_recent ?? 0);
  const audit = facts.audit ? `; audit ${facts.audit.records} records, head ${facts.audit.head_hash.slice(0, 12) || '-'}${facts.audit.chain_ok ? '' : ' (chain BROKEN)'}` : '';
  return `  ${entry.path}  ${megabytes(entry.bytes)}, ${rows} rows${points ? ` (${points} points)` : ''}${audit}`;
}

/** Makes the backup; 0 when done. An error leaves no folder behind (and never a manifest). */
export async function backup(request: BackupRequest, output: CommandOutput): Promise<number> {
  const cwd = request.cwd ?? process.cwd();
  const dir = path.resolve(cwd, request.to);
  prepareFolder(dir);
  try {
    const state = findState(request.config, request.configFile, { cwd, exclude: [dir] });
    for (const key of state.absent) output.progress(`backup: ${key} is named by the configuration but does not exist: not in the backup`);
    for (const key of state.skipped) output.progress(`backup: ${key} is a link, a socket or an earlier backup: not in the backup`);
    const started = Date.now();
    const files: ManifestEntry[] = [];
    for (const piece of state.pieces) files.push(await copyPiece(piece, dir, output));
    const createdAt = (request.now?.() ?? new Date()).toISOString();
    writeManifest(dir, { format: 'heatscada-backup', version: 1, created_at: createdAt, hostname: os.hostname(), working_dir: cwd, config: keyOf(path.resolve(cwd, request.configFile), cwd), files });
    const total = files.reduce((sum, f) => sum + f.bytes, 0);
    output.out(`backup in ${dir}: ${files.length} files, ${megabytes(total)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const entry of files.filter((f) => f.kind === 'sqlite')) output.out(describe(entry));
    const broken = files.filter((f) => f.sqlite?.audit && !f.sqlite.audit.chain_ok);
    for (const entry of broken) output.out(`audit chain BROKEN in ${entry.path} already at the time of the backup (heatscada audit verify names the record)`);
    return broken.length === 0 ? 0 : 1;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
