// Issue 16's API sign-in findings, over real HTTP on loopback (the API listening on 127.0.0.1,
// clients bound to 127.0.0.x so each is an address of its own): parallel guesses against the
// login throttle, a guesser trying to lock the owner out, refresh-token reuse, a user removed and
// created again, the signing key and database file modes, and the Origin of refresh and logout
// (in Chromium too: a page on another port of the same host gets the SameSite=Strict cookie sent).

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../api/auth/access-tokens.ts';
import { RevokedTokens } from '../api/auth/revoked-tokens.ts';
import { UserStore } from '../api/auth/user-store.ts';
import { startApi, type Api } from '../api/server.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { seedTestUsers, TEST_USERS } from './helpers/auth.ts';
import { launchChromium, newScreen } from './helpers/browser.ts';

interface Answer {
  status: number;
  body: { code?: string; path?: string; accessToken?: string } | undefined;
  /** name=value of the refresh cookie set, if any. */
  cookie: string | undefined;
}

interface Call {
  body?: unknown;
  headers?: Record<string, string>;
  /** The local address the client connects from (127.0.0.1 when absent). */
  from?: string;
}

/** One HTTP request on a connection of its own, from the given local address. */
function call(method: string, url: string, { body, headers = {}, from = '127.0.0.1' }: Call = {}): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent: false, localAddress: from, headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const setCookie = response.headers['set-cookie']?.[0];
        resolve({ status: response.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as Answer['body']), cookie: setCookie?.split(';')[0] });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const quiet = pino({ level: 'silent' });
/** Where the signing key of a database file lives (data/secrets/heatscada.db.signing-key). */
const signingKeyFile = (databaseFile: string): string => path.join(path.dirname(databaseFile), 'secrets', `${path.basename(databaseFile)}.signing-key`);
const SESSION_ORIGIN = 'https://scada.plant.example';
/** Past this many failures for a name from all addresses, each address gets one try at it. */
const PER_USER_TOTAL = 8;

describe('API sign-in hardening (issue 16)', () => {
  let dir: string;
  let broker: Broker;
  let store: SqliteStore;
  let api: Api;
  const login = (username: string, password: string, from?: string) => call('POST', `${api.url}/api/auth/login`, { body: { username, password }, from });
  const me = (token: string | undefined) => call('GET', `${api.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'api-hardening-'));
    broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, logger: quiet });
    store = openSqliteStore({ file: path.join(dir, 'heatscada.db') });
    api = await startApi({ host: '127.0.0.1', port: 0, store, mqttUrl: broker.tcpUrl, logger: quiet, auth: { throttle: { perUserTotal: PER_USER_TOTAL }, sessionOrigins: [SESSION_ORIGIN] } });
    await seedTestUsers(api.auth.users);
  });

  afterAll(async () => {
    await api?.close();
    await broker?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finding 2: of 40 parallel wrong sign-ins for one name, only the limit (5) reach verification; the rest get 429', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => login('viewer', `wrong-guess-${i}`, '127.0.0.2')));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
    for (const a of answers.filter((x) => x.status === 429)) expect(a.body).toMatchObject({ code: 'HS_ERR_AUTH_RATE' });
    expect(api.auth.trail.search({ actor: 'viewer', action: 'auth.login', outcome: 'failed', limit: 100 })).toHaveLength(5);
    // Locked for that address, right password or not.
    expect((await login('viewer', TEST_USERS.viewer.password, '127.0.0.2')).status).toBe(429);
  });

  it('finding 13: a guesser cannot lock the owner out: an address that has not failed still signs in', async () => {
    const { name, password } = TEST_USERS.admin;
    await Promise.all(Array.from({ length: 12 }, (_, i) => login(name, `guess-${i}`, '127.0.0.11')));
    expect((await login(name, password, '127.0.0.11')).status).toBe(429);
    const owner = await login(name, password, '127.0.0.12');
    expect(owner.status).toBe(200);
    expect((await me(owner.body?.accessToken)).status).toBe(200);
    // Guesses from many addresses: past the name's total each further address gets one try,
    // and the owner, from an address that has not failed, still gets in.
    for (let i = 0; i < PER_USER_TOTAL - 5; i++) expect((await login(name, `spread-${i}`, '127.0.0.13')).status).toBe(401);
    expect((await login(name, 'spread-x', '127.0.0.13')).status).toBe(429);
    expect((await login(name, 'one-try', '127.0.0.14')).status).toBe(401);
    expect((await login(name, password, '127.0.0.14')).body).toMatchObject({ code: 'HS_ERR_AUTH_RATE' });
    expect((await login(name, password, '127.0.0.15')).status).toBe(200);
  });

  it('finding 8: a refresh token used twice ends every token of the user, the access tokens in hand included', async () => {
    const { name, password } = TEST_USERS.engineer;
    const signedIn = await login(name, password, '127.0.0.21');
    const refreshed = await call('POST', `${api.url}/api/auth/refresh`, { headers: { cookie: signedIn.cookie ?? '' } });
    expect(refreshed.status).toBe(200);
    for (const a of [signedIn, refreshed]) expect((await me(a.body?.accessToken)).status).toBe(200);
    // The thief replays the first cookie: both access tokens and the rotated cookie die.
    const replay = await call('POST', `${api.url}/api/auth/refresh`, { headers: { cookie: signedIn.cookie ?? '' } });
    expect(replay.body).toMatchObject({ code: 'HS_ERR_AUTH_REQUIRED' });
    for (const a of [signedIn, refreshed]) expect((await me(a.body?.accessToken)).body).toMatchObject({ code: 'HS_ERR_AUTH_REQUIRED' });
    expect((await call('POST', `${api.url}/api/auth/refresh`, { headers: { cookie: refreshed.cookie ?? '' } })).status).toBe(401);
    expect((await me((await login(name, password, '127.0.0.21')).body?.accessToken)).status).toBe(200);
  });

  it('finding 9: a user removed and created again under the same name does not get the old tokens back', async () => {
    // An admin of its own: test users' names are guessed at above.
    await api.auth.users.create('second-admin', 'admin', 'second-admin-pass-1');
    const admin = (await login('second-admin', 'second-admin-pass-1', '127.0.0.31')).body?.accessToken;
    const headers = { authorization: `Bearer ${admin}` };
    const alice = { name: 'alice', role: 'operator', password: 'alice-first-pass-1' };
    expect((await call('POST', `${api.url}/api/users`, { headers, body: alice })).status).toBe(201);
    const old = (await login(alice.name, alice.password, '127.0.0.31')).body?.accessToken;
    expect((await me(old)).status).toBe(200);
    expect((await call('DELETE', `${api.url}/api/users/alice`, { headers })).status).toBe(204);
    expect((await me(old)).status).toBe(401);
    expect((await call('POST', `${api.url}/api/users`, { headers, body: alice })).status).toBe(201);
    expect((await me(old)).body).toMatchObject({ code: 'HS_ERR_AUTH_REQUIRED' });
    expect((await me((await login(alice.name, alice.password, '127.0.0.31')).body?.accessToken)).status).toBe(200);
  });

  it('finding 12: the signing key is a 0600 file of its own, not in the database; the database files are 0600', () => {
    const file = store.database.name;
    expect(statSync(signingKeyFile(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(signingKeyFile(file), 'utf8').trim(), 'base64url')).toHaveLength(32);
    expect(store.database.prepare("SELECT name FROM sqlite_master WHERE name = 'auth_keys'").get()).toBeUndefined();
    for (const suffix of ['', '-wal', '-shm']) {
      expect(existsSync(file + suffix)).toBe(true);
      expect({ suffix, mode: statSync(file + suffix).mode & 0o777 }).toEqual({ suffix, mode: 0o600 });
    }
  });

  it('finding 12: a key an older version kept in the database moves to the file at the first start; its tokens stay valid', async () => {
    // The database as an older version left it: 0644, the key in table auth_keys.
    const file = path.join(dir, 'upgraded', 'heatscada.db');
    const old = openSqliteStore({ file });
    const key = randomBytes(32);
    old.database.exec('CREATE TABLE auth_keys (name TEXT PRIMARY KEY, key BLOB NOT NULL)');
    old.database.prepare("INSERT INTO auth_keys (name, key) VALUES ('access-token', ?)").run(key);
    const users = new UserStore(old.database);
    await users.create('admin', 'admin', TEST_USERS.admin.password);
    const token = new AccessTokens(key, 900, new RevokedTokens(old.database)).issue(users.session('admin')!);
    await old.close();
    chmodSync(file, 0o644);

    const upgraded = openSqliteStore({ file });
    const next = await startApi({ host: '127.0.0.1', port: 0, store: upgraded, mqttUrl: broker.tcpUrl, logger: quiet });
    try {
      expect((await call('GET', `${next.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })).body).toEqual({ name: 'admin', role: 'admin' });
      expect(readFileSync(signingKeyFile(file), 'utf8').trim()).toBe(key.toString('base64url'));
      expect(statSync(signingKeyFile(file)).mode & 0o777).toBe(0o600);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(upgraded.database.prepare("SELECT name FROM sqlite_master WHERE name = 'auth_keys'").get()).toBeUndefined();
      // Nor is it left in the file's free pages or the WAL.
      for (const suffix of ['', '-wal']) expect(readFileSync(file + suffix).includes(key)).toBe(false);
    } finally {
      await next.close();
      await upgraded.close();
    }
  });

  it('finding 14: refresh and logout refuse a page of another origin (another port of the same host), coded 403', async () => {
    const { name, password } = TEST_USERS.operator;
    const signedIn = await login(name, password, '127.0.0.41');
    const cookie = signedIn.cookie ?? '';
    const otherPort = `http://127.0.0.1:${Number(new URL(api.url).port) + 1}`;
    for (const origin of [otherPort, 'null', api.url.replace('http:', 'https:'), 'https://evil.example']) {
      for (const route of ['refresh', 'logout']) {
        const refused = await call('POST', `${api.url}/api/auth/${route}`, { headers: { cookie, origin } });
        expect({ route, origin, status: refused.status, body: refused.body }).toMatchObject({ route, origin, status: 403, body: { code: 'HS_ERR_FORBIDDEN', path: 'headers.origin' } });
      }
    }
    // The session was not touched: its own page, a configured origin, and a client without Origin refresh it.
    let current = cookie;
    const allowed: Record<string, string>[] = [{ origin: api.url }, { origin: SESSION_ORIGIN }, {}];
    for (const headers of allowed) {
      const refreshed = await call('POST', `${api.url}/api/auth/refresh`, { headers: { cookie: current, ...headers } });
      expect(refreshed.status).toBe(200);
      current = refreshed.cookie ?? '';
    }
    expect((await call('POST', `${api.url}/api/auth/logout`, { headers: { cookie: current, origin: api.url } })).status).toBe(204);
    expect((await call('POST', `${api.url}/api/auth/refresh`, { headers: { cookie: current } })).status).toBe(401);
  });

  it('finding 14 in Chromium: a page another program serves on the same host gets the cookie sent, and is refused', async () => {
    // The other program: one page that tries to sign the control room out, as any script may.
    const evil = http.createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(`<script>fetch('${api.url}/api/auth/logout', { method: 'POST', mode: 'no-cors', credentials: 'include' });</script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const browser = await launchChromium();
    try {
      const page = await (await newScreen(browser)).newPage();
      await page.goto(`${api.url}/api/health`);
      const { name, password } = TEST_USERS.operator;
      const signIn = (route: string) =>
        page.evaluate(async ([r, body]) => (await fetch(`/api/auth/${r}`, { method: 'POST', headers: body ? { 'content-type': 'application/json' } : {}, body: body || undefined })).status, [route, route === 'login' ? JSON.stringify({ username: name, password }) : ''] as const);
      expect(await signIn('login')).toBe(200);

      // The page never sees the API's answer (CORS, Cross-Origin-Resource-Policy), but the
      // request goes out, with the cookie: the API's own server shows what came and what it said.
      const seen: { cookie?: string; origin?: string; status: number }[] = [];
      const watch = (request: http.IncomingMessage, response: http.ServerResponse): void => {
        if (request.url === '/api/auth/logout') response.on('finish', () => seen.push({ cookie: request.headers.cookie, origin: request.headers.origin, status: response.statusCode }));
      };
      api.app.server.on('request', watch);
      const evilOrigin = `http://127.0.0.1:${(evil.address() as { port: number }).port}`;
      await page.goto(`${evilOrigin}/`);
      await expect.poll(() => seen.length).toBe(1);
      api.app.server.off('request', watch);
      expect(seen[0]).toEqual({ cookie: expect.stringMatching(/hs_refresh=/), origin: evilOrigin, status: 403 });
      // Back in the app, the sign-in is still there.
      await page.goto(`${api.url}/api/health`);
      expect(await signIn('refresh')).toBe(200);
    } finally {
      await browser.close();
      await new Promise((resolve) => evil.close(resolve));
    }
  });
});
