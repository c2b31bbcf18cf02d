import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Auth } from './auth.ts';
import { bearer, guardApp, TEST_CREW, TEST_USERS, testAuth } from '../../tests/helpers/auth.ts';
import { registerErrorHandlers } from '../errors.ts';
import { authRoutes } from './auth-routes.ts';
import { userRoutes } from './user-routes.ts';

// /api/users and /api/auth on their own, behind the guard: a crew member's crew is set by the
// admin, shown as { name, role, crew } by the sign-in, /me and the list, and audited.

describe('/api/users and /api/auth with a crew', () => {
  let app: FastifyInstance;
  let auth: Auth;
  let admin: { authorization: string };

  beforeAll(async () => {
    const test = await testAuth();
    auth = test.auth;
    admin = bearer(test.tokens.admin);
    app = Fastify();
    registerErrorHandlers(app);
    guardApp(app, auth);
    await app.register(authRoutes, { auth });
    await app.register(userRoutes, { auth });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  const login = (username: string, password: string) => app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });

  it('the seeded crew user signs in as its crew; /me says the same; a plant user has no crew field', async () => {
    const signedIn = (await login(TEST_USERS.crew.name, TEST_USERS.crew.password)).json<{ accessToken: string; user: unknown }>();
    expect(signedIn.user).toEqual({ name: 'crew', role: 'crew', crew: TEST_CREW });
    expect((await app.inject({ url: '/api/auth/me', headers: bearer(signedIn.accessToken) })).json()).toEqual({ name: 'crew', role: 'crew', crew: TEST_CREW });
    const operator = (await login(TEST_USERS.operator.name, TEST_USERS.operator.password)).json<{ user: unknown }>();
    expect(operator.user).toEqual({ name: 'operator', role: 'operator' });
  });

  it('creates a crew user only with a crew, refuses a crew for another role, naming body.crew; nothing is created', async () => {
    const create = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/users', headers: admin, payload });
    const missing = await create({ name: 'dan', role: 'crew', password: 'dan-long-pass-1' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'body.crew' });
    expect((await create({ name: 'olga', role: 'operator', crew: 'north', password: 'olga-long-pass-1' })).json()).toMatchObject({ path: 'body.crew' });
    expect(auth.users.get('dan')).toBeUndefined();
    expect(auth.users.get('olga')).toBeUndefined();
    const created = await create({ name: 'dan', role: 'crew', crew: 'north', password: 'dan-long-pass-1' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'dan', role: 'crew', crew: 'north', disabled: false });
    const listed = (await app.inject({ url: '/api/users', headers: admin })).json<{ name: string; crew?: string }[]>();
    expect(listed.find((u) => u.name === 'dan')?.crew).toBe('north');
    expect(listed.find((u) => u.name === 'viewer')).not.toHaveProperty('crew');
  });

  it("moving a crew user to another crew ends its access token at once and is audited with both crews", async () => {
    await auth.users.create('erin', 'crew', 'erin-long-pass-1', 'north');
    const token = (await login('erin', 'erin-long-pass-1')).json<{ accessToken: string }>().accessToken;
    expect((await app.inject({ url: '/api/auth/me', headers: bearer(token) })).statusCode).toBe(200);
    const moved = await app.inject({ method: 'PATCH', url: '/api/users/erin', headers: admin, payload: { crew: 'south' } });
    expect(moved.json()).toMatchObject({ role: 'crew', crew: 'south' });
    expect((await app.inject({ url: '/api/auth/me', headers: bearer(token) })).statusCode).toBe(401);
    expect(auth.trail.search({ target: 'user:erin', action: 'user.change' }).map((r) => [r.oldValue, r.newValue])).toEqual([['role=crew crew=north', 'role=crew crew=south']]);
    const promoted = await app.inject({ method: 'PATCH', url: '/api/users/erin', headers: admin, payload: { role: 'operator' } });
    expect(promoted.json()).toMatchObject({ role: 'operator' });
    expect(promoted.json()).not.toHaveProperty('crew');
  });
});
