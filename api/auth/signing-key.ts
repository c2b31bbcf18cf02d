import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

// The key access tokens are signed with: 32 random bytes made at first start and kept in the
// API's database (table auth_keys), never in a configuration file or a default. Tokens survive
// a restart; deleting the row signs everybody out.

const KEY_BYTES = 32;

export function loadSigningKey(db: Database.Database, name = 'access-token'): Buffer {
  db.exec('CREATE TABLE IF NOT EXISTS auth_keys (name TEXT PRIMARY KEY, key BLOB NOT NULL)');
  db.prepare('INSERT INTO auth_keys (name, key) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, randomBytes(KEY_BYTES));
  return (db.prepare('SELECT key FROM auth_keys WHERE name = ?').get(name) as { key: Buffer }).key;
}
