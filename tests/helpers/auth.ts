// Test users, one per role, plant and service (name = the role, password = `${role}-test-pass-1`;
// the crew user belongs to crew TEST_CREW), and signing in as one of them against a running API.

import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { installAuditHook } from '../../api/auth/audit-hook.ts';
import { createAuth, type Auth } from '../../api/auth/auth.ts';
import { installGuard } from '../../api/auth/guard.ts';
import type { UserStore } from '../../api/auth/user-store.ts';
import { SqliteAuditTrail } from '../../store/audit/sqlite-audit-trail.ts';
import { ALL_ROLES, type Role } from '../../model/security.ts';

/** The crew of the test crew user: give tests' alarm configurations a crew of this id. */
export const TEST_CREW = 'crew-1';

export const TEST_USERS = Object.fromEntries(
  ALL_ROLES.map((role) => [role, { name: role, password: `${role}-test-pass-1`, ...(role === 'crew' ? { crew: TEST_CREW } : {}) }]),
) as Record<Role, { name: string; password: string; crew?: string }>;

/** Creates the test users in an API's user store (api.auth.users), or resets them when present (the first-start admin). */
export async function seedTestUsers(users: UserStore): Promise<void> {
  for (const role of ALL_ROLES) {
    const { name, password, crew } = TEST_USERS[role];
    if (users.get(name)) await users.update(name, { role, crew, password, disabled: false });
    else await users.create(name, role, password, crew);
  }
}

/** An access token for the test user of a role. */
export async function loginToken(apiUrl: string, role: Role): Promise<string> {
  const { name, password } = TEST_USERS[role];
  const res = await fetch(`${apiUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name, password }) });
  if (res.status !== 200) throw new Error(`login as ${role}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** The Authorization header of a token. */
export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });

/**
 * For a route plugin tested on its own Fastify instance: users, tokens and audit trail over an
 * in-memory database, the test users seeded, and an access token for each role.
 */
export async function testAuth(): Promise<{ auth: Auth; tokens: Record<Role, string> }> {
  const db = new Database(':memory:');
  const auth = createAuth(db, new SqliteAuditTrail(db));
  await seedTestUsers(auth.users);
  const tokens = Object.fromEntries(ALL_ROLES.map((role) => [role, auth.accessTokens.issue(auth.users.session(role)!)])) as Record<Role, string>;
  return { auth, tokens };
}

/** The guard and the audit hook on a bare Fastify instance, before its routes are registered. */
export function guardApp(app: FastifyInstance, auth: Auth): void {
  installGuard(app, auth.authenticator);
  installAuditHook(app, auth.trail);
}
