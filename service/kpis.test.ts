import { describe, expect, it } from 'vitest';
import type { ServiceKpi } from '../model/service.ts';
import { DAY, HOUR, MIN, T0, call, serviceHarness } from './test-support.ts';

// A hand-computed fixture: five residents' complaints over two days, made through the flow, and
// one proactive complaint (a cold-homes order of the engine) that counts in no figure.
// Buildings (test-support.ts): 阳光花园 1号楼 + 2号楼 on S1 (area north, crew north), 10,000 m²,
// 100 households; 幸福家园 5号楼 on S2 (south), 10,000 m², 100 households. Time limits: cold_home
// and no_heat 24 h, leak 4 h, billing 120 h. Read at T0 + 72 h.
//
//   A 阳光花园 1号楼 301, cold_home, received T0+1h (day 11-15), dispatched after 10 min, 16.5 °C,
//     resolved with a fix, reached + satisfied, closed — then reopened by D: received again, its
//     resolution and follow-up undone; due T0+25h, unresolved at T0+72h.
//   B 阳光花园 2号楼 101, leak, T0+2h, dispatched after 30 min, resolved T0+8h (due T0+6h: late),
//     reached + not satisfied, closed.
//   C 幸福家园 5号楼 501, no_heat, T0+3h, joins the cold-homes order opened at T0 (reached by an
//     order first), dispatched after 20 min, 17.0 °C, resolved T0+5h with no fix (due T0+27h: in
//     time), not reached, closed → at risk (no_follow_up and cold_without_fix: one complaint).
//   D 阳光花园 1号楼 301 again, cold_home, T0+25h (day 11-16): a repeat of A, never dispatched,
//     due T0+49h, unresolved.
//   E 幸福家园 5号楼 502, billing, T0+26h, dispatched after 40 min, resolved T0+28h (due T0+146h),
//     not followed up, open.
const expected = (key: string, k: Partial<ServiceKpi>): ServiceKpi => ({
  key,
  complaints: 0,
  firstResponseMin: null,
  withinLimitRate: null,
  closureRate: null,
  satisfactionRate: null,
  effectiveFollowUpRate: null,
  repeatRate: null,
  per10kM2: null,
  per1kHouseholds: null,
  falseClosureRisks: 0,
  reachedByOrder: 0,
  ...k,
});

function season(configured = { id: '2026-2027', start: '2026-10-20', end: '2027-04-20' }) {
  const h = serviceHarness({ season: configured });
  const { clock, complaints, workOrders } = h;
  const at = (ms: number) => (clock.now = T0 + ms);
  workOrders.openFor({ id: 9, alarm: 'cold_homes', substation: 'S2', priority: 'high' }, 'alarms');
  at(HOUR);
  const a = complaints.create(call({ home: { room: '301' } }), 'hotline').id;
  at(HOUR + 10 * MIN);
  complaints.dispatch(a, 'hotline');
  at(2 * HOUR);
  const b = complaints.create(call({ category: 'leak', home: { building: '2号楼', room: '101' } }), 'hotline').id;
  at(2 * HOUR + 30 * MIN);
  complaints.dispatch(b, 'hotline');
  at(3 * HOUR);
  const c = complaints.create(call({ category: 'no_heat', home: { community: '幸福家园', building: '5号楼', room: '501' } }), 'hotline').id;
  at(3 * HOUR + 20 * MIN);
  complaints.dispatch(c, 'hotline');
  at(3 * HOUR + 30 * MIN);
  complaints.onSite(a, { tempC: 16.5, instrument: 'T1' }, 'crew');
  at(4 * HOUR);
  complaints.resolve(a, { fix: '放气' }, 'crew');
  at(4 * HOUR + 10 * MIN);
  complaints.onSite(c, { tempC: 17, instrument: 'T1' }, 'crew');
  at(5 * HOUR);
  complaints.resolve(c, { fix: null }, 'crew');
  at(8 * HOUR);
  complaints.resolve(b, { fix: '换阀门' }, 'crew');
  at(20 * HOUR);
  complaints.followUp(a, { at: clock.now, reached: true, satisfied: true, words: '' }, 'hotline');
  complaints.close(a, 'hotline');
  complaints.followUp(b, { at: clock.now, reached: true, satisfied: false, words: '' }, 'hotline');
  complaints.close(b, 'hotline');
  complaints.followUp(c, { at: clock.now, reached: false, satisfied: null, words: '' }, 'hotline');
  complaints.close(c, 'hotline');
  at(25 * HOUR);
  complaints.create(call({ home: { room: '301' } }), 'hotline');
  at(26 * HOUR);
  const e = complaints.create(call({ category: 'billing', home: { community: '幸福家园', building: '5号楼', room: '502' } }), 'hotline').id;
  at(26 * HOUR + 40 * MIN);
  complaints.dispatch(e, 'hotline');
  at(28 * HOUR);
  complaints.resolve(e, { fix: null }, 'crew');
  at(72 * HOUR);
  return h;
}

describe('service KPIs', () => {
  it('equal the hand-computed figures for the company and the season', () => {
    const { kpis, complaints } = season();
    // The proactive complaint is in the list, not in the figures.
    expect(complaints.list({ channel: 'proactive' })).toHaveLength(1);
    // 5 complaints; first responses 10, 20, 30, 40 min (D none): median (20 + 30) / 2 = 25.
    // Within limit: C, E in time ÷ (B, C, E resolved + A, D unresolved past due) = 2/5.
    // Closed B, C: 2/5. Satisfied 0 ÷ reached 1 (B). Reached 1 ÷ resolved 3 (B, C, E; A's undone).
    // Repeats D: 1/5. 5 complaints ÷ 2 × 10,000 m² = 2.5; ÷ 0.2 × 1,000 households = 25.
    const company = expected('acme', {
      complaints: 5,
      firstResponseMin: 25,
      withinLimitRate: 2 / 5,
      closureRate: 2 / 5,
      satisfactionRate: 0,
      effectiveFollowUpRate: 1 / 3,
      repeatRate: 1 / 5,
      per10kM2: 2.5,
      per1kHouseholds: 25,
      falseClosureRisks: 1,
      reachedByOrder: 1,
    });
    expect(kpis.compute({ by: 'company' })).toEqual([company]);
    expect(kpis.compute({ by: 'season' })).toEqual([{ ...company, key: '2026-2027' }]);
  });

  it('equal the hand-computed figures by area, community and crew', () => {
    const { kpis } = season();
    // north (A, B, D): responses 10, 30 → 20; in time 0 ÷ 3 (A, D past due, B late); closed 1/3;
    // satisfied 0/1; reached 1 ÷ resolved 1 (B); repeat 1/3; 3 ÷ 1 × 10,000 m² = 3; ÷ 0.1 × 1,000 = 30.
    const north = { complaints: 3, firstResponseMin: 20, withinLimitRate: 0, closureRate: 1 / 3, satisfactionRate: 0, effectiveFollowUpRate: 1, repeatRate: 1 / 3, per10kM2: 3, per1kHouseholds: 30 };
    // south (C, E): responses 20, 40 → 30; in time 2/2; closed 1/2; nobody reached: null; reached 0 ÷
    // resolved 2; no repeat; 2 per 10,000 m², 20 per 1,000 households; C at risk, C reached by an order.
    const south = { complaints: 2, firstResponseMin: 30, withinLimitRate: 1, closureRate: 1 / 2, satisfactionRate: null, effectiveFollowUpRate: 0, repeatRate: 0, per10kM2: 2, per1kHouseholds: 20, falseClosureRisks: 1, reachedByOrder: 1 };
    expect(kpis.compute({ by: 'area' })).toEqual([expected('north', north), expected('south', south)]);
    expect(kpis.compute({ by: 'community' })).toEqual([expected('幸福家园', south), expected('阳光花园', north)]);
    // Crews: D is with nobody yet ('-', no buildings of its own): 1 complaint, never dispatched, past due, a repeat.
    // north (A, B): 10, 30 → 20; 0/2 in time; closed 1/2; 0/1 satisfied; 1/1 reached; no repeat; S1's 10,000 m² and 100 households.
    expect(kpis.compute({ by: 'crew' })).toEqual([
      expected('-', { complaints: 1, withinLimitRate: 0, closureRate: 0, repeatRate: 1 }),
      expected('north', { complaints: 2, firstResponseMin: 20, withinLimitRate: 0, closureRate: 1 / 2, satisfactionRate: 0, effectiveFollowUpRate: 1, repeatRate: 0, per10kM2: 2, per1kHouseholds: 20 }),
      expected('south', south),
    ]);
  });

  it('equal the hand-computed figures by day in the display zone, and for a period', () => {
    const { kpis } = season();
    // 11-15 (A, B, C): responses 10, 30, 20 → 20; in time C: 1/3; closed B, C: 2/3; 0/1 satisfied;
    // reached 1 ÷ resolved 2 (B, C); no repeat; the company's 20,000 m² and 200 households: 1.5 and 15.
    const first = expected('2026-11-15', { complaints: 3, firstResponseMin: 20, withinLimitRate: 1 / 3, closureRate: 2 / 3, satisfactionRate: 0, effectiveFollowUpRate: 1 / 2, repeatRate: 0, per10kM2: 1.5, per1kHouseholds: 15, falseClosureRisks: 1, reachedByOrder: 1 });
    // 11-16 (D, E): response 40; in time E ÷ (D past due, E) = 1/2; none closed; nobody reached;
    // reached 0 ÷ resolved 1 (E); repeat D: 1/2; 1 per 10,000 m², 10 per 1,000 households.
    const second = expected('2026-11-16', { complaints: 2, firstResponseMin: 40, withinLimitRate: 1 / 2, closureRate: 0, effectiveFollowUpRate: 0, repeatRate: 1 / 2, per10kM2: 1, per1kHouseholds: 10 });
    expect(kpis.compute({ by: 'day' })).toEqual([first, second]);
    // From 11-16 00:00 Beijing time (T0 + 1 day): D and E only, as the company.
    expect(kpis.compute({ by: 'company', from: T0 + DAY })).toEqual([{ ...second, key: 'acme' }]);
    expect(kpis.compute({ by: 'area', from: T0 + DAY, to: T0 + 25 * HOUR + 30 * MIN })).toEqual([
      expected('north', { complaints: 1, withinLimitRate: 0, closureRate: 0, repeatRate: 1, per10kM2: 1, per1kHouseholds: 10 }),
    ]);
    expect(kpis.compute({ by: 'company', from: T0 + 10 * DAY })).toEqual([]);
    // A configured season of its own id from 11-16 takes D and E; A, B and C stay in the July–June season.
    expect(season({ id: 'winter', start: '2026-11-16', end: '2027-03-31' }).kpis.compute({ by: 'season' })).toEqual([
      { ...first, key: '2026-2027' },
      { ...second, key: 'winter' },
    ]);
  });
});
