import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import Database from 'better-sqlite3';
import { HeatScadaError } from '../../model/errors.ts';
import { generatePassword } from '../../model/secrets.ts';
import { ALL_ROLES, isRole } from '../../model/security.ts';
import { SqliteAuditTrail } from '../../store/audit/sqlite-audit-trail.ts';
import { restrictToOwner } from '../../store/sqlite/owner-only.ts';
import { auditDescription, checkCrewBinding, UserStore, type UserInfo } from './user-store.ts';

// `heatscada user add|passwd|list`: the API's users from the command line (a locked-out admin,
// a scripted install), in the same database and audited like the API's own changes. A running
// API reads a changed user at its next sign-in or refresh; restart it to withdraw its tokens now.

export interface UserRequest {
  verb: string;
  name: string | undefined;
  role: string | undefined;
  /** The crew of a crew user (add --role crew --crew north). */
  crew: string | undefined;
  /** A file with the password; a random one is generated and printed without it. */
  passwordFile: string | undefined;
}

const CLI_PATHS: Record<string, string> = { 'body.password': '--password-file', 'body.name': 'USER', 'params.name': 'USER' };

const describe = (u: UserInfo): string => `${u.name}  ${u.role}${u.crew === undefined ? '' : `  crew ${u.crew}`}${u.disabled ? '  disabled' : ''}  since ${new Date(u.createdAt).toISOString()}`;

function password(request: UserRequest): { password: string; shown: string[] } {
  if (request.passwordFile !== undefined) return { password: readFileSync(request.passwordFile, 'utf8').replace(/\r?\n$/, ''), shown: [] };
  const generated = generatePassword();
  return { password: generated, shown: [`password (shown once): ${generated}`] };
}

/** Runs one request against the users of a SQLite file; returns the lines to print. */
export async function userCommand(file: string, request: UserRequest): Promise<string[]> {
  restrictToOwner(file);
  const db = new Database(file, { timeout: 5000 });
  try {
    const users = new UserStore(db);
    if (request.verb === 'list') return users.list().map(describe);
    const name = request.name;
    if (name === undefined) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'name the user', 'USER');
    const trail = new SqliteAuditTrail(db);
    const actor = `cli:${userInfo().username}`;
    const secret = password(request);
    try {
      if (request.verb === 'add') {
        if (!isRole(request.role)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `--role must be one of ${ALL_ROLES.join(', ')}`, '--role');
        checkCrewBinding(request.role, request.crew, '--crew');
        const user = await users.create(name, request.role, secret.password, request.crew);
        trail.append({ actor, source: 'cli', action: 'user.create', target: `user:${name}`, newValue: auditDescription(user), outcome: 'ok' });
        return [`added ${describe(user)}`, ...secret.shown];
      }
      const { before, after } = await users.update(name, { password: secret.password });
      trail.append({ actor, source: 'cli', action: 'user.change', target: `user:${name}`, oldValue: auditDescription(before), newValue: `${auditDescription(after)} password changed`, outcome: 'ok' });
      return [`new password for ${name}`, ...secret.shown];
    } catch (e) {
      // The CLI names its own arguments, not the API's request fields.
      const where = e instanceof HeatScadaError && e.path !== undefined ? CLI_PATHS[e.path] : undefined;
      throw where ? new HeatScadaError((e as HeatScadaError).code, where === '--password-file' ? 'a password has 12 to 256 characters' : undefined, where) : e;
    }
  } finally {
    db.close();
  }
}
