import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { HeatScadaError } from '../../model/errors.ts';
import { validateDocument } from '../../model/validate.ts';

// A backup's table of contents, written last: a folder without it is a backup that did not
// finish. Restore trusts nothing in the folder that this file does not name and checksum.

export const MANIFEST_FILE = 'manifest.json';

const AuditHeadSchema = Type.Object(
  {
    records: Type.Integer({ minimum: 0 }),
    /** 0 and '' for an empty log. */
    head_id: Type.Integer({ minimum: 0 }),
    head_hash: Type.String(),
    /** Whether the chain verified when the copy was made. */
    chain_ok: Type.Boolean(),
  },
  { additionalProperties: false },
);

const SqliteFactsSchema = Type.Object(
  {
    /** The source's journal mode; the copy is stored in 'delete' mode (one file) and given this back on restore. */
    journal_mode: Type.String({ minLength: 1 }),
    /** Rows of every table at the moment of the copy. */
    tables: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    audit: Type.Optional(AuditHeadSchema),
  },
  { additionalProperties: false },
);

const EntrySchema = Type.Object(
  {
    /** Where the file lives: relative to the working directory of the backup when inside it, else absolute. */
    path: Type.String({ minLength: 1 }),
    /** Its copy, relative to the backup folder. */
    stored: Type.String({ minLength: 1, pattern: '^files/' }),
    kind: Type.Union([Type.Literal('sqlite'), Type.Literal('file')]),
    bytes: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /** Permission bits in octal ('0600'), kept on restore: secrets stay owner-only. */
    mode: Type.String({ pattern: '^0[0-7]{3}$' }),
    sqlite: Type.Optional(SqliteFactsSchema),
  },
  { additionalProperties: false },
);

export const ManifestSchema = Type.Object(
  {
    format: Type.Literal('heatscada-backup'),
    version: Type.Literal(1),
    /** ISO 8601, UTC. */
    created_at: Type.String({ minLength: 1 }),
    hostname: Type.String(),
    working_dir: Type.String(),
    /** The configuration document the backup followed (one of the files). */
    config: Type.String(),
    files: Type.Array(EntrySchema),
  },
  { additionalProperties: false },
);

export type Manifest = Static<typeof ManifestSchema>;
export type ManifestEntry = Static<typeof EntrySchema>;
export type SqliteFacts = Static<typeof SqliteFactsSchema>;
export type AuditHead = Static<typeof AuditHeadSchema>;

const invalid = (detail: string, where?: string): HeatScadaError => new HeatScadaError('HS_ERR_BACKUP_INVALID', detail, where);

/** A path that stays where it is put: no `..` step, and a stored copy inside the backup. */
function checkPaths(entry: ManifestEntry, at: string): void {
  const steps = (p: string): string[] => p.split(/[\\/]/);
  if (steps(entry.stored).includes('..')) throw invalid(`stored copy ${entry.stored} leaves the backup folder`, `${at}/stored`);
  if (!path.isAbsolute(entry.path) && steps(entry.path).includes('..')) throw invalid(`${entry.path} leaves the working directory`, `${at}/path`);
}

/** Writes the manifest under a temporary name, flushed, then renames it: it appears whole or not at all. */
export function writeManifest(dir: string, manifest: Manifest): void {
  const file = path.join(dir, MANIFEST_FILE);
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  flush(temporary);
  renameSync(temporary, file);
  flush(dir);
}

/** fsync of a file or a folder (a rename lasts once its folder is flushed). */
export function flush(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The manifest of a backup folder, checked against its schema; a missing or bad one is HS_ERR_BACKUP_INVALID. */
export function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? `no ${MANIFEST_FILE} in ${dir}: not a backup, or one that did not finish` : (e as Error).message;
    throw invalid(reason, file);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(`${file}: ${(e as Error).message}`, file);
  }
  const manifest = validateDocument(ManifestSchema, doc, 'HS_ERR_BACKUP_INVALID', file);
  manifest.files.forEach((entry, i) => checkPaths(entry, `/files/${i}`));
  return manifest;
}
