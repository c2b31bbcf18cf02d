import Database from 'better-sqlite3';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { openOrdersFromAlarms } from './alarms.ts';
import { loadRuleSet } from './config-schema.ts';
import { engineHarness } from './test-support.ts';
import { kpiCsv, WorkOrders } from './work-orders.ts';

const MIN = 60_000;

describe('work orders', () => {
  const setup = () => {
    const clock = { now: Date.UTC(2026, 0, 15) };
    const orders = new WorkOrders(
      new Database(':memory:'),
      { crews: [{ id: 'north', name: 'North', groups: ['n'] }, { id: 'south', name: 'South', groups: ['s'] }], groups: { n: ['S1'], s: ['S2'] }, repeat_window_days: 30 },
      () => clock.now,
      pino({ level: 'silent' }),
    );
    return { clock, orders };
  };

  it('moves assigned → en route → on site → resolved with the times, and no step back', () => {
    const { clock, orders } = setup();
    const o = orders.open({ id: 1, alarm: 'leak', substation: 'S2', priority: 'high' }, 'system');
    expect(o).toMatchObject({ state: 'assigned', crew: 'south', area: 's', repeatOf: null });
    clock.now += 5 * MIN;
    orders.advance(o.id, 'en_route', 'south', 'leaving depot');
    clock.now += 20 * MIN;
    orders.advance(o.id, 'on_site', 'south');
    expect(() => orders.advance(o.id, 'en_route', 'south')).toThrow(/HS_ERR_WORK_ORDER_STATE/);
    clock.now += 60 * MIN;
    const done = orders.advance(o.id, 'resolved', 'south', 'valve gland repacked');
    expect(done.onSiteAt! - done.openedAt).toBe(25 * MIN);
    expect(done.notes.map((n) => n.text)).toEqual(['leaving depot', 'valve gland repacked']);
  });

  it('keeps one open order per fault and links a repeat to the earlier one', () => {
    const { clock, orders } = setup();
    const first = orders.open({ id: 1, alarm: 'pump_trip', substation: 'S1', priority: 'high' }, 'system');
    expect(orders.open({ id: 2, alarm: 'pump_trip', substation: 'S1', priority: 'high' }, 'system').id).toBe(first.id);
    orders.advance(first.id, 'resolved', 'north');
    clock.now += 24 * 60 * MIN;
    const again = orders.open({ id: 3, alarm: 'pump_trip', substation: 'S1', priority: 'high' }, 'system');
    expect(again.repeatOf).toBe(first.id);
  });

  it('reports KPIs per crew as JSON and CSV', () => {
    const { clock, orders } = setup();
    for (const [sub, toSite] of [['S1', 20], ['S1', 40], ['S2', 10]] as const) {
      const o = orders.open({ id: 1, alarm: `a${toSite}`, substation: sub, priority: 'critical' }, 'system');
      clock.now += toSite * MIN;
      orders.advance(o.id, 'on_site', 'crew');
    }
    const kpis = orders.kpis('crew');
    expect(kpis.find((k) => k.key === 'north')).toMatchObject({ orders: 2, open: 2, medianToSiteMin: 30, onSiteWithinTarget: 1 });
    expect(kpiCsv('crew', kpis).split('\n')[1]).toBe('"south",1,1,0,10,1,');
  });
});

describe('work orders from alarms', () => {
  it('cold homes for an hour open an order before anyone calls, in the audit trail; a medium alarm does not', () => {
    const h = engineHarness(loadRuleSet('config/alarm-rules.yaml'), { poll_period_s: 10 });
    const orders = new WorkOrders(h.store.db, { crews: [], groups: {}, repeat_window_days: 30 }, () => h.clock.now, pino({ level: 'silent' }));
    const audit = new SqliteAuditTrail(h.store.db);
    openOrdersFromAlarms(h.engine, orders, audit, pino({ level: 'silent' }));
    const feed = (indoor: number, dp: number) => () => h.engine.ingest('S1', [{ tag: 'indoor.temp_min', value: indoor }, { tag: 'filter.dp', value: dp }, { tag: 'plc.heartbeat', value: h.clock.now }]);
    h.run(3600, feed(20, 10), 10);
    h.run(3600 + 60, feed(17.2, 60), 10);
    expect(h.engine.records().map((r) => r.alarm).sort()).toEqual(['clogged_filter', 'cold_homes']);
    const [order] = orders.list();
    expect(orders.list().map((o) => `${o.substation}/${o.alarm}/${o.state}`)).toEqual(['S1/cold_homes/assigned']);
    // Still cold an hour later (and the alarm re-raised after a return): no second order, no second record.
    h.run(600, feed(19, 60), 10);
    h.run(3600 + 60, feed(17.2, 60), 10);
    expect(orders.list()).toHaveLength(1);
    const records = audit.search({ action: 'work_order.change' });
    expect(records).toMatchObject([{ actor: 'alarms', target: `work_order:${order.id}`, oldValue: null, newValue: 'assigned', outcome: 'ok', ts: order.openedAt }]);
    expect(records[0].detail).toMatch(/cold_homes .* at S1/);
    expect(audit.verify().ok).toBe(true);
  });

  it('without an audit trail the orders still open', () => {
    const h = engineHarness(loadRuleSet('config/alarm-rules.yaml'), { poll_period_s: 10 });
    const orders = new WorkOrders(h.store.db, { crews: [], groups: {}, repeat_window_days: 30 }, () => h.clock.now, pino({ level: 'silent' }));
    openOrdersFromAlarms(h.engine, orders, undefined, pino({ level: 'silent' }));
    h.run(60, () => h.engine.ingest('S1', [{ tag: 'pump.fault', value: true }, { tag: 'pump.running', value: false }, { tag: 'control.mode', value: 2 }]), 5);
    expect(orders.list().map((o) => o.alarm)).toEqual(['pump_trip']);
  });
});
