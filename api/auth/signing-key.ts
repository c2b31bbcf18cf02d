import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { HeatScadaError } from '../../model/errors.ts';
import { makePrivate } from '../../store/sqlite/owner-only.ts';

// The key access tokens are signed with: 32 random bytes made at first start, never in a
// configuration file or a default. It is kept in a file of its own that only the service's user
// may read, beside the database in secrets/ (data/secrets/heatscada.db.signing-key): a copy of
// the database (a backup, one sent along with a bug report) lets nobody forge tokens. One file
// per database, so two APIs with their own users never accept each other's tokens. Earlier
// versions kept the key in the database (table auth_keys): it is moved to the file at the first
// start, so tokens signed before an upgrade stay valid, and wiped from the database. Tokens
// survive a restart; deleting the file signs everybody out. An in-memory database (tests) keeps
// a key in memory, as long as the database. The nodes of a cluster must verify each other's
// tokens, so they share one key: the file beside the database they share, or a key file given
// (serve.cluster.signing_key_file) that is copied to every node like a TLS key.

const KEY_BYTES = 32;
const LEGACY_TABLE = 'auth_keys';
const inMemory = new WeakMap<Database.Database, Buffer>();

/** Where the key of a database file lives. */
const signingKeyFile = (databaseFile: string): string => path.join(path.dirname(databaseFile), 'secrets', `${path.basename(databaseFile)}.signing-key`);

/** The database's key; or the key in `keyFile`, made there when missing (the first node to start makes it). */
export function loadSigningKey(db: Database.Database, keyFile?: string): Buffer {
  if (keyFile !== undefined) return readKey(keyFile, () => randomBytes(KEY_BYTES));
  if (db.memory) {
    const key = inMemory.get(db) ?? randomBytes(KEY_BYTES);
    inMemory.set(db, key);
    return key;
  }
  const key = readKey(signingKeyFile(db.name), () => legacyKey(db) ?? randomBytes(KEY_BYTES));
  dropLegacyKey(db);
  return key;
}

function readKey(file: string, fresh: () => Buffer): Buffer {
  if (!existsSync(file)) create(file, fresh());
  // A file an older install or a copy left readable is made private again.
  makePrivate(file);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  if (key.length !== KEY_BYTES) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `${file} holds no ${KEY_BYTES}-byte key (base64url): delete it to make a new one, which signs everybody out`, file);
  return key;
}

function create(file: string, key: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // wx: an API starting at the same moment that made the file first keeps its key.
    writeFileSync(file, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `cannot write the token signing key: ${(e as Error).message}`, file);
  }
}

function hasLegacyTable(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(LEGACY_TABLE) !== undefined;
}

function legacyKey(db: Database.Database): Buffer | undefined {
  if (!hasLegacyTable(db)) return undefined;
  const row = db.prepare(`SELECT key FROM ${LEGACY_TABLE} WHERE name = 'access-token'`).get() as { key: Buffer } | undefined;
  return row?.key.length === KEY_BYTES ? row.key : undefined;
}

/** Drops the old table with its pages zeroed and the WAL emptied, so the key is not left in the file. */
function dropLegacyKey(db: Database.Database): void {
  if (!hasLegacyTable(db)) return;
  const secureDelete = db.pragma('secure_delete', { simple: true }) as number;
  db.pragma('secure_delete = ON');
  db.exec(`DROP TABLE ${LEGACY_TABLE}`);
  db.pragma(`secure_delete = ${secureDelete === 2 ? 'FAST' : secureDelete}`);
  db.pragma('wal_checkpoint(TRUNCATE)');
}
