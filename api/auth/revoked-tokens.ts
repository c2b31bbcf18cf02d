import type Database from 'better-sqlite3';
import type { AuthChanged } from './auth-change.ts';

// Access tokens withdrawn before they run out (logout). Kept until they would have expired,
// in a table so a restart keeps them withdrawn, and in memory so the guard's check per request
// costs a Set lookup, not a query. Keyed by the token's signature, which is unique per token.
// In a cluster each node holds the others' revocations too: `changed` tells them, `learn` hears them.

export class RevokedTokens {
  private readonly revoked = new Map<string, number>();
  private readonly insert: Database.Statement;
  private readonly prune: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly now: () => number = Date.now,
    private readonly changed?: AuthChanged,
  ) {
    db.exec('CREATE TABLE IF NOT EXISTS revoked_access_tokens (signature TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
    this.insert = db.prepare('INSERT OR IGNORE INTO revoked_access_tokens (signature, expires_at) VALUES (?, ?)');
    this.prune = db.prepare('DELETE FROM revoked_access_tokens WHERE expires_at <= ?');
    this.prune.run(now());
    const rows = db.prepare('SELECT signature, expires_at FROM revoked_access_tokens').all() as { signature: string; expires_at: number }[];
    for (const row of rows) this.revoked.set(row.signature, row.expires_at);
  }

  /** Withdraws a token (its signature) until its expiry, ms UTC. */
  add(signature: string, expiresAt: number): void {
    const now = this.now();
    this.prune.run(now);
    for (const [sig, exp] of this.revoked) if (exp <= now) this.revoked.delete(sig);
    this.insert.run(signature, expiresAt);
    this.revoked.set(signature, expiresAt);
    this.changed?.({ kind: 'revoked', signature, expiresAt });
  }

  /** A revocation another node made: kept as its own (the table too, for a node with a database of its own). */
  learn(signature: string, expiresAt: number): void {
    if (expiresAt <= this.now() || this.revoked.has(signature)) return;
    this.insert.run(signature, expiresAt);
    this.revoked.set(signature, expiresAt);
  }

  has(signature: string): boolean {
    return this.revoked.has(signature);
  }
}
