// Two API nodes of one cluster, as real Fastify servers from api/server.ts, meeting in one Redis
// (Debian's redis-server) over one store and users database, with the alarm engine in node B's
// process only: a token signed in on either node opens the other, a sign-out or a user change on
// one is refused by the other at once, each node's live feed reaches its own clients once, and a
// browser on node A sees live, without a reload, an alarm acknowledged through node B.

import { rmSync, mkdirSync } from 'node:fs';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAlarmsConfig } from '../alarms/config-schema.ts';
import { startApi, type Api } from '../api/server.ts';
import { startRedisServer, type RedisServer } from '../cluster/engines/redis-server.ts';
import type { Alarm } from '../web/src/alarms-api.ts';
import { bearer, loginToken, TEST_USERS } from './helpers/auth.ts';
import { ensureWebBuilt, launchChromium, logIn, newScreen, WEB_DIR } from './helpers/browser.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';
import { freePort } from './helpers/ports.ts';

const DIR = '/tmp/api/cluster-test';

describe('the API on two nodes sharing one Redis', () => {
  let platform: TestPlatform;
  let redis: RedisServer;
  let a: Api;
  let b: Api;
  let browser: Browser;
  const sockets: Socket[] = [];

  const node = (alarms: boolean) =>
    startApi({
      host: '127.0.0.1',
      port: 0,
      store: platform.store,
      mqttUrl: platform.brokerUrl,
      webDir: WEB_DIR,
      sitesFile: platform.sitesFile,
      ...(alarms ? { alarms: platform.alarms } : {}),
      cluster: { redisUrl: redis.url, signingKeyFile: `${DIR}/signing-key` },
      logger: pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' }),
    });
  const status = async (api: Api, token: string, path = '/api/auth/me') => (await fetch(`${api.url}${path}`, { headers: bearer(token) })).status;

  beforeAll(async () => {
    ensureWebBuilt();
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    redis = await startRedisServer(await freePort());
    platform = await startTestPlatform({ substations: 3, alarms: resolveAlarmsConfig({ poll_period_s: 1, evaluate_every_s: 0.2 }) });
    // The platform's own single-node API is not part of the cluster.
    await platform.stopApi();
    [a, b] = await Promise.all([node(false), node(true)]);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await browser?.close();
    await a?.close();
    await b?.close();
    await platform?.stop();
    await redis?.stop();
    rmSync(DIR, { recursive: true, force: true });
  });

  it('takes a token signed in on one node on the other, and refuses it on both once signed out on one', async () => {
    const token = await loginToken(a.url, 'viewer');
    expect(await status(b, token)).toBe(200);
    const logout = await fetch(`${a.url}/api/auth/logout`, { method: 'POST', headers: bearer(token) });
    expect(logout.status).toBe(204);
    // At once: the logout answered only after node B held the revocation.
    expect(await status(b, token)).toBe(401);
    expect(await status(a, token)).toBe(401);
    // A token of node B's, signed out there, likewise on node A.
    const other = await loginToken(b.url, 'viewer');
    expect(await status(a, other)).toBe(200);
    await fetch(`${b.url}/api/auth/logout`, { method: 'POST', headers: bearer(other) });
    expect(await status(a, other)).toBe(401);
  });

  it("refuses on every node a user's tokens once an admin changed the user on one", async () => {
    const engineer = await loginToken(b.url, 'engineer');
    expect(await status(b, engineer)).toBe(200);
    expect(await status(a, engineer)).toBe(200);
    const admin = await loginToken(a.url, 'admin');
    const demoted = await fetch(`${a.url}/api/users/engineer`, { method: 'PATCH', headers: { ...bearer(admin), 'content-type': 'application/json' }, body: JSON.stringify({ role: 'viewer' }) });
    expect(demoted.status).toBe(200);
    // Node B had the engineer's session cached: it is dropped, the old token refused.
    expect(await status(b, engineer)).toBe(401);
    const again = await loginToken(b.url, 'engineer');
    expect(await (await fetch(`${b.url}/api/auth/me`, { headers: bearer(again) })).json()).toMatchObject({ role: 'viewer' });
    await fetch(`${a.url}/api/users/engineer`, { method: 'PATCH', headers: { ...bearer(admin), 'content-type': 'application/json' }, body: JSON.stringify({ role: 'engineer' }) });
  });

  it("sends a node's clients its own feed once, not once per node", async () => {
    const id = platform.plant.spec.substations[0].id;
    /** The points of the substation a client of the node received, as tag@ts, in order. */
    const watch = async (api: Api): Promise<string[]> => {
      const socket = connectSocket(api.url, { path: '/socket.io', auth: { token: await loginToken(api.url, 'viewer') }, transports: ['websocket'] });
      sockets.push(socket);
      const seen: string[] = [];
      socket.on('update', (u: { id?: string; points?: { tag: string; ts: number }[] }) => {
        if (u.id === id) for (const p of u.points ?? []) seen.push(`${p.tag}@${p.ts}`);
      });
      socket.emit('subscribe', { room: 'substation', id });
      return seen;
    };
    // A client in the room on each node: each node's feed must reach only its own.
    const [onA, onB] = await Promise.all([watch(a), watch(b)]);
    await expect.poll(() => Math.min(onA.length, onB.length), { timeout: 15_000 }).toBeGreaterThan(12);
    expect(new Set(onA).size).toBe(onA.length);
    expect(new Set(onB).size).toBe(onB.length);
  });

  it('serves the alarm list on the node without the engine, and shows there live an alarm acknowledged through the other node', async () => {
    const faulty = platform.plant.spec.substations[1].id;
    const page: Page = await (await newScreen(browser)).newPage();
    await logIn(page, a.url, TEST_USERS.viewer, '#/alarms');
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    const row = page.locator(`tr[data-alarm="pump_trip"][data-substation="${faulty}"]`);
    platform.plant.injectFault({ kind: 'pump_trip', substation: faulty });
    await expect.poll(() => row.getAttribute('data-state').catch(() => null), { timeout: 30_000 }).toBe('unack_active');

    // The operator signs in on node A and acknowledges through node B.
    const operator = await loginToken(a.url, 'operator');
    const list = (await (await fetch(`${b.url}/api/alarms`, { headers: bearer(operator) })).json()) as { alarms: Alarm[] };
    const alarm = list.alarms.find((x) => x.alarm === 'pump_trip' && x.substation === faulty)!;
    const ack = await fetch(`${b.url}/api/alarms/${alarm.id}/ack`, { method: 'POST', headers: { ...bearer(operator), 'content-type': 'application/json' }, body: JSON.stringify({ comment: 'seen on node B' }) });
    expect(ack.status).toBe(200);
    await expect.poll(() => row.getAttribute('data-state')).toBe('ack_active');
    expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);

    // Audited once, by the node that ran it, with the operator's name.
    const audit = (await (await fetch(`${a.url}/api/audit?action=alarm.ack`, { headers: bearer(await loginToken(a.url, 'engineer')) })).json()) as { records: { actor: string; target: string }[] };
    expect(audit.records.filter((r) => r.target === `alarm:${alarm.id}`)).toEqual([expect.objectContaining({ actor: TEST_USERS.operator.name })]);
  });
});
