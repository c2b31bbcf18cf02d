// The alarm engine against the real data path: simulated PLCs on Modbus TCP → collector →
// aedes → (Sparkplug) → alarm engine, with the engine's clock on the simulated time and the plant
// running 20× real time. Injected faults raise their root alarm and only it, return when
// cleared; a local webhook receiver gets each notification exactly once although it fails at
// first and the engine restarts in between.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAlarmsConfig } from '../alarms/config-schema.ts';
import { startApi } from '../api/server.ts';
import type { ActiveFault } from '../simulators/faults/schema.ts';
import { bearer, loginToken } from './helpers/auth.ts';
import { eventually } from './helpers/eventually.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
const SPEED = 20;

describe('alarms over the real data path', () => {
  let platform: TestPlatform;
  let receiver: Server;
  let receiverUrl: string;
  /** Every request the receiver answered 2xx, by idempotency key, and how many it refused. */
  const accepted: { key: string; body: { kind: string; alarm?: string; substation?: string } }[] = [];
  let refusals = 2;

  const config = () =>
    resolveAlarmsConfig({
      // A poll is 0.25 s wall = 5 simulated s; silence counts from 3 × 10 s.
      poll_period_s: 10,
      evaluate_every_s: 0.1,
      webhooks: [{ url: receiverUrl, route: { priorities: ['critical', 'high'] } }],
      retry: { first_s: 0.2, max_s: 1 },
      crews: [{ id: 'north', name: 'North crew', groups: [] }],
      overrides: [{ alarm: 'cold_homes', set: { threshold: 12 } }, { alarm: 'supply_off_setpoint', set: { threshold: 15 } }, { alarm: 'supply_off_setpoint', rule: 1, set: { threshold: -15 } }],
    });
  const active = () => platform.alarms.engine.records().filter((r) => r.state === 'unack_active' || r.state === 'ack_active').map((r) => `${r.substation}/${r.alarm}`).sort();
  /** Injects the fault and waits until its root alarm (of the same name) stands, and nothing else. */
  const raise = async (kind: 'pump_trip' | 'power_loss', substation: string): Promise<ActiveFault> => {
    const fault = platform.plant.injectFault({ kind, substation });
    await eventually(() => expect(active()).toEqual([`${substation}/${kind}`]));
    return fault;
  };
  /** Clears the fault and waits until no alarm stands. */
  const clear = async (fault: ActiveFault): Promise<void> => {
    platform.plant.clearFault(fault.id);
    await eventually(() => expect(active()).toEqual([]));
  };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (refusals > 0) {
          refusals--;
          res.writeHead(503).end();
          return;
        }
        accepted.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(body) as (typeof accepted)[number]['body'] });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    platform = await startTestPlatform({ substations: 4, seed: 7, speed: SPEED, alarms: config() });
    // A minute of simulated time for every substation to be born and report.
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  it('is quiet while nothing is wrong', () => {
    expect(active()).toEqual([]);
  });

  it('a pump trip raises pump_trip only, opens a work order, and returns when cleared', async () => {
    const id = platform.plant.substationIds[1];
    const fault = await raise('pump_trip', id);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(active()).toEqual([`${id}/pump_trip`]);
    expect(platform.alarms.workOrders.list({ substation: id, open: true }).map((o) => o.alarm)).toEqual(['pump_trip']);
    await clear(fault);
  }, 60_000);

  it('a substation without power raises power_loss only (no comm or pump alarm), and returns', async () => {
    const id = platform.plant.substationIds[2];
    const fault = await raise('power_loss', id);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(active()).toEqual([`${id}/power_loss`]);
    await clear(fault);
  }, 60_000);

  it('delivers each notification exactly once across receiver failures and an engine restart', async () => {
    const id = platform.plant.substationIds[3];
    const fault = await raise('pump_trip', id);
    // Restart while the alarm stands (and perhaps while its notification is still being retried).
    await platform.stopAlarms();
    await platform.startAlarms();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(active()).toEqual([`${id}/pump_trip`]);
    await eventually(() => expect(platform.alarms.outbox.pending()).toBe(0));
    await clear(fault);
    const keys = accepted.map((a) => a.key);
    expect(new Set(keys).size).toBe(keys.length);
    const alarmsHeard = accepted.map((a) => `${a.body.substation}/${a.body.alarm}`);
    expect(alarmsHeard).toEqual([`${platform.plant.substationIds[1]}/pump_trip`, `${platform.plant.substationIds[2]}/power_loss`, `${id}/pump_trip`]);
    expect(refusals).toBe(0);
  }, 90_000);

  it('serves alarms and work orders over the API, and 503 without an engine', async () => {
    const off = await fetch(`${platform.apiUrl}/api/alarms`, { headers: bearer(await loginToken(platform.apiUrl, 'viewer')) });
    expect(off.status).toBe(503);
    expect(await off.json()).toMatchObject({ code: 'HS_ERR_ALARMS_OFF' });
    const api = await startApi({ host: '127.0.0.1', port: 0, store: platform.store, mqttUrl: platform.brokerUrl, alarms: platform.alarms, logger: log });
    try {
      const operator = bearer(await loginToken(api.url, 'operator'));
      const get = (path: string) => fetch(`${api.url}${path}`, { headers: operator });
      const post = (path: string, body: unknown) => fetch(`${api.url}${path}`, { method: 'POST', headers: { ...operator, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const socket = connect(api.url, { path: '/socket.io', transports: ['websocket'], auth: { token: operator.authorization.slice('Bearer '.length) } });
      const live: string[] = [];
      socket.on('alarms', (snap: { alarms: unknown[] }) => live.push(`snapshot:${snap.alarms.length}`));
      socket.on('alarm', (c: { event: string; record: { alarm: string } }) => live.push(`${c.event}:${c.record.alarm}`));
      socket.on('connect', () => socket.emit('subscribe', { room: 'alarms' }));
      await eventually(() => expect(live[0]).toMatch(/^snapshot:/));
      const id = platform.plant.substationIds[0];
      const fault = await raise('pump_trip', id);
      const list = (await (await get('/api/alarms')).json()) as { alarms: { id: number; alarm: string; state: string; title: { en: string } }[] };
      const alarm = list.alarms.find((a) => a.alarm === 'pump_trip' && a.state === 'unack_active')!;
      expect(alarm.title.en).toMatch(/pump/i);
      expect((await post(`/api/alarms/${alarm.id}/ack`, { comment: 'crew sent' })).status).toBe(200);
      const again = await post(`/api/alarms/${alarm.id}/ack`, {});
      expect(again.status).toBe(409);
      const bad = await post(`/api/alarms/${alarm.id}/shelve`, { minutes: -1 });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { path: string }).path).toBe('body.minutes');
      const detail = (await (await get(`/api/alarms/${alarm.id}`)).json()) as { journal: { event: string; actor: string; comment: string }[] };
      expect(detail.journal.map((j) => j.event)).toEqual(['activate', 'ack']);
      expect(detail.journal[1]).toMatchObject({ actor: 'operator', comment: 'crew sent' });
      const orders = (await (await get(`/api/work-orders?substation=${id}&open=true`)).json()) as { id: number; state: string }[];
      expect(orders).toHaveLength(1);
      for (const state of ['en_route', 'on_site', 'resolved']) expect((await post(`/api/work-orders/${orders[0].id}/state`, { state, note: state })).status).toBe(200);
      expect((await post(`/api/work-orders/${orders[0].id}/state`, { state: 'on_site' })).status).toBe(409);
      const csv = await (await get('/api/work-orders/kpis?by=crew&format=csv')).text();
      expect(csv.split('\n')[0]).toBe('crew,orders,open,repeats,median_to_site_min,on_site_within_30_min,median_to_resolve_min');
      expect(csv).toContain('"north"');
      await clear(fault);
      // Only this fault's events: on a starved machine the 20× plant can outrun a poll and a PLC
      // briefly looks silent elsewhere (a real power_loss the engine rightly raises and returns).
      await eventually(() => expect(live.slice(1).filter((e) => e.endsWith(':pump_trip'))).toEqual(['activate:pump_trip', 'ack:pump_trip', 'return:pump_trip']));
      socket.disconnect();
    } finally {
      await api.close();
    }
  }, 60_000);
});
