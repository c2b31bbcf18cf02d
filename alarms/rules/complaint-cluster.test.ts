import Database from 'better-sqlite3';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Category, ComplaintEvent } from '../../model/service.ts';
import { AlarmStore } from '../alarm-store.ts';
import { loadRuleSet, resolveAlarmsConfig, type AlarmDefinition } from '../config-schema.ts';
import { AlarmEngine, type AlarmChange } from '../engine.ts';
import { engineHarness, type EngineHarness } from '../test-support.ts';

// The shipped complaint_cluster definition (config/alarm-rules.yaml: 3 complaints of cold, no
// heat, air lock or leak within 60 min, off delay 1 h) in the engine, on a hand-driven clock.

const SHIPPED = loadRuleSet('config/alarm-rules.yaml').filter((d) => d.id === 'complaint_cluster');
const MIN = 60;

let nextId = 1;
const complaint = (h: EngineHarness, substation: string, over: Partial<ComplaintEvent> = {}): ComplaintEvent => ({
  complaint: nextId++,
  substation,
  category: 'cold_home' satisfies Category,
  channel: '12345',
  receivedAt: h.clock.now,
  ...over,
});
const journal = (h: EngineHarness, substation: string) => h.store.query({}).filter((r) => r.substation === substation).flatMap((r) => h.store.journal(r.id).map((j) => j.event));

describe('complaint-cluster rule', () => {
  it('raises once at the third complaint within the hour, not again at a fourth, and returns an hour after the cluster thins out', () => {
    const h = engineHarness(SHIPPED);
    const changes: AlarmChange[] = [];
    h.engine.listen((c) => changes.push(c));
    h.engine.complaint(complaint(h, 'S1'));
    h.run(10 * MIN);
    h.engine.complaint(complaint(h, 'S1', { category: 'no_heat' }));
    h.run(10 * MIN);
    expect(h.store.query({})).toEqual([]);
    h.engine.complaint(complaint(h, 'S1', { category: 'air_lock' }));
    h.run(1);
    expect(h.engine.records().map((r) => [r.substation, r.alarm, r.state])).toEqual([['S1', 'complaint_cluster', 'unack_active']]);
    expect(changes.map((c) => [c.event, c.cause?.value])).toEqual([['activate', 3]]);
    h.engine.complaint(complaint(h, 'S1'));
    h.run(30 * MIN);
    expect(journal(h, 'S1')).toEqual(['activate']);
    // Complaints at 0, 10, 20, 20 min: three stand in the window until 70 min, then the off delay of 60 min.
    h.run(75 * MIN);
    expect(h.engine.records()[0].state).toBe('unack_active');
    h.run(10 * MIN);
    expect(h.engine.records()[0].state).toBe('unack_returned');
    expect(journal(h, 'S1')).toEqual(['activate', 'return']);
  });

  it('counts a redelivered complaint once, other categories not, complaints received before the window not, and per substation', () => {
    const h = engineHarness(SHIPPED);
    const twice = complaint(h, 'S1');
    h.engine.complaint(twice);
    h.engine.complaint(twice);
    h.engine.complaint(complaint(h, 'S1'));
    for (const category of ['billing', 'noise', 'stop_restart'] as const) h.engine.complaint(complaint(h, 'S1', { category }));
    // Imported late: received two hours ago.
    h.engine.complaint(complaint(h, 'S1', { receivedAt: h.clock.now - 120 * MIN * 1000 }));
    h.engine.complaint(complaint(h, 'S2'));
    h.run(5 * MIN);
    expect(h.store.query({})).toEqual([]);
    h.engine.complaint(complaint(h, 'S2'));
    h.engine.complaint(complaint(h, 'S2'));
    h.run(1);
    expect(h.engine.records().map((r) => r.substation)).toEqual(['S2']);
  });

  it('holds at a silent substation and at one that never reported: complaints do not come over the PLC link', () => {
    const h = engineHarness(SHIPPED, { poll_period_s: 1 });
    h.engine.ingest('S1', [{ tag: 'indoor.temp_min', value: 15 }]);
    h.engine.link('S1', false);
    h.run(10 * MIN);
    for (const substation of ['S1', 'S9']) for (let k = 0; k < 3; k++) h.engine.complaint(complaint(h, substation));
    h.run(1);
    expect(h.engine.records().map((r) => r.substation).sort()).toEqual(['S1', 'S9']);
  });

  it('after a restart keeps a standing cluster until it has heard a whole window without one', () => {
    const db = new Database(':memory:');
    const h = engineHarness(SHIPPED, {}, db);
    for (let k = 0; k < 3; k++) h.engine.complaint(complaint(h, 'S1'));
    h.run(1);
    expect(h.engine.records()).toHaveLength(1);
    h.run(5 * MIN);
    // A new engine on the same tables, at the same time: it heard none of the three.
    const clock = { now: h.clock.now };
    const engine = new AlarmEngine({ definitions: SHIPPED, config: resolveAlarmsConfig({}), store: new AlarmStore(db), now: () => clock.now, logger: pino({ level: 'silent' }) });
    const tick = (s: number) => {
      for (let t = 0; t < s; t++) ((clock.now += 1000), engine.evaluate());
    };
    tick(30 * MIN);
    engine.complaint({ complaint: nextId++, substation: 'S1', category: 'no_heat', channel: 'hotline', receivedAt: clock.now });
    // Fewer than three heard, but not for a whole window until 60 min after the restart: held;
    // then the off delay (60 min). Returned at 60 min, it would be 'unack_returned' here.
    tick(60 * MIN);
    expect(engine.records().map((r) => r.state)).toEqual(['unack_active']);
    tick(35 * MIN);
    expect(engine.records().map((r) => r.state)).toEqual(['unack_returned']);
    expect(new AlarmStore(db).query({}).flatMap((r) => new AlarmStore(db).journal(r.id).map((j) => j.event))).toEqual(['activate', 'return']);
  });

  it('refuses a complaint-cluster rule in a network alarm, naming the rule', () => {
    const network: AlarmDefinition = { ...SHIPPED[0], id: 'city_complaints', scope: 'network' };
    expect(() => engineHarness([network])).toThrow(/HS_ERR_CONFIG_INVALID.*\/alarms\/city_complaints\/rules\/0/);
  });
});
