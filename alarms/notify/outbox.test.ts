import Database from 'better-sqlite3';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Outbox } from './outbox.ts';
import { engineHarness } from '../test-support.ts';
import { localTime } from './local-time.ts';
import { NotifyRouter, routeMatches } from './router.ts';

describe('notification outbox', () => {
  it('retries with back-off and delivers each key once, across a restart', async () => {
    const db = new Database(':memory:');
    const clock = { now: 0 };
    const got: string[] = [];
    let failures = 2;
    const deliver = async (_target: string, body: string) => {
      if (failures-- > 0) throw new Error('503');
      got.push(body);
    };
    const options = { firstRetryS: 1, maxRetryS: 60, now: () => clock.now, logger: pino({ level: 'silent' }) };
    const a = new Outbox(db, deliver, options);
    expect(a.enqueue('alarm:1', 'http://x', { n: 1 })).toBe(true);
    await a.flush();
    clock.now += 500;
    await a.flush(); // not due yet: 1 s back-off
    clock.now += 600;
    await a.flush(); // second failure: 2 s back-off
    await a.close();
    const b = new Outbox(db, deliver, options);
    expect(b.enqueue('alarm:1', 'http://x', { n: 1 })).toBe(false);
    clock.now += 2100;
    await b.flush();
    await b.flush();
    expect(got).toEqual(['{"n":1}']);
    expect(b.pending()).toBe(0);
  });

  it('routes by priority, area and hour of day', () => {
    const route = { priorities: ['critical' as const], groups: ['north'], hours: [22, 6] as [number, number] };
    expect(routeMatches(route, 'critical', 'north', 23)).toBe(true);
    expect(routeMatches(route, 'critical', 'north', 12)).toBe(false);
    expect(routeMatches(route, 'high', 'north', 23)).toBe(false);
    expect(routeMatches(route, 'critical', 'south', 2)).toBe(false);
  });
});

describe('notification routing of a flood', () => {
  it('sends a flood once instead of the alarms of its burst', () => {
    const h = engineHarness([
      { id: 'hi', priority: 'high', title: { en: 'hi', zh: 'hi' }, scope: 'substation', aggregate: 'median', suppressed_by: [], settle_s: 0, rules: [{ kind: 'limit', tag: 'filter.dp', level: 'H', threshold: 50, deadband: 0, on_delay_s: 0, off_delay_s: 0 }] },
    ], { flood: { count: 3, window_s: 600 } });
    const outbox = new Outbox(h.store.db, async () => undefined, { firstRetryS: 1, maxRetryS: 1, logger: pino({ level: 'silent' }) });
    const router = new NotifyRouter({ webhooks: [{ url: 'http://x', route: { priorities: ['critical', 'high', 'medium', 'low'] }, escalation: false }], escalate_after_s: 900 }, outbox, {
      areaOf: () => null,
      titleOf: () => undefined,
      clock: localTime('UTC'),
    });
    h.engine.listen((c) => router.onChange(c, h.clock.now));
    for (const s of ['S1', 'S2', 'S3', 'S4', 'S5']) h.run(10, (e) => e.ingest(s, [{ tag: 'filter.dp', value: 80 }]));
    const keys = (h.store.db.prepare('SELECT key FROM notify_outbox ORDER BY id').all() as { key: string }[]).map((r) => r.key);
    expect(keys).toEqual(['alarm:1', 'alarm:2', 'flood:1']);
  });
});
