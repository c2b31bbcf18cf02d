import { describe, expect, it } from 'vitest';
import { maskPhone } from '../model/service.ts';
import { DAY, HOUR, MIN, T0, call, serviceHarness } from './test-support.ts';

describe('complaints', () => {
  it('goes received → dispatched → on site → resolved → followed up → closed, each step audited and chained', () => {
    const { clock, complaints, workOrders, audit, created } = serviceHarness();
    const c = complaints.create(call({ ticket: ' H-1 ' }), 'hotline-li');
    expect(c).toMatchObject({ state: 'received', substation: 'S1', area: 'north', ticket: 'H-1', dueAt: T0 + 24 * HOUR, repeatOf: null, phone: '13812345678', crew: null });
    expect(created).toEqual([c.id]);

    clock.now += 10 * MIN;
    const dispatched = complaints.dispatch(c.id, 'hotline-li', '老人在家');
    expect(dispatched).toMatchObject({ state: 'dispatched', crew: 'north', dispatchedAt: T0 + 10 * MIN });
    const order = workOrders.get(dispatched.workOrderId!);
    expect(order).toMatchObject({ alarm: 'complaint.cold_home', alarmId: null, substation: 'S1', crew: 'north', priority: 'medium' });

    clock.now += 50 * MIN;
    const onSite = complaints.onSite(c.id, { tempC: 16.5, instrument: 'TES-1310 #4711' }, 'crew-wang');
    expect(onSite.measurement).toEqual({ tempC: 16.5, at: T0 + HOUR, instrument: 'TES-1310 #4711' });
    expect(workOrders.get(order.id).state).toBe('on_site');

    clock.now += 30 * MIN;
    expect(complaints.resolve(c.id, { fix: '放气、清洗过滤器' }, 'crew-wang')).toMatchObject({ state: 'resolved', fix: '放气、清洗过滤器', resolvedAt: T0 + 90 * MIN });
    // The order was this complaint's alone: it is resolved with it.
    expect(workOrders.get(order.id).state).toBe('resolved');

    clock.now += DAY;
    const followed = complaints.followUp(c.id, { at: clock.now, reached: true, satisfied: true, words: '现在暖和了' }, 'hotline-li');
    expect(followed.followUp).toEqual({ at: clock.now, reached: true, satisfied: true, words: '现在暖和了', actor: 'hotline-li' });
    const closed = complaints.close(c.id, 'hotline-li');
    expect(closed).toMatchObject({ state: 'closed', closedAt: clock.now, falseClosureRisk: [] });

    const trail = audit.search({ target: `complaint:${c.id}`, action: 'complaint.change' }).reverse();
    expect(trail.map((r) => [r.oldValue, r.newValue, r.actor])).toEqual([
      [null, 'received', 'hotline-li'],
      ['received', 'dispatched', 'hotline-li'],
      ['dispatched', 'on_site', 'crew-wang'],
      ['on_site', 'resolved', 'crew-wang'],
      ['resolved', 'followed_up', 'hotline-li'],
      ['followed_up', 'closed', 'hotline-li'],
    ]);
    expect(trail[2].detail).toContain('16.5 °C');
    expect(audit.search({ target: `work_order:${order.id}` }).map((r) => r.newValue)).toEqual(['resolved', 'on_site', 'assigned']);
    expect(audit.verify()).toMatchObject({ ok: true });
  });

  it('refuses a step out of order as from → to, and changes nothing', () => {
    const { complaints, audit } = serviceHarness();
    const c = complaints.create(call(), 'hotline');
    expect(() => complaints.close(c.id, 'hotline')).toThrow(/HS_ERR_SERVICE_STATE.*received → closed/);
    expect(() => complaints.onSite(c.id, { tempC: 17, instrument: 'T1' }, 'crew')).toThrow(/received → on_site/);
    complaints.dispatch(c.id, 'hotline');
    expect(() => complaints.dispatch(c.id, 'hotline')).toThrow(/dispatched → dispatched/);
    expect(() => complaints.followUp(c.id, { at: T0, reached: true, satisfied: true, words: '' }, 'hotline')).toThrow(/dispatched → followed_up/);
    expect(() => complaints.onSite(c.id, { tempC: Number.NaN, instrument: 'T1' }, 'crew')).toThrow(/HS_ERR_BAD_REQUEST.*tempC/);
    expect(() => complaints.onSite(c.id, { tempC: 17, instrument: ' ' }, 'crew')).toThrow(/instrument/);
    expect(complaints.get(c.id).state).toBe('dispatched');
    expect(audit.search({ target: `complaint:${c.id}` })).toHaveLength(2);
  });

  it('names the field when the address book has no such building or community', () => {
    const { complaints } = serviceHarness();
    expect(() => complaints.create(call({ home: { building: '9号楼' } }), 'hotline')).toThrow(/HS_ERR_SERVICE_ADDRESS.* at address\.building: no building 9号楼 in 阳光花园/);
    expect(() => complaints.create(call({ home: { community: '不存在的小区' } }), 'hotline')).toThrow(/at address\.community/);
  });

  it('reopens the earlier complaint of a home on a repeat within the window, and not after it', () => {
    const { clock, complaints, audit } = serviceHarness({ repeat_window_days: 30 });
    const first = complaints.create(call(), 'hotline');
    complaints.dispatch(first.id, 'hotline');
    complaints.resolve(first.id, { fix: '更换阀门' }, 'crew');
    complaints.followUp(first.id, { at: clock.now, reached: true, satisfied: false, words: '还是冷' }, 'hotline');
    complaints.close(first.id, 'hotline');

    clock.now += 10 * DAY;
    const repeat = complaints.create(call({ channel: '12345', ticket: 'GD1', home: { unit: ' 2 ' } }), 'import');
    expect(repeat.repeatOf).toBe(first.id);
    const reopened = complaints.get(first.id);
    expect(reopened).toMatchObject({ state: 'received', reopened: 1, closedAt: null, resolvedAt: null, followUp: null, falseClosureRisk: [] });
    expect(audit.search({ target: `complaint:${first.id}` })[0]).toMatchObject({ oldValue: 'closed', newValue: 'received', detail: `reopened by repeat complaint ${repeat.id}` });

    // Another room of the same building is another home.
    expect(complaints.create(call({ home: { room: '302' } }), 'hotline').repeatOf).toBeNull();
    // Work in progress counts the repeat but keeps its state.
    complaints.dispatch(first.id, 'hotline');
    clock.now += DAY;
    expect(complaints.create(call(), 'hotline').repeatOf).toBe(repeat.id);
    expect(complaints.get(repeat.id)).toMatchObject({ state: 'received', reopened: 1 });

    clock.now += 31 * DAY;
    expect(complaints.create(call(), 'hotline').repeatOf).toBeNull();
  });

  it('flags a closure without a follow-up that reached the resident, and a cold room closed with no fix', () => {
    const { clock, complaints } = serviceHarness();
    const toResolved = (tempC: number, fix: string | null) => {
      const c = complaints.create(call({ home: { room: String(100 + Math.round(tempC * 10)) } }), 'hotline');
      complaints.dispatch(c.id, 'hotline');
      complaints.onSite(c.id, { tempC, instrument: 'T1' }, 'crew');
      complaints.resolve(c.id, { fix }, 'crew');
      return c.id;
    };
    const unreached = toResolved(20, null);
    complaints.followUp(unreached, { at: clock.now, reached: false, satisfied: null, words: '无人接听' }, 'hotline');
    expect(complaints.close(unreached, 'hotline').falseClosureRisk).toEqual(['no_follow_up']);

    const coldNoFix = toResolved(16.5, '  ');
    complaints.followUp(coldNoFix, { at: clock.now, reached: true, satisfied: false, words: '' }, 'hotline');
    expect(complaints.close(coldNoFix, 'hotline').falseClosureRisk).toEqual(['cold_without_fix']);

    const both = toResolved(17.9, null);
    expect(complaints.close(both, 'hotline').falseClosureRisk).toEqual(['no_follow_up', 'cold_without_fix']);

    const warm = toResolved(18, null);
    complaints.followUp(warm, { at: clock.now, reached: true, satisfied: true, words: '' }, 'hotline');
    expect(complaints.close(warm, 'hotline').falseClosureRisk).toEqual([]);

    // A second call that reaches the resident replaces the one that did not.
    const retried = toResolved(19, '放气');
    complaints.followUp(retried, { at: clock.now, reached: false, satisfied: null, words: '' }, 'hotline');
    complaints.followUp(retried, { at: clock.now + HOUR, reached: true, satisfied: true, words: '好了' }, 'hotline');
    expect(complaints.close(retried, 'hotline').falseClosureRisk).toEqual([]);
    expect(() => complaints.followUp(toResolved(19.5, null), { at: clock.now, reached: true, satisfied: null, words: '' }, 'hotline')).toThrow(/satisfied/);
  });

  it('joins an open cold-homes order at the substation and counts that the order reached the home first', () => {
    const { clock, complaints, workOrders } = serviceHarness();
    const cold = workOrders.open({ id: 7, alarm: 'cold_homes', substation: 'S2', priority: 'high' }, 'alarms');
    clock.now += HOUR;
    const c = complaints.create(call({ category: 'no_heat', home: { community: '幸福家园', building: '5号楼' } }), 'hotline');
    const leak = complaints.create(call({ category: 'leak', home: { community: '幸福家园', building: '5号楼', room: '101' } }), 'hotline');
    expect(complaints.dispatch(c.id, 'hotline')).toMatchObject({ workOrderId: cold.id, crew: 'south', loop: 'L2' });
    expect(workOrders.get(cold.id).notes.at(-1)?.text).toBe(`complaint ${c.id} (no_heat) joined`);
    // A leak is not what the cold-homes order is for.
    const leakOrder = workOrders.get(complaints.dispatch(leak.id, 'hotline').workOrderId!);
    expect(leakOrder).toMatchObject({ alarm: 'complaint.leak', priority: 'high' });
    // Resolving a complaint leaves the engine's order to the crew and the engine.
    complaints.resolve(c.id, { fix: null }, 'crew');
    expect(workOrders.get(cold.id).state).toBe('assigned');
    expect(complaints.list({ substation: 'S2' }).find((x) => x.channel === 'proactive')).toMatchObject({ workOrderId: cold.id, category: 'cold_home', state: 'dispatched', phone: '' });
  });

  it('keeps one order for several complaints of one kind at a substation, resolved with the last of them', () => {
    const { complaints, workOrders } = serviceHarness();
    const a = complaints.create(call({ category: 'air_lock' }), 'hotline');
    const b = complaints.create(call({ category: 'air_lock', home: { building: '2号楼' } }), 'hotline');
    const orderA = complaints.dispatch(a.id, 'hotline').workOrderId;
    expect(complaints.dispatch(b.id, 'hotline').workOrderId).toBe(orderA);
    complaints.resolve(a.id, { fix: '放气' }, 'crew');
    expect(workOrders.get(orderA!).state).toBe('assigned');
    complaints.resolve(b.id, { fix: '放气' }, 'crew');
    expect(workOrders.get(orderA!).state).toBe('resolved');
  });

  it('creates many in one transaction in order of receipt: duplicates skipped and counted, one bad address writes nothing', () => {
    const { clock, complaints, audit, db, kpis } = serviceHarness();
    const batch = [
      call({ channel: '12345', ticket: 'GD2', receivedAt: T0 + 2 * HOUR }),
      call({ channel: '12345', ticket: 'GD1', receivedAt: T0 + HOUR }),
      call({ channel: '12345', ticket: 'GD1', receivedAt: T0 + HOUR }),
    ];
    clock.now = T0 + DAY;
    expect(complaints.createMany(batch, 'import-zhao')).toMatchObject({ created: 2, duplicates: 1 });
    const [newest, oldest] = complaints.list({ channel: '12345' });
    expect([oldest.ticket, newest.ticket, newest.repeatOf]).toEqual(['GD1', 'GD2', oldest.id]);
    expect(audit.search({ action: 'complaint.change', target: `complaint:${oldest.id}-` })[0]).toMatchObject({ actor: 'import-zhao', newValue: 'received', detail: expect.stringContaining('2 complaints created (12345)') });
    expect(complaints.createMany(batch, 'import-zhao')).toMatchObject({ created: 0, duplicates: 3 });
    // A batch into an empty table built its KPI indexes after its rows: they are there, and count it.
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'complaints_kpi_%'").pluck().get()).toBe(4);
    expect(kpis.compute({ by: 'company' })[0]).toMatchObject({ complaints: 2, repeatRate: 1 / 2 });

    const before = (db.prepare('SELECT COUNT(*) AS n FROM complaints').get() as { n: number }).n;
    const broken = [call({ channel: '12345', ticket: 'GD3' }), call({ channel: '12345', ticket: 'GD4', home: { building: '7号楼' } })];
    expect(() => complaints.createMany(broken, 'import-zhao')).toThrow(/HS_ERR_SERVICE_ADDRESS.* at inputs\[1\]\.address\.building/);
    expect((db.prepare('SELECT COUNT(*) AS n FROM complaints').get() as { n: number }).n).toBe(before);
    expect(complaints.get(oldest.id).reopened).toBe(1);
  });

  it('lists newest first by receipt with filters, words and pages', () => {
    const { complaints } = serviceHarness();
    const ids = [3, 1, 2].map((h, i) => complaints.create(call({ ticket: `T${i}`, receivedAt: T0 + h * HOUR, words: h === 2 ? '楼道漏水100%' : '冷', category: h === 2 ? 'leak' : 'cold_home', home: { room: String(h) } }), 'hotline').id);
    expect(complaints.list().map((c) => c.id)).toEqual([ids[0], ids[2], ids[1]]);
    expect(complaints.list({ limit: 1, before: ids[0] }).map((c) => c.id)).toEqual([ids[2]]);
    expect(complaints.list({ q: '漏水' }).map((c) => c.id)).toEqual([ids[2]]);
    // LIKE's wildcards are the resident's characters here, not patterns; the phone is never searched.
    expect(complaints.list({ q: '100%' }).map((c) => c.id)).toEqual([ids[2]]);
    expect(complaints.list({ q: '0%' })).toHaveLength(1);
    expect(complaints.list({ q: '_' })).toHaveLength(0);
    expect(complaints.list({ q: '1381234' })).toHaveLength(0);
    expect(complaints.list({ community: '阳光花园', state: 'received' })).toHaveLength(3);
    expect(complaints.list({ substation: 'S2' })).toHaveLength(0);
    expect(() => complaints.list({ before: 999 })).toThrow(/HS_ERR_NOT_FOUND/);
  });

  it('finds words past the newest 5,000 complaints, in order, page by page', () => {
    const { complaints } = serviceHarness();
    // GD10 is older than the newest 5,000; GD100–GD109 and GD1000–GD1099 among them.
    complaints.createMany(Array.from({ length: 5100 }, (_, i) => call({ channel: '12345', ticket: `GD${i}`, receivedAt: T0 + i * MIN, home: { room: String(i) } })), 'import');
    const tickets = (page: { ticket: string | null }[]) => page.map((c) => c.ticket);
    const all = [...Array.from({ length: 100 }, (_, i) => `GD${1099 - i}`), ...Array.from({ length: 10 }, (_, i) => `GD${109 - i}`), 'GD10'];
    expect(tickets(complaints.list({ q: 'GD10', limit: 500 }))).toEqual(all);
    const first = complaints.list({ q: 'GD10', limit: 105 });
    expect(tickets([...first, ...complaints.list({ q: 'GD10', before: first[first.length - 1].id })])).toEqual(all);
  });

  it('masks a phone number to its first three and last four digits', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('0451-8765 4321')).toBe('045*****4321');
    expect(maskPhone('12345')).toBe('*****');
  });
});
