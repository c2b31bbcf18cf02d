// Access control of the API over real parts (aedes broker, SQLite store, socket.io): the whole
// route table walked (no token → 401, too small a role → 403), sign-in, refresh, sign-out and
// its rate limit, token expiry and withdrawal, Argon2id hashes, the first-start admin, the
// socket.io handshake and commands, headers, CORS, body size and what a 500 tells.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../api/auth/access-tokens.ts';
import { RevokedTokens } from '../api/auth/revoked-tokens.ts';
import { installGuard, type RouteAccess } from '../api/auth/guard.ts';
import { loadSigningKey } from '../api/auth/signing-key.ts';
import { UserStore } from '../api/auth/user-store.ts';
import { startApi, type Api } from '../api/server.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { isServiceRole, ROLES, roleRank, type Role } from '../model/security.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { bearer, seedTestUsers, TEST_USERS } from './helpers/auth.ts';
import { captureLog } from './helpers/capture-log.ts';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The only routes anybody may call without signing in; any other public route fails this test. */
const PUBLIC_ROUTES = [
  'GET /*', // the built web app: its login page loads before login
  'GET /api/docs', // Swagger UI, its assets and the document it shows
  'GET /api/docs/json',
  'GET /api/docs/static/*',
  'GET /api/docs/static/index.html',
  'GET /api/docs/static/swagger-initializer.js',
  'GET /api/docs/yaml',
  'GET /api/health',
  'GET /api/openapi.json',
  'OPTIONS *', // CORS preflight
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'POST /api/auth/refresh',
];
const ALLOWED_ORIGIN = 'https://wall.example';
const SCRAPE_TOKEN = 'scrape-token-for-prometheus-0123456789';

const concrete = (url: string): string => url.replace(/:id\b/g, '1').replace(/:name\b/g, 'nobody');
// A service role (hotline, crew) is needed by name: the strongest plant role but admin must be refused.
const below = (role: Role): Role => (isServiceRole(role) ? 'engineer' : ROLES[roleRank(role) - 1]);

describe('API access control', () => {
  let dir: string;
  let broker: Broker;
  let store: SqliteStore;
  let api: Api;
  let failReads = false;
  const { log, lines } = captureLog('info');
  const tokens = {} as Record<Role, string>;

  const login = (username: string, password: string, remoteAddress = '127.0.0.1') =>
    api.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress });
  const as = (role: Role) => bearer(tokens[role]);
  const cookieOf = (setCookie: string | string[] | undefined): string => String(setCookie).split(';')[0];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'api-auth-'));
    broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, logger: log });
    store = openSqliteStore({ file: path.join(dir, 'store.db') });
    // A store whose reads can be made to fail with an internal message no client may see.
    const flaky = new Proxy(store, {
      get(target, prop) {
        if (prop === 'range' && failReads) return async () => Promise.reject(new Error('SQLITE_CORRUPT: /var/lib/heatscada/secret.db page 7'));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const web = path.join(dir, 'web');
    mkdirSync(web);
    writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>HeatSCADA</title>');
    api = await startApi({
      host: '127.0.0.1',
      port: 0,
      webDir: web,
      store: flaky,
      database: store.database,
      mqttUrl: broker.tcpUrl,
      corsOrigins: [ALLOWED_ORIGIN],
      metricsToken: SCRAPE_TOKEN,
      auth: { throttle: { perUser: 3, perAddress: 6, windowS: 600 }, liveRecheckMs: 100 },
      logger: log,
    });
    await seedTestUsers(api.auth.users);
    for (const role of ROLES) tokens[role] = (await login(TEST_USERS[role].name, TEST_USERS[role].password)).json<{ accessToken: string }>().accessToken;
  });

  afterAll(async () => {
    await api?.close();
    await broker?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('the route table', () => {
    let routes: readonly RouteAccess[];
    beforeAll(() => {
      routes = api.routes().filter((r) => r.method !== 'HEAD');
    });

    it('is public only where listed', () => {
      const open = routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`);
      expect([...new Set(open)].sort()).toEqual([...PUBLIC_ROUTES].sort());
      // Every HEAD route has the access of its GET twin; the docs UI adds HEAD routes of its own, public.
      for (const head of api.routes().filter((r) => r.method === 'HEAD')) {
        const twin = routes.find((r) => r.method === 'GET' && r.url === head.url);
        expect({ url: head.url, access: head.access }).toEqual({ url: head.url, access: twin?.access ?? (head.url.startsWith('/api/docs') ? 'public' : 'no GET twin') });
      }
    });

    it('every route that is not public refuses a request without a token (401), or with a forged one', async () => {
      const guarded = routes.filter((r) => r.access !== 'public');
      expect(guarded.length).toBeGreaterThan(25);
      const forged = `${tokens.admin.slice(0, -4)}AAAA`;
      for (const r of guarded) {
        for (const headers of [{}, bearer(forged), { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` }]) {
          const res = await api.app.inject({ method: r.method as 'GET', url: concrete(r.url), headers, ...(MUTATING.has(r.method) ? { payload: {} } : {}) });
          expect({ route: `${r.method} ${r.url}`, status: res.statusCode, code: res.json<{ code: string }>().code }).toEqual({ route: `${r.method} ${r.url}`, status: 401, code: 'HS_ERR_AUTH_REQUIRED' });
        }
      }
    });

    it('every mutating route needs more than a viewer, and refuses the role just below its own (403)', async () => {
      const mutating = routes.filter((r) => MUTATING.has(r.method) && r.access !== 'public');
      expect(mutating.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(['POST /api/alarms/:id/ack', 'PUT /api/control/mode', 'PUT /api/control/curve', 'POST /api/work-orders/:id/state', 'PATCH /api/users/:name']));
      for (const r of mutating) {
        expect({ route: r.url, viewerMayCall: r.access === 'viewer' }).toEqual({ route: r.url, viewerMayCall: false });
        const res = await api.app.inject({ method: r.method as 'POST', url: concrete(r.url), headers: as(below(r.access as Role)), payload: {} });
        expect({ route: `${r.method} ${r.url}`, status: res.statusCode, code: res.json<{ code: string }>().code }).toEqual({ route: `${r.method} ${r.url}`, status: 403, code: 'HS_ERR_FORBIDDEN' });
      }
    });

    it('reads above viewer refuse the role just below (403); every read lets its own role in', async () => {
      for (const r of routes.filter((x) => !MUTATING.has(x.method) && x.access !== 'public' && x.method !== 'OPTIONS')) {
        if (r.access !== 'viewer') expect((await api.app.inject({ method: 'GET', url: concrete(r.url), headers: as(below(r.access as Role)) })).statusCode).toBe(403);
        expect([401, 403]).not.toContain((await api.app.inject({ method: 'GET', url: concrete(r.url), headers: as(r.access as Role) })).statusCode);
      }
    });

    it('a route that declares no access stops the server from starting', async () => {
      const app = Fastify();
      installGuard(app, api.auth.authenticator);
      expect(() => app.get('/api/forgotten', async () => 'open')).toThrow(/HS_ERR_INTERNAL.*GET \/api\/forgotten.*no config\.access/);
      await app.close();
    });
  });

  describe('sign-in', () => {
    it('login → token, user and a strict HttpOnly refresh cookie; the token says who I am', async () => {
      const res = await login('operator', TEST_USERS.operator.password);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { name: 'operator', role: 'operator' } });
      expect(String(res.headers['set-cookie'])).toMatch(/^hs_refresh=[\w-]{40,}; Max-Age=43200; Path=\/api\/auth; HttpOnly; SameSite=Strict$/);
      const me = await api.app.inject({ url: '/api/auth/me', headers: bearer(res.json<{ accessToken: string }>().accessToken) });
      expect(me.json()).toEqual({ name: 'operator', role: 'operator' });
      expect(api.auth.trail.search({ action: 'auth.login', actor: 'operator', limit: 1 })[0]).toMatchObject({ outcome: 'ok', source: '127.0.0.1', target: 'user:operator' });
    });

    it('a wrong password or an unknown user: 401 HS_ERR_AUTH_FAILED, the same for both, audited', async () => {
      const wrong = await login('viewer', 'not-the-password');
      const nobody = await login('nobody-at-all', 'not-the-password');
      for (const res of [wrong, nobody]) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ code: 'HS_ERR_AUTH_FAILED' });
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      expect(wrong.json<{ message: string }>().message).toBe(nobody.json<{ message: string }>().message);
      expect(api.auth.trail.search({ action: 'auth.login', outcome: 'failed', limit: 2 }).map((r) => r.actor)).toEqual(['nobody-at-all', 'viewer']);
    });

    it('refresh rotates the cookie; the old one then ends every session of the user; logout revokes', async () => {
      const first = cookieOf((await login('engineer', TEST_USERS.engineer.password)).headers['set-cookie']);
      const refreshed = await api.app.inject({ method: 'POST', url: '/api/auth/refresh', headers: { cookie: first } });
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json()).toMatchObject({ tokenType: 'Bearer', user: { name: 'engineer', role: 'engineer' } });
      const second = cookieOf(refreshed.headers['set-cookie']);
      expect(second).not.toBe(first);
      // The first cookie again: copied, so both it and its successor stop working.
      expect((await api.app.inject({ method: 'POST', url: '/api/auth/refresh', headers: { cookie: first } })).json()).toMatchObject({ code: 'HS_ERR_AUTH_REQUIRED' });
      expect((await api.app.inject({ method: 'POST', url: '/api/auth/refresh', headers: { cookie: second } })).statusCode).toBe(401);

      const signedIn = await login('engineer', TEST_USERS.engineer.password);
      const third = cookieOf(signedIn.headers['set-cookie']);
      const token = signedIn.json<{ accessToken: string }>().accessToken;
      expect((await api.app.inject({ url: '/api/auth/me', headers: bearer(token) })).statusCode).toBe(200);
      const out = await api.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: third, ...bearer(token) } });
      expect(out.statusCode).toBe(204);
      expect((await api.app.inject({ url: '/api/auth/me', headers: bearer(token) })).json()).toMatchObject({ code: 'HS_ERR_AUTH_REQUIRED' });
      expect(String(out.headers['set-cookie'])).toMatch(/^hs_refresh=; Max-Age=0; Path=\/api\/auth/);
      expect((await api.app.inject({ method: 'POST', url: '/api/auth/refresh', headers: { cookie: third } })).statusCode).toBe(401);
      for (const cookie of [undefined, 'hs_refresh=%E0%A4%A', 'hs_refresh=', 'other=1']) {
        expect((await api.app.inject({ method: 'POST', url: '/api/auth/refresh', headers: cookie === undefined ? {} : { cookie } })).json()).toMatchObject({ code: 'HS_ERR_AUTH_REQUIRED' });
      }
      expect(api.auth.trail.search({ actor: 'engineer', limit: 3 }).map((r) => r.action)).toEqual(['auth.logout', 'auth.login', 'auth.refresh']);
    });

    it('locks a user name out for the address that failed too often, even with the right password then (429)', async () => {
      await api.auth.users.create('guessed', 'viewer', 'guessed-user-pass-1');
      for (let i = 0; i < 3; i++) expect((await login('guessed', `wrong-${i}`, '10.0.0.1')).statusCode).toBe(401);
      const locked = await login('guessed', 'guessed-user-pass-1', '10.0.0.1');
      expect(locked.statusCode).toBe(429);
      expect(locked.json()).toMatchObject({ code: 'HS_ERR_AUTH_RATE' });
      expect(api.auth.trail.search({ actor: 'guessed', limit: 1 })[0]).toMatchObject({ action: 'auth.login', outcome: 'refused', detail: 'HS_ERR_AUTH_RATE' });
      // The owner from an address that has not failed, and others, sign in as before (issue 16, finding 13).
      expect((await login('guessed', 'guessed-user-pass-1', '10.0.0.9')).statusCode).toBe(200);
      expect((await login('viewer', TEST_USERS.viewer.password, '10.0.0.9')).statusCode).toBe(200);
    });

    it('locks an address out after too many failures over many names', async () => {
      for (let i = 0; i < 6; i++) expect((await login(`spray-${i}`, 'Winter2026!!', '10.1.1.1')).statusCode).toBe(401);
      expect((await login('viewer', TEST_USERS.viewer.password, '10.1.1.1')).json()).toMatchObject({ code: 'HS_ERR_AUTH_RATE' });
      expect((await login('viewer', TEST_USERS.viewer.password, '10.1.1.2')).statusCode).toBe(200);
    });
  });

  describe('tokens and users', () => {
    it('an expired token: 401 HS_ERR_AUTH_EXPIRED', async () => {
      const anHourAgo = new AccessTokens(loadSigningKey(store.database), 900, new RevokedTokens(store.database), () => Date.now() - 3_600_000);
      const stale = anHourAgo.issue(api.auth.users.session('viewer')!);
      const res = await api.app.inject({ url: '/api/network', headers: bearer(stale) });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'HS_ERR_AUTH_EXPIRED' });
    });

    it('passwords are stored as Argon2id hashes, never in clear', () => {
      const rows = store.database.prepare('SELECT name, password_hash FROM users').all() as { name: string; password_hash: string }[];
      expect(rows.length).toBeGreaterThanOrEqual(4);
      for (const row of rows) expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      store.database.pragma('wal_checkpoint(TRUNCATE)');
      expect(readFileSync(path.join(dir, 'store.db')).includes(TEST_USERS.operator.password)).toBe(false);
    });

    it('admins manage users; a change withdraws the user’s tokens at once; all audited', async () => {
      const admin = as('admin');
      const short = await api.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { name: 'alice', role: 'operator', password: 'short' } });
      expect(short.statusCode).toBe(400);
      expect(short.json()).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'body.password' });
      const created = await api.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { name: 'alice', role: 'operator', password: 'alice-long-pass-1' } });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ name: 'alice', role: 'operator', disabled: false });
      expect((await api.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { name: 'alice', role: 'viewer', password: 'alice-long-pass-2' } })).statusCode).toBe(409);

      const alice = bearer((await login('alice', 'alice-long-pass-1')).json<{ accessToken: string }>().accessToken);
      expect((await api.app.inject({ url: '/api/auth/me', headers: alice })).json()).toEqual({ name: 'alice', role: 'operator' });
      const demoted = await api.app.inject({ method: 'PATCH', url: '/api/users/alice', headers: admin, payload: { role: 'viewer' } });
      expect(demoted.json()).toMatchObject({ role: 'viewer' });
      expect((await api.app.inject({ url: '/api/auth/me', headers: alice })).statusCode).toBe(401);
      expect((await api.app.inject({ method: 'PATCH', url: '/api/users/alice', headers: admin, payload: { disabled: true } })).statusCode).toBe(200);
      expect((await login('alice', 'alice-long-pass-1')).statusCode).toBe(401);
      const users = (await api.app.inject({ url: '/api/users', headers: admin })).json<{ name: string; disabled: boolean }[]>();
      expect(users.find((u) => u.name === 'alice')).toMatchObject({ disabled: true });
      expect((await api.app.inject({ method: 'DELETE', url: '/api/users/alice', headers: admin })).statusCode).toBe(204);
      expect((await api.app.inject({ method: 'DELETE', url: '/api/users/alice', headers: admin })).statusCode).toBe(404);
      const trail = api.auth.trail.search({ target: 'user:alice', limit: 10 }).filter((r) => r.action.startsWith('user.'));
      expect(trail.map((r) => [r.action, r.actor, r.outcome, r.oldValue, r.newValue])).toEqual([
        ['user.delete', 'admin', 'refused', null, null],
        ['user.delete', 'admin', 'ok', 'role=viewer disabled', null],
        ['user.change', 'admin', 'ok', 'role=viewer', 'role=viewer disabled'],
        ['user.change', 'admin', 'ok', 'role=operator', 'role=viewer'],
        ['user.create', 'admin', 'refused', null, null],
        ['user.create', 'admin', 'ok', null, 'role=operator'],
        ['user.create', 'admin', 'refused', null, null],
      ]);
      expect(JSON.stringify(trail)).not.toContain('alice-long-pass');
    });

    it('the last admin cannot be removed, disabled or demoted', async () => {
      for (const change of [{ method: 'DELETE' as const, payload: undefined }, { method: 'PATCH' as const, payload: { disabled: true } }, { method: 'PATCH' as const, payload: { role: 'engineer' } }]) {
        const res = await api.app.inject({ method: change.method, url: '/api/users/admin', headers: as('admin'), ...(change.payload ? { payload: change.payload } : {}) });
        expect(res.statusCode).toBe(400);
        expect(res.json<{ message: string }>().message).toMatch(/no enabled admin/);
      }
    });

    it('/metrics opens to the scrape token too, which opens nothing else', async () => {
      expect((await api.app.inject({ url: '/metrics', headers: bearer(SCRAPE_TOKEN) })).statusCode).toBe(200);
      expect((await api.app.inject({ url: '/metrics', headers: as('viewer') })).statusCode).toBe(200);
      expect((await api.app.inject({ url: '/api/network', headers: bearer(SCRAPE_TOKEN) })).statusCode).toBe(401);
    });
  });

  describe('first start', () => {
    it('makes an admin with a random password, printed once: not in the log, not again', async () => {
      const db = new Database(path.join(dir, 'fresh.db'));
      const first = captureLog('info');
      const start = (logger = first.log) => startApi({ host: '127.0.0.1', port: 0, store, database: db, mqttUrl: broker.tcpUrl, logger });
      const api1 = await start();
      try {
        expect(api1.firstAdmin).toMatchObject({ name: 'admin' });
        const password = api1.firstAdmin!.password;
        expect(password.length).toBeGreaterThanOrEqual(20);
        expect(first.lines.find((l) => l.event === 'first_admin')).toMatchObject({ level: 40, user: 'admin' });
        expect(JSON.stringify(first.lines)).not.toContain(password);
        const res = await api1.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password } });
        expect(res.json()).toMatchObject({ user: { name: 'admin', role: 'admin' } });
      } finally {
        await api1.close();
      }
      const again = captureLog('info');
      const api2 = await start(again.log);
      await api2.close();
      db.close();
      expect(api2.firstAdmin).toBeUndefined();
      expect(again.lines.some((l) => l.event === 'first_admin')).toBe(false);
    });

    it('with a store that is not SQLite, users go to serve.auth.database; without one it does not start', async () => {
      const notSqlite = new Proxy(store, { getPrototypeOf: () => Object.prototype });
      const options = { store: notSqlite, host: '127.0.0.1', port: 0, mqttUrl: broker.tcpUrl, logger: log };
      await expect(startApi(options)).rejects.toThrow(/HS_ERR_CONFIG_INVALID.*\/serve\/auth\/database/);
      const file = path.join(dir, 'auth', 'users.db');
      const separate = await startApi({ ...options, authDatabaseFile: file });
      await separate.close();
      expect(separate.firstAdmin).toBeDefined();
      const db = new Database(file, { readonly: true });
      expect(new UserStore(db).list().map((u) => u.name)).toEqual(['admin']);
      db.close();
    });
  });

  describe('socket.io', () => {
    const connect = (token?: string): Socket =>
      connectSocket(api.url, { path: '/socket.io', transports: ['websocket'], reconnection: false, ...(token === undefined ? {} : { auth: { token } }) });
    const refusal = (socket: Socket): Promise<{ message: string; data: unknown }> =>
      new Promise((resolve) => socket.once('connect_error', (e: Error & { data?: unknown }) => resolve({ message: e.message, data: e.data })));
    /** A connection subscribed to the overview, its snapshot received. */
    const subscribed = async (token: string): Promise<Socket> => {
      const socket = connect(token);
      const snapshot = new Promise((resolve) => socket.once('snapshot', resolve));
      socket.emit('subscribe', { room: 'overview' });
      await snapshot;
      return socket;
    };
    /** What the server says as it ends the connection, and the reason the client sees. */
    const ending = (socket: Socket): Promise<{ code: string; reason: string }> =>
      new Promise((resolve) => socket.once('error', ({ code }: { code: string }) => socket.once('disconnect', (reason) => resolve({ code, reason }))));

    it('refuses a connection without a valid token', async () => {
      for (const [token, code] of [
        [undefined, 'HS_ERR_AUTH_REQUIRED'],
        ['not-a-token', 'HS_ERR_AUTH_REQUIRED'],
        [new AccessTokens(loadSigningKey(store.database), 900, new RevokedTokens(store.database), () => Date.now() - 3_600_000).issue(api.auth.users.session('admin')!), 'HS_ERR_AUTH_EXPIRED'],
      ] as const) {
        const socket = connect(token);
        expect(await refusal(socket)).toEqual({ message: 'HS_ERR_AUTH_REQUIRED', data: { code } });
        socket.close();
      }
    });

    it('a viewer receives data but its commands are refused; an operator’s get through', async () => {
      const viewer = connect(tokens.viewer);
      const snapshot = new Promise((resolve) => viewer.once('snapshot', resolve));
      viewer.emit('subscribe', { room: 'overview' });
      expect(await snapshot).toMatchObject({ rows: expect.any(Array) });
      const refused = await viewer.emitWithAck('alarm.ack', { id: 1, comment: 'seen' });
      expect(refused).toMatchObject({ ok: false, code: 'HS_ERR_FORBIDDEN' });
      expect(api.auth.trail.search({ action: 'alarm.ack', limit: 1 })[0]).toMatchObject({ actor: 'viewer', outcome: 'refused', detail: 'HS_ERR_FORBIDDEN', target: 'alarm:1' });
      viewer.close();
      const operator = connect(tokens.operator);
      // Past the role check: this API runs no alarm engine.
      expect(await operator.emitWithAck('alarm.ack', { id: 1 })).toMatchObject({ ok: false, code: 'HS_ERR_ALARMS_OFF' });
      expect(await operator.emitWithAck('alarm.ack', { id: 'x' })).toMatchObject({ ok: false, code: 'HS_ERR_BAD_REQUEST' });
      operator.close();
    });

    it('ends a connection when its token runs out: HS_ERR_AUTH_EXPIRED, then a server disconnect', async () => {
      // Issued 898 s ago with the usual 900 s lifetime: it runs out within two seconds.
      const nearlyOld = new AccessTokens(loadSigningKey(store.database), 900, new RevokedTokens(store.database), () => Date.now() - 898_000);
      const socket = await subscribed(nearlyOld.issue(api.auth.users.session('viewer')!));
      expect(await ending(socket)).toEqual({ code: 'HS_ERR_AUTH_EXPIRED', reason: 'io server disconnect' });
      socket.close();
    });

    it('ends a connection whose token is withdrawn by logout or a user change, and refuses it again', async () => {
      await api.auth.users.create('bob', 'viewer', 'bob-long-pass-1');
      const signIn = async () => (await login('bob', 'bob-long-pass-1')).json<{ accessToken: string }>().accessToken;
      const loggedOut = await signIn();
      const socket = await subscribed(loggedOut);
      const ended = ending(socket);
      expect((await api.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(loggedOut) })).statusCode).toBe(204);
      expect(await ended).toEqual({ code: 'HS_ERR_AUTH_REQUIRED', reason: 'io server disconnect' });
      socket.close();
      const again = connect(loggedOut);
      expect(await refusal(again)).toEqual({ message: 'HS_ERR_AUTH_REQUIRED', data: { code: 'HS_ERR_AUTH_REQUIRED' } });
      again.close();

      const promoted = await subscribed(await signIn());
      const endedByChange = ending(promoted);
      expect((await api.app.inject({ method: 'PATCH', url: '/api/users/bob', headers: as('admin'), payload: { role: 'operator' } })).statusCode).toBe(200);
      expect(await endedByChange).toEqual({ code: 'HS_ERR_AUTH_REQUIRED', reason: 'io server disconnect' });
      promoted.close();
      expect(api.stats().liveClients).toBe(0);
    });
  });

  describe('behind a reverse proxy', () => {
    const loginVia = (target: Api, username: string, password: string, peer: string, forwardedFor: string) =>
      target.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress: peer, headers: { 'x-forwarded-for': forwardedFor } });

    it('without serve.trust_proxy, X-Forwarded-For is ignored: the peer is audited and throttled', async () => {
      for (let i = 0; i < 6; i++) expect((await loginVia(api, `forged-${i}`, 'wrong-pass', '10.3.3.3', `198.51.100.${i}`)).statusCode).toBe(401);
      expect(api.auth.trail.search({ actor: 'forged-0', limit: 1 })[0]).toMatchObject({ source: '10.3.3.3' });
      expect((await loginVia(api, 'viewer', TEST_USERS.viewer.password, '10.3.3.3', '198.51.100.99')).json()).toMatchObject({ code: 'HS_ERR_AUTH_RATE' });
    });

    it('with it, the client a trusted proxy forwards is audited (REST and socket.io) and throttled, not the proxy', async () => {
      const db = new Database(path.join(dir, 'proxied.db'));
      const proxied = await startApi({ host: '127.0.0.1', port: 0, store, database: db, mqttUrl: broker.tcpUrl, logger: log, trustProxy: ['10.9.9.0/24', 'loopback'], auth: { throttle: { perAddress: 2, perUser: 100, windowS: 600 } } });
      try {
        await seedTestUsers(proxied.auth.users);
        for (let i = 0; i < 2; i++) expect((await loginVia(proxied, 'viewer', 'wrong-pass', '10.9.9.1', '203.0.113.7')).statusCode).toBe(401);
        expect(proxied.auth.trail.search({ actor: 'viewer', limit: 1 })[0]).toMatchObject({ outcome: 'failed', source: '203.0.113.7' });
        expect((await loginVia(proxied, 'viewer', TEST_USERS.viewer.password, '10.9.9.2', '203.0.113.7')).json()).toMatchObject({ code: 'HS_ERR_AUTH_RATE' });
        // Another client through the same proxy is not locked out; a peer that is no listed proxy cannot pose as one.
        expect((await loginVia(proxied, 'viewer', TEST_USERS.viewer.password, '10.9.9.1', '203.0.113.8')).statusCode).toBe(200);
        expect((await loginVia(proxied, 'nobody', 'wrong-pass', '192.0.2.50', '203.0.113.8')).statusCode).toBe(401);
        expect(proxied.auth.trail.search({ actor: 'nobody', limit: 1 })[0]).toMatchObject({ source: '192.0.2.50' });

        const token = (await loginVia(proxied, 'operator', TEST_USERS.operator.password, '10.9.9.1', '203.0.113.9')).json<{ accessToken: string }>().accessToken;
        const socket = connectSocket(proxied.url, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token }, extraHeaders: { 'x-forwarded-for': '203.0.113.9' } });
        expect(await socket.emitWithAck('alarm.ack', { id: 1 })).toMatchObject({ ok: false, code: 'HS_ERR_ALARMS_OFF' });
        socket.close();
        expect(proxied.auth.trail.search({ action: 'alarm.ack', limit: 1 })[0]).toMatchObject({ actor: 'operator', source: '203.0.113.9' });
      } finally {
        await proxied.close();
        db.close();
      }
    });
  });

  describe('hardening', () => {
    it('security headers on the API, the web app and the docs', async () => {
      for (const url of ['/api/health', '/', '/api/docs/']) {
        const res = await api.app.inject({ url });
        expect(res.headers['content-security-policy']).toContain("default-src 'self'");
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['referrer-policy']).toBe('no-referrer');
      }
    });

    it('CORS: closed to an unknown origin, open to a configured one', async () => {
      const preflight = (origin: string) =>
        api.app.inject({ method: 'OPTIONS', url: '/api/network', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
      const evil = await preflight('https://evil.example');
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
      const simple = await api.app.inject({ url: '/api/network', headers: { ...as('viewer'), origin: 'https://evil.example' } });
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      const wall = await preflight(ALLOWED_ORIGIN);
      expect(wall.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(wall.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('an oversized body: 413 HS_ERR_BODY_TOO_LARGE, before anything is parsed', async () => {
      const res = await api.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'x', password: 'y'.repeat(300 * 1024) }) });
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ code: 'HS_ERR_BODY_TOO_LARGE' });
    });

    it('a 500 says only HS_ERR_INTERNAL: no stack, no internal message', async () => {
      failReads = true;
      try {
        const res = await api.app.inject({ url: `/api/history?series=S001:heat.power&from=${Date.now() - 3_600_000}&to=${Date.now()}`, headers: as('viewer') });
        expect(res.statusCode).toBe(500);
        expect(res.json()).toEqual({ code: 'HS_ERR_INTERNAL', message: 'HS_ERR_INTERNAL: Internal error' });
        expect(res.body).not.toMatch(/SQLITE|secret|\.ts:\d+|at /);
      } finally {
        failReads = false;
      }
      expect(lines.some((l) => l.code === 'HS_ERR_INTERNAL' && String(l.reason).includes('SQLITE_CORRUPT'))).toBe(true);
    });
  });
});
