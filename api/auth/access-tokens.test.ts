import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AccessTokens } from './access-tokens.ts';
import { RevokedTokens } from './revoked-tokens.ts';

const session = { name: 'alice', role: 'operator' as const, generation: 3 };
const noneRevoked = () => new RevokedTokens(new Database(':memory:'));

describe('AccessTokens', () => {
  it('signs the name and generation, and refuses a changed, foreign or expired token', () => {
    let now = 1_800_000_000_000;
    const key = randomBytes(32);
    const tokens = new AccessTokens(key, 900, noneRevoked(), () => now);
    const token = tokens.issue(session);
    expect(tokens.verify(token)).toEqual({ sub: 'alice', gen: 3, iat: 1_800_000_000, exp: 1_800_000_900, jti: expect.stringMatching(/^[\w-]{12}$/) });

    const [header, body, signature] = token.split('.');
    const promoted = Buffer.from(JSON.stringify({ sub: 'admin', gen: 3, iat: 1_800_000_000, exp: 1_800_000_900 })).toString('base64url');
    expect(() => tokens.verify(`${header}.${promoted}.${signature}`)).toThrow(/HS_ERR_AUTH_REQUIRED/);
    expect(() => new AccessTokens(randomBytes(32), 900, noneRevoked(), () => now).verify(token)).toThrow(/HS_ERR_AUTH_REQUIRED/);
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect(() => tokens.verify(`${none}.${body}.`)).toThrow(/HS_ERR_AUTH_REQUIRED/);
    expect(() => tokens.verify('garbage')).toThrow(/HS_ERR_AUTH_REQUIRED/);

    now += 899_000;
    expect(tokens.verify(token).sub).toBe('alice');
    now += 1000;
    expect(() => tokens.verify(token)).toThrow(/HS_ERR_AUTH_EXPIRED/);
  });

  it('a token withdrawn at logout stays refused, across a restart, until it would have expired', () => {
    let now = 1_800_000_000_000;
    const key = randomBytes(32);
    const db = new Database(':memory:');
    const tokens = new AccessTokens(key, 900, new RevokedTokens(db, () => now), () => now);
    const [kept, withdrawn] = [tokens.issue(session), tokens.issue({ ...session, name: 'bob' })];
    tokens.revoke(withdrawn);
    expect(() => tokens.verify(withdrawn)).toThrow(/withdrawn at logout/);
    expect(tokens.verify(kept).sub).toBe('alice');
    const restarted = new AccessTokens(key, 900, new RevokedTokens(db, () => now), () => now);
    expect(() => restarted.verify(withdrawn)).toThrow(/withdrawn at logout/);
    now += 900_000;
    new RevokedTokens(db, () => now);
    expect(db.prepare('SELECT COUNT(*) AS n FROM revoked_access_tokens').get()).toEqual({ n: 0 });
  });

  it('two sign-ins of one user in the same instant get different tokens: a logout withdraws only its own', () => {
    const tokens = new AccessTokens(randomBytes(32), 900, noneRevoked(), () => 1_800_000_000_000);
    const [firstScreen, secondScreen] = [tokens.issue(session), tokens.issue(session)];
    expect(firstScreen).not.toBe(secondScreen);
    tokens.revoke(firstScreen);
    expect(tokens.verify(secondScreen).sub).toBe('alice');
  });
});
