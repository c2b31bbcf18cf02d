import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AlarmStore } from './alarm-store.ts';
import { loadRuleSet, resolveAlarmsConfig, type AlarmDefinition } from './config-schema.ts';
import { AlarmEngine } from './engine.ts';
import { engineHarness } from './test-support.ts';

const limit = (over: Partial<AlarmDefinition> = {}): AlarmDefinition => ({
  id: 'overpressure',
  priority: 'critical',
  title: { en: 'over-pressure', zh: '超压' },
  scope: 'substation',
  aggregate: 'median',
  suppressed_by: [],
  settle_s: 0,
  rules: [{ kind: 'limit', tag: 'secondary.supply_pressure', level: 'HH', threshold: 0.6, deadband: 0.02, on_delay_s: 5, off_delay_s: 5 }],
  ...over,
});

describe('alarm engine', () => {
  it('does not chatter on a value sitting on its limit', () => {
    const h = engineHarness([limit()]);
    let k = 0;
    // Noise of ±0.01 MPa around the limit: inside the deadband once raised, and never 5 s above it at first.
    h.run(600, (e) => e.ingest('S1', [{ tag: 'secondary.supply_pressure', value: 0.6 + (k++ % 2 === 0 ? 0.01 : -0.01) }]));
    expect(h.store.query({})).toHaveLength(0);
    h.run(10, (e) => e.ingest('S1', [{ tag: 'secondary.supply_pressure', value: 0.65 }]));
    h.run(600, (e) => e.ingest('S1', [{ tag: 'secondary.supply_pressure', value: 0.6 + (k++ % 2 === 0 ? 0.01 : -0.01) }]));
    const all = h.store.query({});
    expect(all).toHaveLength(1);
    expect(all[0].state).toBe('unack_active');
    h.run(10, (e) => e.ingest('S1', [{ tag: 'secondary.supply_pressure', value: 0.5 }]));
    expect(h.store.query({})[0].state).toBe('unack_returned');
    expect(h.store.journal(all[0].id).map((j) => j.event)).toEqual(['activate', 'return']);
  });

  describe('a baseline learns its past from the store at start', () => {
    const leak = limit({
      id: 'leak',
      rules: [{ kind: 'baseline', tag: 'makeup.flow', factor: 3, window_h: 24, floor: 1, sample_s: 60, min_samples: 10, on_delay_s: 60, off_delay_s: 60 }],
    });
    const flush = () => new Promise((r) => setImmediate(r));
    // Yesterday's make-up flow, one sample a minute: 0.5 t/h.
    const normalDay = (to: number) => Array.from({ length: 1440 }, (_, k) => ({ at: to - (1440 - k) * 60_000, value: 0.5 }));

    it('so a restarted engine sees a leak at once instead of after min_samples × sample_s', async () => {
      const asked: { substation: string; tag: string; windowMs: number; stepMs: number; to: number }[] = [];
      const learned = engineHarness([leak], {}, new Database(':memory:'), {
        history: async (substation, h, to) => {
          asked.push({ substation, ...h, to });
          return normalDay(to);
        },
      });
      const blind = engineHarness([leak]);
      for (const h of [learned, blind]) {
        h.run(1, (e) => e.ingest('S1', [{ tag: 'makeup.flow', value: 0.5 }]));
        await flush();
        h.run(120, (e) => e.ingest('S1', [{ tag: 'makeup.flow', value: 4 }]));
      }
      expect(asked).toEqual([{ substation: 'S1', tag: 'makeup.flow', windowMs: 86_400_000, stepMs: 60_000, to: learned.clock.now - 120_000 }]);
      expect(learned.store.query({}).map((a) => [a.substation, a.alarm, a.state])).toEqual([['S1', 'leak', 'unack_active']]);
      expect(blind.store.query({})).toHaveLength(0);
    });

    it('an alarm standing at the restart learns from before it was raised, not from the fault', async () => {
      const db = new Database(':memory:');
      const first = engineHarness([leak], {}, db, { history: async (_s, _h, to) => normalDay(to) });
      first.run(1, (e) => e.ingest('S1', [{ tag: 'makeup.flow', value: 0.5 }]));
      await flush();
      first.run(120, (e) => e.ingest('S1', [{ tag: 'makeup.flow', value: 4 }]));
      const [raised] = first.store.query({});
      expect(raised.state).toBe('unack_active');
      const asked: number[] = [];
      const second = engineHarness([leak], {}, db, {
        history: async (_s, _h, to) => {
          asked.push(to);
          return normalDay(to);
        },
      });
      second.clock.now = first.clock.now + 600_000;
      second.run(1, (e) => e.ingest('S1', [{ tag: 'makeup.flow', value: 4 }]));
      await flush();
      second.run(120, (e) => e.ingest('S1', [{ tag: 'makeup.flow', value: 4 }]));
      expect(asked).toEqual([raised.raisedAt]);
      // Still the same occurrence, still active: the leak did not become the baseline.
      expect(second.store.query({}).map((a) => [a.id, a.state])).toEqual([[raised.id, 'unack_active']]);
    });
  });

  it('follows the ISA-18.2 states through acknowledgement', () => {
    const h = engineHarness([limit()]);
    h.run(10, (e) => e.ingest('S1', [{ tag: 'secondary.supply_pressure', value: 0.7 }]));
    const [a] = h.engine.records();
    expect(a.state).toBe('unack_active');
    expect(h.engine.ack(a.id, 'op1', 'crew called').state).toBe('ack_active');
    expect(() => h.engine.ack(a.id, 'op1', 'again')).toThrow(/HS_ERR_ALARM_STATE/);
    h.run(10, (e) => e.ingest('S1', [{ tag: 'secondary.supply_pressure', value: 0.5 }]));
    expect(h.engine.records()[0].state).toBe('normal');
    // Returned before acknowledgement: unack_returned, then ack → normal.
    h.run(10, (e) => e.ingest('S1', [{ tag: 'secondary.supply_pressure', value: 0.7 }]));
    const [b] = h.engine.records();
    expect(b.id).not.toBe(a.id);
    h.run(10, (e) => e.ingest('S1', [{ tag: 'secondary.supply_pressure', value: 0.5 }]));
    expect(h.engine.records()[0].state).toBe('unack_returned');
    expect(h.engine.ack(b.id, 'op2', 'seen').state).toBe('normal');
    const journal = h.store.journal(a.id);
    expect(journal.find((j) => j.event === 'ack')).toMatchObject({ actor: 'op1', comment: 'crew called', fromState: 'unack_active', toState: 'ack_active' });
  });

  it('shelves until the expiry, without annunciating, then unshelves', () => {
    const h = engineHarness([limit()]);
    const heard: boolean[] = [];
    h.engine.listen((c) => c.event === 'activate' && heard.push(c.annunciated));
    h.run(10, (e) => e.ingest('S1', [{ tag: 'secondary.supply_pressure', value: 0.7 }]));
    const [a] = h.engine.records();
    h.engine.shelve(a.id, 'op1', 'known, crew on it', h.clock.now + 60_000);
    h.run(20, (e) => e.ingest('S1', [{ tag: 'secondary.supply_pressure', value: 0.5 }]));
    h.run(20, (e) => e.ingest('S1', [{ tag: 'secondary.supply_pressure', value: 0.7 }]));
    expect(heard).toEqual([true, false]);
    h.run(30);
    const events = h.store.journal(h.engine.records()[0].id).map((j) => `${j.event}:${j.actor}`);
    expect(events).toContain('unshelve:system');
    expect(h.engine.records()[0].shelvedUntil).toBeNull();
    expect(() => h.engine.shelve(h.engine.records()[0].id, 'op', '', h.clock.now - 1)).toThrow(/HS_ERR_BAD_REQUEST/);
  });

  it('groups a burst of alarms into one flood', () => {
    const h = engineHarness([limit({ rules: [{ kind: 'limit', tag: 'secondary.supply_pressure', level: 'HH', threshold: 0.6, deadband: 0, on_delay_s: 0, off_delay_s: 0 }] })]);
    const subs = Array.from({ length: 15 }, (_, i) => `S${i}`);
    for (const [k, s] of subs.entries()) h.run(20, (e) => e.ingest(s, [{ tag: 'secondary.supply_pressure', value: 0.7 }]), k === 0 ? 20 : 20);
    const floods = new Set(h.engine.records().map((r) => r.floodGroup));
    expect(floods.size).toBe(1);
    expect([...floods][0]).not.toBeNull();
    expect(h.store.floods()).toHaveLength(1);
  });

  it('suppresses consequential alarms under their root', () => {
    const defs = loadRuleSet('config/alarm-rules.yaml');
    const h = engineHarness(defs, { poll_period_s: 1 });
    const normal = { 'power.ok': true, 'pump.fault': false, 'pump.running': true, 'control.mode': 1, 'secondary.supply_pressure': 0.3, 'plc.heartbeat': 1 };
    const feed = (ids: string[]) => () => ids.forEach((id) => h.engine.ingest(id, Object.entries(normal).map(([tag, value]) => ({ tag, value }))));
    h.run(30, feed(['S1', 'S2', 'S3']));
    expect(h.engine.records()).toHaveLength(0);
    h.engine.link('S2', false);
    h.run(30, feed(['S1', 'S3']));
    expect(h.engine.records().map((r) => `${r.substation}/${r.alarm}`)).toEqual(['S2/power_loss']);
  });

  it('after a restart keeps the standing alarm of a substation that stays silent, and returns it once it reports', () => {
    const defs = loadRuleSet('config/alarm-rules.yaml');
    const db = new Database(':memory:');
    const normal = { 'power.ok': true, 'pump.fault': false, 'pump.running': true, 'control.mode': 1, 'plc.heartbeat': 1 };
    const before = engineHarness(defs, { poll_period_s: 1 }, db);
    const feed = (h: typeof before, ids: string[]) => () => ids.forEach((id) => h.engine.ingest(id, Object.entries(normal).map(([tag, value]) => ({ tag, value }))));
    before.run(30, feed(before, ['S1', 'S2']));
    before.engine.link('S2', false);
    before.run(30, feed(before, ['S1']));
    const after = engineHarness(defs, { poll_period_s: 1 }, db);
    after.clock.now = before.clock.now;
    after.run(60, feed(after, ['S1']));
    const [standing] = after.engine.records();
    expect(standing).toMatchObject({ substation: 'S2', alarm: 'power_loss', state: 'unack_active' });
    expect(after.engine.ack(standing.id, 'op1', 'seen').state).toBe('ack_active');
    after.run(30, feed(after, ['S1', 'S2']));
    expect(after.engine.records().map((r) => `${r.substation}/${r.alarm}/${r.state}`)).toEqual(['S2/power_loss/normal']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM alarms').get()).toEqual({ n: 1 });
  });
});

// Two engines of a hot-standby pair on one set of alarm tables: the standby hears the same
// values and writes nothing; when it takes over it resumes what the active one wrote.
describe('alarm engine on standby', () => {
  it('evaluates and journals nothing, refuses acknowledgements, and on takeover resumes the standing alarm without raising it again', () => {
    const db = new Database(':memory:');
    const clock = { now: Date.UTC(2026, 0, 15) };
    let standbyActive = false;
    const make = (active?: () => boolean) =>
      new AlarmEngine({ definitions: [limit()], config: resolveAlarmsConfig({}), store: new AlarmStore(db), now: () => clock.now, logger: pino({ level: 'silent' }), ...(active ? { active } : {}) });
    const first = make();
    const second = make(() => standbyActive);
    const run = (s: number, value: number, engines: AlarmEngine[]) => {
      for (let t = 0; t < s; t++) {
        clock.now += 1000;
        for (const e of engines) {
          e.ingest('S1', [{ tag: 'secondary.supply_pressure', value }]);
          e.evaluate();
        }
      }
    };
    const journal = () => db.prepare('SELECT event FROM alarm_journal ORDER BY id').all().map((r) => (r as { event: string }).event);

    run(10, 0.7, [first, second]);
    expect(first.records()).toMatchObject([{ substation: 'S1', state: 'unack_active' }]);
    expect(second.records()).toEqual([]);
    expect(journal()).toEqual(['activate']);
    const { id } = first.records()[0];
    expect(() => second.ack(id, 'op1', 'seen')).toThrow(expect.objectContaining({ code: 'HS_ERR_STANDBY' }));

    // The active engine is gone; the standby takes over from the tables.
    standbyActive = true;
    second.resume();
    expect(second.records()).toMatchObject([{ id, state: 'unack_active' }]);
    run(10, 0.7, [second]);
    expect(journal()).toEqual(['activate']);
    run(10, 0.5, [second]);
    expect(second.records()).toMatchObject([{ id, state: 'unack_returned' }]);
    expect(second.ack(id, 'op1', 'crew called').state).toBe('normal');
    expect(journal()).toEqual(['activate', 'return', 'ack']);
  });
});
