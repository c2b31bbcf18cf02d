import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AccessTokens } from './access-tokens.ts';
import { tokenAuthenticator } from './guard.ts';
import { RevokedTokens } from './revoked-tokens.ts';
import { UserStore } from './user-store.ts';

// The crew binding of a user: required for the crew role, refused for the others, carried by
// the session and the principal, and a change of crew withdraws the tokens like a change of role.

const PASSWORD = 'a-long-enough-pass';

function store(): { db: Database.Database; users: UserStore; tokens: AccessTokens } {
  const db = new Database(':memory:');
  return { db, users: new UserStore(db), tokens: new AccessTokens(Buffer.alloc(32, 7), 900, new RevokedTokens(db)) };
}

describe('UserStore crew binding', () => {
  it('needs a crew for the crew role and refuses one for every other role, naming body.crew', async () => {
    const { users } = store();
    await expect(users.create('dan', 'crew', PASSWORD)).rejects.toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'body.crew' });
    await expect(users.create('olga', 'operator', PASSWORD, 'north')).rejects.toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'body.crew' });
    await expect(users.create('hana', 'hotline', PASSWORD, 'north')).rejects.toMatchObject({ path: 'body.crew' });
    await expect(users.create('dan', 'crew', PASSWORD, 'no spaces')).rejects.toMatchObject({ path: 'body.crew' });
    expect(users.count()).toBe(0);
    expect(await users.create('dan', 'crew', PASSWORD, 'north')).toMatchObject({ name: 'dan', role: 'crew', crew: 'north' });
    expect(await users.create('hana', 'hotline', PASSWORD)).not.toHaveProperty('crew');
    expect(users.get('dan')).toMatchObject({ crew: 'north' });
    expect(users.session('dan')).toMatchObject({ name: 'dan', role: 'crew', crew: 'north' });
    expect(users.session('hana')).not.toHaveProperty('crew');
  });

  it('keeps the crew through other changes, drops it with the crew role, and refuses a role change that leaves a crew user without one', async () => {
    const { users } = store();
    await users.create('dan', 'crew', PASSWORD, 'north');
    await users.create('vic', 'viewer', PASSWORD);
    expect((await users.update('dan', { password: 'another-long-pass' })).after).toMatchObject({ crew: 'north' });
    await expect(users.update('vic', { role: 'crew' })).rejects.toMatchObject({ path: 'body.crew' });
    await expect(users.update('vic', { crew: 'south' })).rejects.toMatchObject({ path: 'body.crew' });
    expect(users.get('vic')).toMatchObject({ role: 'viewer' });
    expect((await users.update('vic', { role: 'crew', crew: 'south' })).after).toMatchObject({ role: 'crew', crew: 'south' });
    const { before, after } = await users.update('dan', { role: 'operator' });
    expect(before).toMatchObject({ crew: 'north' });
    expect(after).not.toHaveProperty('crew');
    expect(users.get('dan')).not.toHaveProperty('crew');
  });

  it("a change of crew withdraws the user's access tokens; the principal of a valid one carries the crew", async () => {
    const { users, tokens } = store();
    await users.create('dan', 'crew', PASSWORD, 'north');
    const authenticator = tokenAuthenticator(tokens, users);
    const token = tokens.issue(users.session('dan')!);
    expect(authenticator.principal(token)).toEqual({ name: 'dan', role: 'crew', crew: 'north' });
    await users.update('dan', { crew: 'south' });
    expect(() => authenticator.principal(token)).toThrow(/withdrawn/);
    expect(authenticator.principal(tokens.issue(users.session('dan')!))).toEqual({ name: 'dan', role: 'crew', crew: 'south' });
  });

  it('adds the crew column to a users table made before crews, keeping its users and their tokens', async () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE users (
      name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL,
      disabled INTEGER NOT NULL DEFAULT 0, token_gen INTEGER NOT NULL DEFAULT 0)`);
    db.prepare('INSERT INTO users (name, role, password_hash, created_at, token_gen) VALUES (?, ?, ?, ?, ?)').run('olga', 'operator', 'x', 1, 41);
    const users = new UserStore(db);
    expect(users.session('olga')).toEqual({ name: 'olga', role: 'operator', generation: 41 });
    await users.create('dan', 'crew', PASSWORD, 'north');
    expect(new UserStore(db).get('dan')).toMatchObject({ crew: 'north' });
  });
});
