import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HeatScadaError } from '../../model/errors.ts';
import type { CommandOutput } from '../audit/audit-command.ts';
import { digestFile } from './digest.ts';
import { databaseInUse } from './in-use.ts';
import { flush, readManifest, type Manifest, type ManifestEntry } from './manifest.ts';
import { RESTORE_TEMP_SUFFIX, SQLITE_SIDE_FILES } from './state.ts';
import { auditHead } from './sqlite-snapshot.ts';

// `heatscada restore --from DIR [--force]`, in this order, so that a refusal writes nothing:
// 1. the manifest and every copy's length and SHA-256 (a damaged or unfinished backup is refused);
// 2. what it would replace: a file that differs from its copy needs --force (one equal to it is left);
// 3. no process has a database to be replaced open (in-use.ts: the platform must be stopped);
// 4. every copy is written beside its target under a temporary name, flushed, given its mode
//    and, for a database, its journal mode back; a failure removes them all;
// 5. the lock is checked again, then each database's old -wal/-shm go (SQLite would replay a
//    stale WAL into the restored file) and each copy is renamed over its target;
// 6. every restored audit chain is walked and its head compared with the manifest's.

export interface RestoreRequest {
  from: string;
  force: boolean;
  /** Relative paths of the manifest are restored under it (default: the working directory). */
  cwd?: string;
}

interface Step {
  entry: ManifestEntry;
  source: string;
  target: string;
  temporary: string;
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 0)} MB`;

async function checkCopies(dir: string, manifest: Manifest): Promise<void> {
  for (const entry of manifest.files) {
    const copy = path.join(dir, entry.stored);
    if (!existsSync(copy)) throw new HeatScadaError('HS_ERR_BACKUP_INVALID', `${entry.stored} is missing from the backup`, copy);
    const { bytes, sha256 } = await digestFile(copy);
    if (bytes !== entry.bytes || sha256 !== entry.sha256) {
      throw new HeatScadaError('HS_ERR_BACKUP_INVALID', `${entry.stored} (${entry.path}) does not match its checksum in the manifest: the copy is damaged`, copy);
    }
  }
}

/** Targets that exist and differ from their copy (a database's leftover side files count as its data). */
async function conflictsOf(steps: Step[]): Promise<{ replace: Step[]; unchanged: Step[]; conflicts: string[] }> {
  const replace: Step[] = [];
  const unchanged: Step[] = [];
  const conflicts: string[] = [];
  for (const step of steps) {
    const sides = step.entry.kind === 'sqlite' ? SQLITE_SIDE_FILES.map((s) => step.target + s).filter((f) => existsSync(f)) : [];
    if (!existsSync(step.target)) {
      replace.push(step);
      conflicts.push(...sides);
      continue;
    }
    const { sha256 } = await digestFile(step.target);
    if (sha256 === step.entry.sha256 && sides.length === 0) {
      unchanged.push(step);
    } else {
      replace.push(step);
      conflicts.push(step.target);
    }
  }
  return { replace, unchanged, conflicts };
}

function refuseIfInUse(steps: Step[]): void {
  const open = steps.filter((s) => s.entry.kind === 'sqlite' && existsSync(s.target) && databaseInUse(s.target));
  if (open.length > 0) throw new HeatScadaError('HS_ERR_RESTORE_IN_USE', `${open.map((s) => s.entry.path).join(', ')} open in another process`, open[0].target);
}

function stage(step: Step): void {
  mkdirSync(path.dirname(step.target), { recursive: true, mode: 0o700 });
  copyFileSync(step.source, step.temporary);
  chmodSync(step.temporary, parseInt(step.entry.mode, 8));
  const journalMode = step.entry.sqlite?.journal_mode;
  if (journalMode !== undefined && journalMode !== 'delete') {
    const db = new Database(step.temporary, { fileMustExist: true });
    try {
      db.pragma(`journal_mode = ${journalMode === 'wal' ? 'WAL' : 'DELETE'}`);
    } finally {
      db.close();
    }
  }
  flush(step.temporary);
}

function commit(step: Step): void {
  if (step.entry.kind === 'sqlite') for (const side of SQLITE_SIDE_FILES) rmSync(step.target + side, { force: true });
  renameSync(step.temporary, step.target);
  flush(path.dirname(step.target));
}

/** Walks each restored audit chain; false when one is broken or does not end where the backup's did. */
function verifyChains(steps: Step[], output: CommandOutput): boolean {
  let ok = true;
  for (const { entry, target } of steps) {
    const expected = entry.sqlite?.audit;
    if (!expected) continue;
    // Not read-only: a read-only connection to a WAL file leaves its -wal and -shm behind.
    const db = new Database(target, { fileMustExist: true });
    try {
      const head = auditHead(db);
      if (head?.chain_ok && head.records === expected.records && head.head_hash === expected.head_hash) {
        output.out(`audit chain ok: ${head.records} records in ${entry.path}, head ${head.head_hash.slice(0, 12) || '-'} as in the backup`);
      } else {
        ok = false;
        output.out(`audit chain BROKEN in ${entry.path}: ${head?.chain_ok ? `${head.records} records ending ${head.head_hash.slice(0, 12)}, the backup had ${expected.records} ending ${expected.head_hash.slice(0, 12)}` : 'heatscada audit verify names the record'}`);
      }
    } finally {
      db.close();
    }
  }
  return ok;
}

/** Restores a backup; 0 when every audit chain verifies afterwards, 1 when one does not. */
export async function restore(request: RestoreRequest, output: CommandOutput): Promise<number> {
  const cwd = request.cwd ?? process.cwd();
  const dir = path.resolve(cwd, request.from);
  const manifest = readManifest(dir);
  const total = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  output.progress(`restore: checking ${manifest.files.length} files (${megabytes(total)}) of the backup of ${manifest.hostname} at ${manifest.created_at}`);
  await checkCopies(dir, manifest);

  const steps = manifest.files.map((entry): Step => {
    const target = path.resolve(cwd, entry.path);
    return { entry, source: path.join(dir, entry.stored), target, temporary: target + RESTORE_TEMP_SUFFIX };
  });
  const { replace, unchanged, conflicts } = await conflictsOf(steps);
  if (conflicts.length > 0 && !request.force) {
    const shown = conflicts.slice(0, 5).map((f) => path.relative(cwd, f) || f).join(', ');
    throw new HeatScadaError('HS_ERR_RESTORE_EXISTS', `${conflicts.length} existing files differ from the backup (${shown}${conflicts.length > 5 ? ', …' : ''})`);
  }
  refuseIfInUse(replace);

  try {
    for (const step of replace) stage(step);
    refuseIfInUse(replace);
  } catch (e) {
    for (const step of replace) rmSync(step.temporary, { force: true });
    throw e;
  }
  for (const step of replace) commit(step);
  output.out(`restored ${replace.length} files from ${dir} (backup of ${manifest.hostname} at ${manifest.created_at})${unchanged.length ? `; ${unchanged.length} already as in the backup` : ''}`);
  return verifyChains(steps, output) ? 0 : 1;
}
