import { randomInt } from 'node:crypto';
import type Database from 'better-sqlite3';
import { HeatScadaError } from '../../model/errors.ts';
import { isRole, type Principal, type Role } from '../../model/security.ts';
import { checkPasswordPolicy, hashPassword, passwordMatches } from './passwords.ts';

// The people who may use the API: table `users` in the API's SQLite database. Every change of
// role, password or disabled bumps the user's token generation, so access tokens issued before
// stop working at once (the guard compares generations; tokens carry theirs). A user starts at a
// random generation, not 0: a name removed and created again must not take back the tokens of
// the removed one, which carry the generation it had.

export interface UserInfo {
  name: string;
  role: Role;
  createdAt: number;
  disabled: boolean;
}

export interface UserChange {
  role?: Role;
  password?: string;
  disabled?: boolean;
}

/** Who a valid token may act as: the current role, and the generation its token must carry. */
export interface Session extends Principal {
  generation: number;
}

interface Row {
  name: string;
  role: string;
  password_hash: string;
  created_at: number;
  disabled: number;
  token_gen: number;
}

export const USER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';
const USER_NAME = new RegExp(USER_NAME_PATTERN);
/** First generations are drawn below this; bumps keep them far below 2^53, exact in JSON. */
const FIRST_GENERATION_BELOW = 2 ** 47;
/** Verified against when the user does not exist, so a wrong name costs as long as a wrong password. */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8l2Vb1hNfl1mSLqSgRUOeP4YFUKoOnlKqyaV3z8X5Ow';

const info = (row: Row): UserInfo => ({ name: row.name, role: row.role as Role, createdAt: row.created_at, disabled: row.disabled === 1 });

export function checkUserName(name: string, path = 'body.name'): void {
  if (!USER_NAME.test(name)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'a user name is 1–64 letters, digits, . _ @ -, starting with a letter or digit', path);
}

export class UserStore {
  /** name → session (null: no such user or disabled); filled on demand, dropped on every change. */
  private readonly sessions = new Map<string, Session | null>();
  private readonly byName: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS users (
      name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL,
      disabled INTEGER NOT NULL DEFAULT 0, token_gen INTEGER NOT NULL DEFAULT 0)`);
    this.byName = db.prepare('SELECT * FROM users WHERE name = ?');
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  list(): UserInfo[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name').all() as Row[]).map(info);
  }

  get(name: string): UserInfo | undefined {
    const row = this.row(name);
    return row && info(row);
  }

  async create(name: string, role: Role, password: string): Promise<UserInfo> {
    checkUserName(name);
    if (!isRole(role)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'unknown role', 'body.role');
    checkPasswordPolicy(password);
    const hash = await hashPassword(password);
    const createdAt = this.now();
    const inserted = this.db
      .prepare('INSERT INTO users (name, role, password_hash, created_at, token_gen) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING')
      .run(name, role, hash, createdAt, randomInt(FIRST_GENERATION_BELOW));
    if (inserted.changes === 0) throw new HeatScadaError('HS_ERR_USER_EXISTS', undefined, 'body.name');
    this.sessions.delete(name);
    return { name, role, createdAt, disabled: false };
  }

  /** Changes what is given and returns the user before and after. */
  async update(name: string, change: UserChange): Promise<{ before: UserInfo; after: UserInfo }> {
    if (change.password !== undefined) checkPasswordPolicy(change.password);
    const hash = change.password === undefined ? undefined : await hashPassword(change.password);
    const before = this.existing(name);
    const after: UserInfo = { ...before, ...(change.role ? { role: change.role } : {}), ...(change.disabled === undefined ? {} : { disabled: change.disabled }) };
    if (before.role === 'admin' && (after.role !== 'admin' || after.disabled)) this.keepAnAdmin(name);
    this.db
      .prepare('UPDATE users SET role = ?, disabled = ?, password_hash = coalesce(?, password_hash), token_gen = token_gen + 1 WHERE name = ?')
      .run(after.role, after.disabled ? 1 : 0, hash ?? null, name);
    this.sessions.delete(name);
    return { before, after };
  }

  /** Withdraws every access token of the user at once (a stolen refresh token was used); its sessions are the caller's. */
  withdrawTokens(name: string): void {
    this.db.prepare('UPDATE users SET token_gen = token_gen + 1 WHERE name = ?').run(name);
    this.sessions.delete(name);
  }

  remove(name: string): UserInfo {
    const before = this.existing(name);
    if (before.role === 'admin') this.keepAnAdmin(name);
    this.db.prepare('DELETE FROM users WHERE name = ?').run(name);
    this.sessions.delete(name);
    return before;
  }

  /** The user when the password is right and the user is enabled; undefined otherwise. */
  async authenticate(name: string, password: string): Promise<UserInfo | undefined> {
    const row = this.row(name);
    const ok = await passwordMatches(row?.password_hash ?? DUMMY_HASH, password);
    return ok && row && row.disabled === 0 ? info(row) : undefined;
  }

  /** The role and token generation a user's tokens must match; undefined when gone or disabled. Cached. */
  session(name: string): Session | undefined {
    let session = this.sessions.get(name);
    if (session === undefined) {
      const row = this.row(name);
      session = row && row.disabled === 0 && isRole(row.role) ? { name, role: row.role, generation: row.token_gen } : null;
      this.sessions.set(name, session);
    }
    return session ?? undefined;
  }

  private row(name: string): Row | undefined {
    return this.byName.get(name) as Row | undefined;
  }

  private existing(name: string): UserInfo {
    const row = this.row(name);
    if (!row) throw new HeatScadaError('HS_ERR_NOT_FOUND', `no user ${name}`, 'params.name');
    return info(row);
  }

  /** Refuses a change that would leave no enabled admin (nobody could manage users any more). */
  private keepAnAdmin(name: string): void {
    const others = this.db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND name <> ?").get(name) as { n: number };
    if (others.n === 0) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'this would leave no enabled admin', 'params.name');
  }
}
