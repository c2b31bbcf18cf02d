import Database from 'better-sqlite3';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
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
  it('cold homes for an hour open an order before anyone calls; a medium alarm does not', () => {
    const h = engineHarness(loadRuleSet('config/alarm-rules.yaml'), { poll_period_s: 10 });
    const orders = new WorkOrders(h.store.db, { crews: [], groups: {}, repeat_window_days: 30 }, () => h.clock.now, pino({ level: 'silent' }));
    openOrdersFromAlarms(h.engine, orders);
    const feed = (indoor: number, dp: number) => () => h.engine.ingest('S1', [{ tag: 'indoor.temp_min', value: indoor }, { tag: 'filter.dp', value: dp }, { tag: 'plc.heartbeat', value: h.clock.now }]);
    h.run(3600, feed(20, 10), 10);
    h.run(3600 + 60, feed(17.2, 60), 10);
    expect(h.engine.records().map((r) => r.alarm).sort()).toEqual(['clogged_filter', 'cold_homes']);
    expect(orders.list().map((o) => `${o.substation}/${o.alarm}/${o.state}`)).toEqual(['S1/cold_homes/assigned']);
  });
});
