import { randomInt } from 'node:crypto';
import type Database from 'better-sqlite3';
import { HeatScadaError } from '../../model/errors.ts';
import { isRole, type Principal, type Role } from '../../model/security.ts';
import type { AuthChanged } from './auth-change.ts';
import { checkPasswordPolicy, hashPassword, passwordMatches } from './passwords.ts';

// The people who may use the API: table `users` in the API's SQLite database. Every change of
// role, password or disabled bumps the user's token generation, so access tokens issued before
// stop working at once (the guard compares generations; tokens carry theirs). A user starts at a
// random generation, not 0: a name removed and created again must not take back the tokens of
// the removed one, which carry the generation it had. A crew member's user carries the crew
// (alarms.crews[].id) whose orders and complaints they move; no other role has one.

export interface UserInfo {
  name: string;
  role: Role;
  /** Only for the crew role, which needs one. */
  crew?: string;
  createdAt: number;
  disabled: boolean;
}

export interface UserChange {
  role?: Role;
  /** The crew of a crew user; a user leaving the crew role leaves its crew too. */
  crew?: string;
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
  crew: string | null;
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

export const CREW_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const CREW_ID = new RegExp(CREW_ID_PATTERN);

/** `{ crew }` when there is one, `{}` otherwise: the crew field is absent, never null, in principals and answers. */
export const withCrew = (crew: string | null | undefined): { crew?: string } => (crew == null ? {} : { crew });
const info = (row: Row): UserInfo => ({ name: row.name, role: row.role as Role, ...withCrew(row.crew), createdAt: row.created_at, disabled: row.disabled === 1 });

/** A user as the audit trail records it (API and CLI alike): role, crew, state; never a password. */
export const auditDescription = (u: UserInfo): string => `role=${u.role}${u.crew === undefined ? '' : ` crew=${u.crew}`}${u.disabled ? ' disabled' : ''}`;

/** A crew user needs a crew and no other user may have one; `path` names the crew field of the caller. */
export function checkCrewBinding(role: Role, crew: string | undefined, path = 'body.crew'): void {
  if (role === 'crew' && crew === undefined) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'a user of the crew role needs a crew (alarms.crews[].id)', path);
  if (role !== 'crew' && crew !== undefined) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `only a user of the crew role has a crew, not a ${role}`, path);
  if (crew !== undefined && !CREW_ID.test(crew)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'a crew id is 1–64 letters, digits, . _ -, starting with a letter or digit', path);
}

/** Adds the crew column to a users table made before crews existed; the users in it keep everything. */
function addCrewColumn(db: Database.Database): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('users')").all() as { name: string }[];
  if (!columns.some((c) => c.name === 'crew')) db.exec('ALTER TABLE users ADD COLUMN crew TEXT');
}

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
    /** Told of every change, so that the other nodes of a cluster drop their cached session (auth-change.ts). */
    private readonly changed?: AuthChanged,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS users (
      name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL,
      disabled INTEGER NOT NULL DEFAULT 0, token_gen INTEGER NOT NULL DEFAULT 0, crew TEXT)`);
    addCrewColumn(db);
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

  async create(name: string, role: Role, password: string, crew?: string): Promise<UserInfo> {
    checkUserName(name);
    if (!isRole(role)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'unknown role', 'body.role');
    checkCrewBinding(role, crew);
    checkPasswordPolicy(password);
    const hash = await hashPassword(password);
    const createdAt = this.now();
    const inserted = this.db
      .prepare('INSERT INTO users (name, role, crew, password_hash, created_at, token_gen) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING')
      .run(name, role, crew ?? null, hash, createdAt, randomInt(FIRST_GENERATION_BELOW));
    if (inserted.changes === 0) throw new HeatScadaError('HS_ERR_USER_EXISTS', undefined, 'body.name');
    this.changedUser(name);
    return { name, role, ...withCrew(crew), createdAt, disabled: false };
  }

  /** Changes what is given and returns the user before and after. */
  async update(name: string, change: UserChange): Promise<{ before: UserInfo; after: UserInfo }> {
    const before = this.existing(name);
    const role = change.role ?? before.role;
    // A crew user keeps its crew through other changes; one leaving the crew role leaves it.
    const crew = change.crew ?? (role === 'crew' ? before.crew : undefined);
    checkCrewBinding(role, crew);
    if (change.password !== undefined) checkPasswordPolicy(change.password);
    const hash = change.password === undefined ? undefined : await hashPassword(change.password);
    const after: UserInfo = { name, role, ...withCrew(crew), createdAt: before.createdAt, disabled: change.disabled ?? before.disabled };
    if (before.role === 'admin' && (after.role !== 'admin' || after.disabled)) this.keepAnAdmin(name);
    this.db
      .prepare('UPDATE users SET role = ?, crew = ?, disabled = ?, password_hash = coalesce(?, password_hash), token_gen = token_gen + 1 WHERE name = ?')
      .run(after.role, after.crew ?? null, after.disabled ? 1 : 0, hash ?? null, name);
    this.changedUser(name);
    return { before, after };
  }

  /** Withdraws every access token of the user at once (a stolen refresh token was used); its sessions are the caller's. */
  withdrawTokens(name: string): void {
    this.db.prepare('UPDATE users SET token_gen = token_gen + 1 WHERE name = ?').run(name);
    this.changedUser(name);
  }

  remove(name: string): UserInfo {
    const before = this.existing(name);
    if (before.role === 'admin') this.keepAnAdmin(name);
    this.db.prepare('DELETE FROM users WHERE name = ?').run(name);
    this.changedUser(name);
    return before;
  }

  /** The user when the password is right and the user is enabled; undefined otherwise. */
  async authenticate(name: string, password: string): Promise<UserInfo | undefined> {
    const row = this.row(name);
    const ok = await passwordMatches(row?.password_hash ?? DUMMY_HASH, password);
    return ok && row && row.disabled === 0 ? info(row) : undefined;
  }

  /** The role (and crew) and token generation a user's tokens must match; undefined when gone or disabled. Cached. */
  session(name: string): Session | undefined {
    let session = this.sessions.get(name);
    if (session === undefined) {
      const row = this.row(name);
      session = row && row.disabled === 0 && isRole(row.role) ? { name, role: row.role, ...withCrew(row.crew), generation: row.token_gen } : null;
      this.sessions.set(name, session);
    }
    return session ?? undefined;
  }

  /** Drops the cached session of a user another node changed: the next request reads the table. */
  forget(name: string): void {
    this.sessions.delete(name);
  }

  private changedUser(name: string): void {
    this.sessions.delete(name);
    this.changed?.({ kind: 'user', name });
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
