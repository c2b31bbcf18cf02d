import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { HeatScadaError } from '../../model/errors.ts';

// Refresh tokens: random, handed out once in an HttpOnly cookie, stored only as SHA-256 (table
// refresh_tokens). Each refresh rotates: the old token is marked used and a new one issued. A
// used token presented again means it was copied: every token of that user is revoked, and
// onReuse withdraws the user's access tokens too (the thief may already hold one).

const TOKEN_BYTES = 32;

interface Row {
  user: string;
  expires_at: number;
  used: number;
}

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

export class RefreshTokens {
  constructor(
    private readonly db: Database.Database,
    /** Seconds a refresh token is valid. */
    readonly lifetimeS: number,
    private readonly onReuse: (user: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS refresh_tokens (
      hash TEXT PRIMARY KEY, user TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS refresh_tokens_user ON refresh_tokens (user);`);
  }

  issue(user: string): string {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const now = this.now();
    this.db.prepare('DELETE FROM refresh_tokens WHERE expires_at < ?').run(now);
    this.db.prepare('INSERT INTO refresh_tokens (hash, user, created_at, expires_at) VALUES (?, ?, ?, ?)').run(digest(token), user, now, now + this.lifetimeS * 1000);
    return token;
  }

  /** The user a valid token belongs to, with a new token that replaces it. */
  rotate(token: string): { user: string; token: string } {
    const hash = digest(token);
    const row = this.db.prepare('SELECT user, expires_at, used FROM refresh_tokens WHERE hash = ?').get(hash) as Row | undefined;
    if (!row) throw new HeatScadaError('HS_ERR_AUTH_REQUIRED', 'unknown refresh token');
    if (row.used) {
      this.revokeUser(row.user);
      this.onReuse(row.user);
      throw new HeatScadaError('HS_ERR_AUTH_REQUIRED', 'refresh token reused: every session of the user is ended');
    }
    if (row.expires_at <= this.now()) throw new HeatScadaError('HS_ERR_AUTH_EXPIRED', 'refresh token expired');
    this.db.prepare('UPDATE refresh_tokens SET used = 1 WHERE hash = ?').run(hash);
    return { user: row.user, token: this.issue(row.user) };
  }

  /** Ends the session of a token; the user it belonged to, when known. */
  revoke(token: string): string | undefined {
    const hash = digest(token);
    const row = this.db.prepare('SELECT user FROM refresh_tokens WHERE hash = ?').get(hash) as { user: string } | undefined;
    this.db.prepare('DELETE FROM refresh_tokens WHERE hash = ?').run(hash);
    return row?.user;
  }

  revokeUser(user: string): void {
    this.db.prepare('DELETE FROM refresh_tokens WHERE user = ?').run(user);
  }
}
