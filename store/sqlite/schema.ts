import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HeatScadaError } from '../../model/errors.ts';
import { restrictToOwner } from './owner-only.ts';

// Opening the file, its pragmas and the store's tables. Other roles (alarms, audit) keep their
// tables in the same file, so versions are per component in `schema_version`, not in the
// file-wide `PRAGMA user_version`.

const COMPONENT = 'store';

/** Each entry migrates from version i to i + 1; append, never edit a shipped one. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    substation TEXT NOT NULL,
    tag TEXT NOT NULL,
    UNIQUE (substation, tag)
  );
  -- Clustered by series then time: a range of one series is one contiguous read.
  CREATE TABLE points (
    series_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    quality INTEGER NOT NULL,
    historical INTEGER NOT NULL,
    PRIMARY KEY (series_id, ts)
  ) WITHOUT ROWID;
  -- The newest points, same shape: a batch touches a few pages here instead of one page per
  -- series in points. Keys at or above recent_mark live here, keys below it in points.
  CREATE TABLE points_recent (
    series_id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    quality INTEGER NOT NULL,
    historical INTEGER NOT NULL,
    PRIMARY KEY (series_id, ts)
  ) WITHOUT ROWID;
  -- Partial aggregates per bucket; sum and count rather than avg so buckets combine exactly.
  CREATE TABLE rollup_1m (
    series_id INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    sum REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    count INTEGER NOT NULL,
    quality INTEGER NOT NULL,
    last_ts INTEGER NOT NULL,
    last REAL NOT NULL,
    PRIMARY KEY (series_id, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_1h (
    series_id INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    sum REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    count INTEGER NOT NULL,
    quality INTEGER NOT NULL,
    last_ts INTEGER NOT NULL,
    last REAL NOT NULL,
    PRIMARY KEY (series_id, bucket)
  ) WITHOUT ROWID;
  -- Minutes below the minute mark that late points changed: their rollups are stale until rollup().
  CREATE TABLE rollup_dirty (
    series_id INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    PRIMARY KEY (series_id, bucket)
  ) WITHOUT ROWID;
  -- newest_ts: the newest point written; recent_mark: see points_recent;
  -- minute_mark/hour_mark: rollups are complete below them.
  CREATE TABLE rollup_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    newest_ts INTEGER NOT NULL,
    recent_mark INTEGER NOT NULL,
    minute_mark INTEGER NOT NULL,
    hour_mark INTEGER NOT NULL
  );
  INSERT INTO rollup_state VALUES (1, 0, 0, 0, 0);
  CREATE TABLE statuses (
    substation TEXT PRIMARY KEY,
    online INTEGER NOT NULL,
    ts INTEGER NOT NULL
  );
  `,
  // points_recent is moved into points a slice of series at a time (README: the write path):
  // series with an id below drain_cursor have their points below drain_mark in points.
  `
  ALTER TABLE rollup_state ADD COLUMN drain_mark INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_state ADD COLUMN drain_cursor INTEGER NOT NULL DEFAULT 0;
  `,
  // Rollups run a slice of series at a time (README: rollups in slices): series with an id
  // below rollup_cursor are rolled up to rollup_target; none is under way when it equals minute_mark.
  `
  ALTER TABLE rollup_state ADD COLUMN rollup_target INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_state ADD COLUMN rollup_cursor INTEGER NOT NULL DEFAULT 0;
  UPDATE rollup_state SET rollup_target = minute_mark;
  `,
];

export interface OpenOptions {
  file: string;
  /** SQLite page cache in MiB. */
  cacheMb: number;
  /** How long a statement waits for another process's write lock, ms. */
  busyTimeoutMs: number;
  /** WAL size that triggers a checkpoint, MiB (see README: the write rate depends on it). */
  walMb: number;
}

function openError(file: string, e: unknown): HeatScadaError {
  return new HeatScadaError('HS_ERR_STORE_OPEN', (e as Error).message, file);
}

export function openDatabase(opts: OpenOptions): Database.Database {
  let db: Database.Database;
  try {
    mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
    restrictToOwner(opts.file);
    db = new Database(opts.file, { timeout: opts.busyTimeoutMs });
  } catch (e) {
    throw openError(opts.file, e);
  }
  try {
    // The first statement reads the header: a file that is not a database fails here.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, WAL is needed`);
    db.pragma('synchronous = NORMAL');
    db.pragma(`cache_size = ${-Math.round(opts.cacheMb * 1024)}`);
    // A large WAL lets a series' last page, rewritten by every batch, reach the file once per
    // checkpoint rather than once per few batches: about twice the write rate (README).
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`wal_autocheckpoint = ${Math.max(1, Math.round((opts.walMb * 1024 * 1024) / pageSize))}`);
    migrateComponent(db, COMPONENT, MIGRATIONS);
  } catch (e) {
    db.close();
    throw openError(opts.file, e);
  }
  return db;
}

/**
 * Brings a component's tables to the newest of its migrations (each from version i to i + 1), in
 * one transaction, and records the version in `schema_version`: the store's, and those of the
 * roles that keep tables in the same file.
 */
export function migrateComponent(db: Database.Database, component: string, migrations: readonly string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  // The version is read inside the write lock: roles started together on a new file would
  // otherwise all read 0 and all run the first migration.
  db.transaction(() => {
    const row = db.prepare<[string], { version: number }>('SELECT version FROM schema_version WHERE component = ?').get(component);
    const from = row?.version ?? 0;
    if (from > migrations.length) {
      throw new Error(`the ${component} schema is version ${from}, newer than this HeatSCADA knows (${migrations.length})`);
    }
    if (from === migrations.length) return;
    for (let v = from; v < migrations.length; v++) db.exec(migrations[v]);
    db.prepare('INSERT OR REPLACE INTO schema_version VALUES (?, ?)').run(component, migrations.length);
  }).immediate();
}
