// The simulator's admin endpoint against what a web page on the same machine can send, over a
// real HTTP socket and from real Chromium: without the token (kept 0600 in the data folder),
// with a body that is not application/json, with an Origin header, or addressed by a name that
// is not loopback (DNS rebinding), a request is refused with a coded error and injects nothing.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminTokenFile, startAdminHttp, type AdminServer } from '../simulators/admin-http.ts';
import { SimClock } from '../simulators/clock.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { Plant } from '../simulators/plant.ts';
import { launchChromium } from './helpers/browser.ts';

interface Answer {
  status: number;
  body: { code?: string; message?: string; path?: string } & Record<string, unknown>;
}

describe('the simulator admin endpoint refuses what a web page can send', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hs-sim-admin-'));
  const plant = new Plant(generateCity({ substations: 2, seed: 1 }), { startMs: Date.now() });
  const substation = plant.substationIds[0]!;
  const FAULT = JSON.stringify({ kind: 'power_loss', substation });
  let admin: AdminServer;
  let token: string;
  let browser: Browser | undefined;
  let attacker: Server | undefined;

  /** One request with exactly these headers (node's fetch would not send a Host of our choosing). */
  function send(method: string, route: string, headers: Record<string, string>, body?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(`${admin.url}${route}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer['body'] }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const good = (): Record<string, string> => ({ host: new URL(admin.url).host, authorization: `Bearer ${token}`, 'content-type': 'application/json' });

  beforeAll(async () => {
    admin = await startAdminHttp({ plant, clock: new SimClock(plant, { speed: 1 }), endpoints: [] }, 0, dir);
    token = readFileSync(adminTokenFile(dir), 'utf8').trim();
  });

  afterAll(async () => {
    await browser?.close();
    attacker?.close();
    await admin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps its token in the data folder, 0600, and tells where', () => {
    expect(admin.tokenFile).toBe(path.join(dir, 'secrets', 'sim-admin.token'));
    expect(statSync(admin.tokenFile).mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('answers a request with the token, JSON and a loopback Host, and no Origin', async () => {
    const injected = await send('POST', '/faults', good(), FAULT);
    expect(injected).toMatchObject({ status: 201, body: { kind: 'power_loss', substation } });
    expect((await send('DELETE', `/faults/${String(injected.body.id)}`, good())).status).toBe(200);
    for (const host of [`localhost:${admin.port}`, `[::1]:${admin.port}`, `127.0.0.1:${admin.port}`]) {
      expect((await send('GET', '/status', { ...good(), host })).status, host).toBe(200);
    }
  });

  it('refuses, with a code, a missing or wrong token, a body that is not JSON, an Origin and a foreign Host', async () => {
    const { authorization: _, ...noToken } = good();
    const cases: [string, Record<string, string>, number, string, string][] = [
      ['no token', noToken, 401, 'HS_ERR_SIM_ADMIN_TOKEN', 'authorization'],
      ['wrong token', { ...good(), authorization: `Bearer ${token}x` }, 401, 'HS_ERR_SIM_ADMIN_TOKEN', 'authorization'],
      ['the token under another scheme', { ...good(), authorization: `Basic ${token}` }, 401, 'HS_ERR_SIM_ADMIN_TOKEN', 'authorization'],
      ['text/plain (an HTML form or a no-cors fetch)', { ...good(), 'content-type': 'text/plain' }, 415, 'HS_ERR_SIM_ADMIN_CONTENT_TYPE', 'content-type'],
      ['form-encoded', { ...good(), 'content-type': 'application/x-www-form-urlencoded' }, 415, 'HS_ERR_SIM_ADMIN_CONTENT_TYPE', 'content-type'],
      ['a foreign Origin', { ...good(), origin: 'http://evil.example' }, 403, 'HS_ERR_SIM_ADMIN_ORIGIN', 'origin'],
      ['a loopback Origin', { ...good(), origin: `http://127.0.0.1:${admin.port + 1}` }, 403, 'HS_ERR_SIM_ADMIN_ORIGIN', 'origin'],
      ['Host evil.example (DNS rebinding)', { ...good(), host: `evil.example:${admin.port}` }, 403, 'HS_ERR_SIM_ADMIN_LOOPBACK', 'host'],
      ['Host of a LAN address', { ...good(), host: `192.168.1.20:${admin.port}` }, 403, 'HS_ERR_SIM_ADMIN_LOOPBACK', 'host'],
    ];
    for (const [what, headers, status, code, at] of cases) {
      const answer = await send('POST', '/faults', headers, FAULT);
      expect({ what, status: answer.status, code: answer.body.code, path: answer.body.path }).toEqual({ what, status, code, path: at });
      expect(answer.body.message).toContain(code);
    }
    // Reading is refused too: a rebound page learns nothing of the plant.
    expect((await send('GET', '/status', { ...good(), host: `evil.example:${admin.port}` })).status).toBe(403);
    expect((await send('GET', '/status', noToken)).status).toBe(401);
    expect(plant.faults.list()).toEqual([]);
  });

  it('a page in Chromium on this machine cannot inject a fault, however it posts', async () => {
    browser = await launchChromium();
    // The attacker's page, served on this machine from an origin of its own (another port), so
    // the browser's guard against public pages reaching loopback does not stand in the way.
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>cats</title>'));
    await new Promise<void>((resolve) => attacker!.listen(0, '127.0.0.1', resolve));
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    const target = `${admin.url}/faults`;
    await page.evaluate(
      async ({ target, fault }) => {
        // A "simple" request needs no CORS preflight: the browser sends it, the page cannot read the answer.
        await fetch(target, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: fault }).catch(() => undefined);
        await fetch(target, { method: 'POST', mode: 'no-cors', body: new URLSearchParams({ kind: 'power_loss' }) }).catch(() => undefined);
      },
      { target, fault: FAULT },
    );
    expect(plant.faults.list()).toEqual([]);
    // And an HTML form, which navigates: its answer is what the admin endpoint said.
    const answer = page.waitForResponse(target);
    await page.setContent(`<form method="post" action="${target}" enctype="text/plain"><input name='${FAULT.slice(0, -1)},"x":"' value='"}'></form>`);
    await page.locator('form').evaluate((form: HTMLFormElement) => form.submit());
    expect((await answer).status()).toBe(403);
    expect(plant.faults.list()).toEqual([]);
  });
});
