// The loop's forecast input over its real carriers: a file on disk (re-read when it changes)
// and an HTTP feed from a real server on loopback (polled). Bad, stale or unreachable, the
// forecast is refused with one log line and the loop gets no temperature from it.

import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlConfigSchema } from '../control/config-schema.ts';
import { forecastSource } from '../control/forecast-source.ts';
import { startControl } from '../control/start.ts';
import { validateDocument } from '../model/validate.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { captureLog } from './helpers/capture-log.ts';
import { freePort } from './helpers/ports.ts';

const H = 3_600_000;
const T0 = Date.parse('2027-01-15T06:00:00+08:00');
const doc = (issuedAt: number, temps: number[]) => JSON.stringify({ issued_at: new Date(issuedAt).toISOString(), source: 'test', points: temps.map((t, h) => ({ at: issuedAt + h * H, temp_c: t })) });

describe('forecast from a file', () => {
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync(path.join(tmpdir(), 'heatscada-forecast-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses a valid file, re-reads it when it changes, refuses a bad one whole and a stale one, each with one log line', async () => {
    const file = path.join(dir, 'forecast.json');
    let now = T0 + H;
    const { log, lines } = captureLog();
    const source = forecastSource({ file, refreshMin: 10, maxAgeH: 12, clock: () => now, logger: log });
    // No file yet: unreadable, nothing to use.
    await source.refresh();
    expect(source.health()).toMatchObject({ state: 'unreachable', code: 'HS_ERR_FORECAST_READ' });
    expect(source.temperatureAt(T0 + 2 * H)).toBeUndefined();

    writeFileSync(file, doc(T0, [-8, -10, -20, -25]));
    await source.refresh();
    expect(source.temperatureAt(T0 + 2.5 * H)).toBeCloseTo(-22.5, 9);
    expect(source.health()).toMatchObject({ state: 'ok', issuedAt: T0, until: T0 + 3 * H, points: 4, code: null });

    // A new issue replaces it (a different size and time on disk: re-read).
    writeFileSync(file, doc(T0 + H, [-9, -12, -24, -26, -26]));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    await source.refresh();
    expect(source.temperatureAt(T0 + 3 * H)).toBe(-24);

    // A corrupt issue: refused whole, the old one dropped too; the path of the bad field is in the line.
    writeFileSync(file, doc(T0 + 2 * H, [-9, -12, -24]).replace('-12', '"cold"'));
    utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    await source.refresh();
    expect(source.temperatureAt(T0 + 3 * H)).toBeUndefined();
    expect(source.health()).toMatchObject({ state: 'invalid', code: 'HS_ERR_FORECAST_INVALID' });
    expect(source.health().reason).toContain('/points/1/temp_c');
    await source.refresh();
    const refusals = lines.filter((l) => l.event === 'forecast' && l.state === 'invalid');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ code: 'HS_ERR_FORECAST_INVALID' });

    // A good issue again, which then ages past max_age_h on control time.
    writeFileSync(file, doc(T0 + 2 * H, [-9, -12, -24, -25, -25, -25]));
    utimesSync(file, new Date(), new Date(Date.now() + 15_000));
    await source.refresh();
    expect(source.temperatureAt(T0 + 5 * H)).toBe(-25);
    now = T0 + 2 * H + 12.5 * H;
    expect(source.temperatureAt(T0 + 5 * H)).toBeUndefined();
    expect(source.health()).toMatchObject({ state: 'stale', code: 'HS_ERR_FORECAST_STALE' });
    expect(lines.filter((l) => l.event === 'forecast' && l.state === 'stale')).toHaveLength(1);
    await source.stop();
  });
});

describe('forecast from an HTTP feed', () => {
  let server: Server;
  let url: string;
  let reply: { status: number; type: string; body: string; lastModified?: string } = { status: 200, type: 'application/json', body: '' };
  let requests = 0;

  beforeAll(async () => {
    const port = await freePort();
    server = createServer((_req, res) => {
      requests++;
      res.writeHead(reply.status, { 'content-type': reply.type, ...(reply.lastModified ? { 'last-modified': reply.lastModified } : {}) });
      res.end(reply.body);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${port}/forecast`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('polls the feed: JSON, CSV with its Last-Modified as the issue time; a failing feed keeps the last good forecast until it is stale', async () => {
    let now = T0 + H;
    const { log, lines } = captureLog();
    const source = forecastSource({ url, refreshMin: 10, maxAgeH: 6, clock: () => now, logger: log });
    reply = { status: 200, type: 'application/json', body: doc(T0, [-8, -10, -20, -25]) };
    await source.refresh();
    expect(source.temperatureAt(T0 + 1.5 * H)).toBeCloseTo(-15, 9);

    // The feed fails: the last good forecast stands (a network blip is not a bad forecast)…
    reply = { status: 503, type: 'text/plain', body: 'down' };
    await source.refresh();
    expect(source.health()).toMatchObject({ state: 'unreachable', code: 'HS_ERR_FORECAST_READ', issuedAt: T0 });
    expect(source.health().reason).toContain('HTTP 503');
    expect(source.temperatureAt(T0 + 1.5 * H)).toBeCloseTo(-15, 9);
    // …until it is older than max_age_h.
    now = T0 + 6.5 * H;
    await source.refresh();
    expect(source.temperatureAt(T0 + 1.5 * H)).toBeUndefined();

    const issued = new Date(T0 + 6 * H);
    reply = { status: 200, type: 'text/csv', lastModified: issued.toUTCString(), body: `at,temp_c\n${new Date(T0 + 6 * H).toISOString()},-20\n${T0 + 7 * H},-26\n` };
    await source.refresh();
    expect(source.health()).toMatchObject({ state: 'ok', issuedAt: issued.getTime(), points: 2 });
    expect(source.temperatureAt(T0 + 6.5 * H)).toBeCloseTo(-23, 9);

    reply = { status: 200, type: 'text/csv', body: `at,temp_c\n${T0 + 6 * H},-20\n${T0 + 9 * H},-26\n` };
    await source.refresh();
    expect(source.temperatureAt(T0 + 6.5 * H)).toBeUndefined();
    expect(source.health()).toMatchObject({ state: 'invalid', code: 'HS_ERR_FORECAST_INVALID' });
    expect(source.health().reason).toMatch(/row 3.*hourly or finer/);
    expect(lines.filter((l) => l.level >= 40).map((l) => l.state)).toEqual(['unreachable', 'stale', 'invalid']);

    // Started, it polls by itself.
    const before = requests;
    source.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(requests).toBeGreaterThan(before);
    await source.stop();
  });
});

describe('forecast configuration', () => {
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync(path.join(tmpdir(), 'heatscada-forecast-config-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused at start with the path of the field: a file and a url, or a transport lead nobody can measure', async () => {
    const store = openSqliteStore({ file: path.join(dir, 'store.db') });
    const { log } = captureLog();
    const start = (forecast: Record<string, unknown>) => startControl({ control: validateDocument(ControlConfigSchema, { forecast }, 'HS_ERR_CONFIG_INVALID') }, { store, logger: log });
    await expect(start({ file: 'f.json', url: 'http://127.0.0.1:1/f' })).rejects.toMatchObject({ code: 'HS_ERR_CONFIG_INVALID', path: '/control/forecast/url' });
    await expect(start({ file: 'f.json', lead_h: 'transport' })).rejects.toMatchObject({ code: 'HS_ERR_CONFIG_INVALID', path: '/control/forecast/transport_h' });
    expect(() => validateDocument(ControlConfigSchema, { forecast: { lead_h: 'soon' } }, 'HS_ERR_CONFIG_INVALID')).toThrow(expect.objectContaining({ path: '/forecast/lead_h' }));
    expect(() => validateDocument(ControlConfigSchema, { forecast: { url: 'ftp://x' } }, 'HS_ERR_CONFIG_INVALID')).toThrow(expect.objectContaining({ path: '/forecast/url' }));
    await store.close();
  });
});
