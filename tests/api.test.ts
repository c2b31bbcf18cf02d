// The API over real sockets: aedes broker, SQLite store, a Sparkplug edge node (PlantDrivers on a
// simulated plant, polled by hand) → live feed → socket.io rooms; every REST route through
// Fastify inject, bad input included (400/404 with an HS_ERR code and the field, never a 500),
// signed in as a viewer (access control itself: tests/api-auth.test.ts).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../api/server.ts';
import { UserStore } from '../api/auth/user-store.ts';
import { startApi } from '../api/server.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { resolveEdgeNodeConfig } from '../collectors/sparkplug/edge-node-config.ts';
import { EdgeNode } from '../collectors/sparkplug/edge-node.ts';
import type { StoredPoint, TimeSeriesStore } from '../model/store.ts';
import { TAGS } from '../model/tags.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { Plant } from '../simulators/plant.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { bearer, loginToken, seedTestUsers } from './helpers/auth.ts';
import { PlantDriver } from './helpers/plant-driver.ts';

const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
const HOUR = 3_600_000;

async function eventually<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A socket.io client that records every event it receives, in order. */
class LiveClient {
  readonly events: { name: string; body: unknown }[] = [];
  readonly socket: Socket;
  constructor(url: string, token: string) {
    this.socket = connectSocket(url, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token } });
    this.socket.onAny((name: string, body: unknown) => this.events.push({ name, body }));
  }
  async connected(): Promise<void> {
    await eventually(() => (this.socket.connected ? true : undefined), 'socket connection');
  }
  next(name: string, from: number, match: (body: never) => boolean = () => true): Promise<unknown> {
    return eventually(() => this.events.slice(from).find((e) => e.name === name && match(e.body as never))?.body, `${name} event`);
  }
}

describe('API', () => {
  let dir: string;
  let broker: Broker;
  let store: TimeSeriesStore;
  let api: Api;
  let token: string;
  const now = Date.now();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'api-test-'));
    broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, logger: log });
    const sqlite = openSqliteStore({ file: path.join(dir, 'store.db') });
    await seedTestUsers(new UserStore(sqlite.database));
    store = sqlite;
    const history: StoredPoint[] = [];
    for (let ts = now - HOUR; ts < now; ts += 10_000) history.push({ substation: 'S001', tag: 'primary.supply_temp', ts, value: 80 + ((ts / 10_000) % 10), quality: 'good' });
    history.push(
      { substation: 'S001', tag: 'heat.power', ts: now - 1000, value: 1500, quality: 'good' },
      { substation: 'S001', tag: 'outdoor.temp', ts: now - 1000, value: -5, quality: 'good' },
      { substation: 'S001', tag: 'power.ok', ts: now - 1000, value: true, quality: 'good' },
      { substation: 'S009', tag: 'heat.power', ts: now - 1000, value: 700, quality: 'uncertain' },
      { substation: 'S009', tag: 'power.ok', ts: now - 1000, value: false, quality: 'good' },
    );
    await store.write(history);
    await store.setStatus({ substation: 'S008', online: false, ts: now - 5000 });
    const web = path.join(dir, 'web');
    mkdirSync(path.join(web, 'assets'), { recursive: true });
    writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>HeatSCADA</title>');
    writeFileSync(path.join(web, 'assets', 'app.js'), 'console.log(1)');
    api = await startApi({
      host: '127.0.0.1',
      port: 0,
      store,
      mqttUrl: broker.tcpUrl,
      webDir: web,
      sites: [{ id: 'S001', name: 'Alpha', location: { lat: 41.8, lon: 123.4 } }, { id: 'S007' }],
      staleAfterS: 60,
      overviewIntervalMs: 50,
      logger: log,
    });
    token = await loginToken(api.url, 'viewer');
  });

  afterAll(async () => {
    await api?.close();
    await broker?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string) => api.app.inject({ method: 'GET', url, headers: bearer(token) });

  describe('REST', () => {
    it('GET /api/network: sites and seen substations with status, location and key values, and totals', async () => {
      const res = await get('/api/network');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      const byId = new Map(body.substations.map((s: { id: string }) => [s.id, s]));
      expect([...byId.keys()]).toEqual(['S001', 'S007', 'S008', 'S009']);
      expect(byId.get('S001')).toMatchObject({
        name: 'Alpha',
        location: { lat: 41.8, lon: 123.4 },
        status: 'online',
        values: { 'heat.power': { value: 1500, quality: 'good', ts: now - 1000 }, 'power.ok': { value: true } },
      });
      expect(byId.get('S007')).toMatchObject({ status: 'offline', values: {} });
      expect(byId.get('S008')).toMatchObject({ status: 'offline' });
      expect(byId.get('S009')).toMatchObject({ status: 'alarm' });
      expect(body.totals).toMatchObject({ heatPowerKw: 2200, outdoorC: -5, substations: 4, online: 1, offline: 2, stale: 0, alarm: 1 });
    });

    it('GET /api/network/totals', async () => {
      const res = await get('/api/network/totals');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ heatPowerKw: 2200, outdoorC: -5, substations: 4, online: 1, offline: 2, stale: 0, alarm: 1 });
    });

    it('GET /api/substations/:id: every catalogue tag with unit, range, value, quality and age; unknown → 404', async () => {
      const res = await get('/api/substations/S001');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ id: 'S001', name: 'Alpha', status: 'online' });
      expect(body.tags).toHaveLength(TAGS.length);
      const heat = body.tags.find((t: { tag: string }) => t.tag === 'heat.power');
      expect(heat).toMatchObject({ unit: 'kW', kind: 'measurement', writable: false, min: 0, max: 30000, value: 1500, quality: 'good', ts: now - 1000 });
      expect(heat.ageMs).toBeGreaterThanOrEqual(1000);
      expect(body.tags.find((t: { tag: string }) => t.tag === 'pump.frequency_setpoint')).toMatchObject({ writable: true, value: null, ageMs: null });

      const missing = await get('/api/substations/S404');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ code: 'HS_ERR_UNKNOWN_SUBSTATION', path: 'params.id' });
    });

    it('GET /api/history: buckets of a nice step, per series with its unit', async () => {
      const res = await get(`/api/history?series=S001:primary.supply_temp,S002:heat.power&from=${now - HOUR}&to=${new Date(now).toISOString()}&points=60`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.stepMs).toBe(60_000);
      expect(body.series[0]).toMatchObject({ substation: 'S001', tag: 'primary.supply_temp', unit: '°C' });
      expect(body.series[0].points.length).toBeGreaterThanOrEqual(59);
      expect(body.series[0].points.length).toBeLessThanOrEqual(61);
      for (const [ts, value] of body.series[0].points) {
        expect(ts % 60_000).toBe(0);
        expect(value).toBeGreaterThanOrEqual(80);
        expect(value).toBeLessThan(90); // 80 + (ts / 10 s mod 10), ts not on a 10 s boundary
      }
      expect(body.series[1]).toMatchObject({ substation: 'S002', tag: 'heat.power', unit: 'kW', points: [] });
    });

    it('GET /api/history.csv: header with units, ISO times, attachment', async () => {
      const res = await get(`/api/history.csv?series=S001:primary.supply_temp,S001:heat.power&from=${now - HOUR}&to=${now}&points=10&agg=max`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="heatscada-history-.*\.csv"$/);
      const lines = res.body.trim().split('\n');
      expect(lines[0]).toBe('ts,S001:primary.supply_temp (°C),S001:heat.power (kW)');
      expect(lines.length).toBe(1 + 7); // 10-minute buckets (the nice step over 6 min)
      expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,8\d(\.\d+)?,$/);
      expect(lines.at(-1)).toMatch(/,1500$/);
    });

    it.each([
      ['bad series syntax', `series=S001-primary.supply_temp&from=1&to=2`, 400, 'HS_ERR_BAD_REQUEST', 'querystring.series[0]'],
      ['unknown tag', `series=S001:primary.nope&from=1&to=2`, 404, 'HS_ERR_UNKNOWN_TAG', 'querystring.series[0]'],
      ['from ≥ to', `series=S001:heat.power&from=5000&to=5000`, 400, 'HS_ERR_BAD_REQUEST', 'querystring.from'],
      ['from not a time', `series=S001:heat.power&from=yesterday&to=5000`, 400, 'HS_ERR_BAD_REQUEST', 'querystring.from'],
      ['range too long', `series=S001:heat.power&from=0&to=${500 * 24 * HOUR}`, 400, 'HS_ERR_BAD_REQUEST', 'querystring.to'],
      ['points too few', `series=S001:heat.power&from=1&to=2&points=5`, 400, 'HS_ERR_BAD_REQUEST', 'querystring.points'],
      ['points too many', `series=S001:heat.power&from=1&to=2&points=5001`, 400, 'HS_ERR_BAD_REQUEST', 'querystring.points'],
      ['points not a number', `series=S001:heat.power&from=1&to=2&points=many`, 400, 'HS_ERR_BAD_REQUEST', 'querystring.points'],
      ['bad agg', `series=S001:heat.power&from=1&to=2&agg=median`, 400, 'HS_ERR_BAD_REQUEST', 'querystring.agg'],
      ['series missing', `from=1&to=2`, 400, 'HS_ERR_BAD_REQUEST', 'querystring.series'],
      ['too many series', `series=${Array.from({ length: 21 }, (_, i) => `S${i}:heat.power`).join(',')}&from=1&to=2`, 400, 'HS_ERR_BAD_REQUEST', 'querystring.series'],
    ])('history: %s (%s) → %i %s at %s', async (_what, query, status, code, where) => {
      for (const route of ['/api/history', '/api/history.csv']) {
        const res = await get(`${route}?${query}`);
        expect(res.statusCode).toBe(status);
        expect(res.json()).toMatchObject({ code, path: where });
      }
    });

    it('GET /api/health and /metrics', async () => {
      const health = await get('/api/health');
      expect(health.statusCode).toBe(200);
      // The zone the control room shows times in: display.time_zone, Asia/Shanghai by default.
      expect(health.json()).toMatchObject({ status: 'ok', mqtt: true, store: true, timeZone: 'Asia/Shanghai' });
      const metrics = await get('/metrics');
      expect(metrics.statusCode).toBe(200);
      expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(metrics.body).toMatch(/^heatscada_http_requests_total\{method="GET",route="\/api\/health",status="200"\} \d+$/m);
      expect(metrics.body).toMatch(/^heatscada_substations\{status="alarm"\} 1$/m);
      expect(metrics.body).toMatch(/^heatscada_live_clients 0$/m);
      expect(metrics.body).toMatch(/^heatscada_mqtt_messages_received_total \d+$/m);
      expect(metrics.body).toMatch(/^heatscada_live_points_pushed_total \d+$/m);
    });

    it('OpenAPI document lists every route; the docs UI and its assets are served locally', async () => {
      const doc = (await get('/api/openapi.json')).json();
      expect(doc.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.paths).sort()).toEqual(
        [
          '/api/health', '/api/history', '/api/history.csv', '/api/network', '/api/network/topology', '/api/network/totals', '/api/platform/status', '/api/substations/{id}', '/metrics',
          ...['', '/{id}', '/{id}/ack', '/{id}/service', '/{id}/shelve', '/{id}/unshelve'].map((p) => `/api/alarms${p}`),
          ...['', '/kpis', '/{id}', '/{id}/notes', '/{id}/state'].map((p) => `/api/work-orders${p}`),
          ...['', '/audit', '/curve', '/mode'].map((p) => `/api/control${p}`),
          ...['login', 'logout', 'me', 'refresh'].map((p) => `/api/auth/${p}`),
          '/api/users', '/api/users/{name}', '/api/audit', '/api/audit.csv', '/api/audit/verify',
          ...['/address-book', '/complaints', '/complaints/{id}', '/complaints/{id}/close', '/complaints/{id}/context', '/complaints/{id}/dispatch', '/complaints/{id}/follow-up', '/complaints/{id}/on-site', '/complaints/{id}/resolve', '/import', '/kpis'].map((p) => `/api/service${p}`),
          ...['/board', '/checklist', '/checklist.csv', '/checklist/{substation}', '/checklist/{substation}/{phase}', '/plan', '/report'].map((p) => `/api/season${p}`),
        ].sort(),
      );
      expect(doc.paths['/api/history'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['agg', 'from', 'points', 'series', 'to']);
      const ui = await get('/api/docs/');
      expect(ui.statusCode).toBe(200);
      expect(ui.body).toContain('swagger-ui');
      for (const asset of ['/api/docs/static/swagger-ui.css', '/api/docs/static/swagger-ui-bundle.js']) expect((await get(asset)).statusCode).toBe(200);
    });

    it('404s: API paths get HS_ERR_NOT_FOUND; other GETs get the web app (SPA fallback); files are served', async () => {
      const api404 = await get('/api/nothing-here');
      expect(api404.statusCode).toBe(404);
      expect(api404.json()).toMatchObject({ code: 'HS_ERR_NOT_FOUND' });
      expect((await api.app.inject({ method: 'DELETE', url: '/api/network' })).json()).toMatchObject({ code: 'HS_ERR_NOT_FOUND' });
      for (const url of ['/', '/substations/S001', '/trends?x=1']) {
        const res = await get(url);
        expect(res.statusCode).toBe(200);
        expect(res.body).toContain('<title>HeatSCADA</title>');
      }
      expect((await get('/assets/app.js')).body).toBe('console.log(1)');
    });
  });

  describe('live push (socket.io fed from MQTT)', () => {
    let plant: Plant;
    let drivers: PlantDriver[];
    let edge: EdgeNode;
    let client: LiveClient;

    beforeAll(async () => {
      plant = new Plant(generateCity({ substations: 3, seed: 5 }), { startMs: Date.now(), stepS: 1, warmUpS: 600 });
      drivers = ['S001', 'S002'].map((s) => new PlantDriver(plant, s));
      await Promise.all(drivers.map((d) => d.connect()));
      const config = resolveEdgeNodeConfig({
        mqtt: { url: broker.tcpUrl, protocol_version: 4, reconnect_s: 0.05, keepalive_s: 5 },
        group_id: 'heatscada',
        edge_node_id: 'edge-api',
        data_dir: path.join(dir, 'edge'),
        poll_interval_s: 3600,
        refresh_interval_s: 3600,
      });
      edge = new EdgeNode(config, drivers, log);
      await edge.start();
      // The API learns the aliases from the births (no rebirth needed: it was subscribed first).
      await eventually(() => (api.stats().mqtt.messages >= 3 ? true : undefined), 'NBIRTH and both DBIRTHs seen by the API');
      client = new LiveClient(api.url, token);
      await client.connected();
    });

    afterAll(async () => {
      client?.socket.close();
      await edge?.stop();
      await Promise.all((drivers ?? []).map((d) => d.close()));
    });

    it('a substation room: snapshot first, then the changed value as it arrives', async () => {
      const from = client.events.length;
      client.socket.emit('subscribe', { room: 'substation', id: 'S001' });
      const snapshot = (await client.next('snapshot', from)) as { id: string; status: string; points: { tag: string; value: unknown }[] };
      expect(snapshot).toMatchObject({ id: 'S001', status: 'online' });
      expect(snapshot.points.find((p) => p.tag === 'plc.heartbeat')?.value).toBe(plant.read('S001', 'plc.heartbeat'));
      expect(client.events.slice(from)[0].name).toBe('snapshot');

      const before = client.events.length;
      plant.advance(1);
      drivers[0].poll();
      drivers[1].poll();
      const beat = plant.read('S001', 'plc.heartbeat');
      const update = (await client.next('update', before)) as { id: string; points: { tag: string; value: unknown; ts: number; quality: string }[] };
      expect(update.id).toBe('S001');
      expect(update.points.find((p) => p.tag === 'plc.heartbeat')).toEqual({ tag: 'plc.heartbeat', value: beat, quality: 'good', ts: plant.timeMs });
      // S002 is not subscribed: none of its updates come to this client.
      await new Promise((r) => setTimeout(r, 100));
      expect(client.events.slice(before).every((e) => e.name !== 'update' || (e.body as { id: string }).id === 'S001')).toBe(true);
      // REST sees the same value (the live table, not a store poll).
      const tags = (await get('/api/substations/S001')).json().tags as { tag: string; value: unknown }[];
      expect(tags.find((t) => t.tag === 'plc.heartbeat')?.value).toBe(beat);
    });

    it('the overview room: a compact snapshot, then coalesced rows of what changed', async () => {
      const from = client.events.length;
      client.socket.emit('subscribe', { room: 'overview' });
      const snapshot = (await client.next('snapshot', from, (b: { rows?: unknown }) => Array.isArray(b.rows))) as { rows: unknown[][] };
      const s001 = snapshot.rows.find((r) => r[0] === 'S001');
      expect(s001).toHaveLength(9);
      expect(s001?.[1]).toBe('online');
      const held = (await get('/api/substations/S001')).json().tags.find((t: { tag: string }) => t.tag === 'heat.power').value;
      expect(s001?.[6]).toBe(held);
      expect(s001?.[6]).not.toBe(1500);

      const before = client.events.length;
      for (let i = 0; i < 3; i++) {
        plant.advance(60);
        drivers[0].poll();
      }
      const frame = (await client.next('update', before, (b: { rows?: unknown }) => Array.isArray(b.rows))) as { ts: number; rows: unknown[][] };
      expect(frame.rows.map((r) => r[0])).toEqual(['S001']);
      client.socket.emit('unsubscribe', { room: 'overview' });
    });

    it('bad subscriptions get an error event with the HS_ERR code and the field', async () => {
      const from = client.events.length;
      client.socket.emit('subscribe', { room: 'kitchen' });
      expect(await client.next('error', from)).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'room' });
      client.socket.emit('subscribe', { room: 'substation' });
      expect(await client.next('error', from + 1)).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'id' });
      client.socket.emit('subscribe', { room: 'substation', id: 'S404' });
      expect(await client.next('error', from + 2)).toMatchObject({ code: 'HS_ERR_UNKNOWN_SUBSTATION', path: 'S404' });
    });

    it('a reconnecting client subscribes again and gets a snapshot before any update', async () => {
      const again = new LiveClient(api.url, token);
      await again.connected();
      again.socket.emit('subscribe', { room: 'substation', id: 'S001' });
      await again.next('snapshot', 0);
      again.socket.disconnect();
      plant.advance(1);
      drivers[0].poll();
      await new Promise((r) => setTimeout(r, 100));
      const from = again.events.length;
      again.socket.connect();
      await again.connected();
      again.socket.emit('subscribe', { room: 'substation', id: 'S001' });
      const snapshot = (await again.next('snapshot', from)) as { points: { tag: string; value: unknown }[] };
      expect(snapshot.points.find((p) => p.tag === 'plc.heartbeat')?.value).toBe(plant.read('S001', 'plc.heartbeat'));
      plant.advance(1);
      drivers[0].poll();
      await again.next('update', from);
      expect(again.events.slice(from).map((e) => e.name)[0]).toBe('snapshot');
      again.socket.close();
    });

    it('an edge node death turns its substations offline: a status event, and REST agrees', async () => {
      const from = client.events.length;
      await edge.stop();
      expect(await client.next('status', from, (b: { id: string }) => b.id === 'S001')).toEqual({ id: 'S001', status: 'offline' });
      expect((await get('/api/substations/S001')).json().status).toBe('offline');
    });
  });
});
