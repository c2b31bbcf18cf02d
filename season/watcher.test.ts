import { describe, expect, it } from 'vitest';
import { seasonHarness } from './test-support.ts';

// The watcher on a scripted plant: phases read from the telemetry, each judged as it happens,
// failures with their evidence and a work order, a repaired loop tested again.

const IDS = ['S001', 'S002', 'S003'];
const config = { judges: { pressure_test: { hold_min: 30 }, cold_run: { hours: 2 }, hot_run: { hours: 2 } } };
const stateOf = (h: ReturnType<typeof seasonHarness>, id: string, phase: string) => h.role.checks(id).find((c) => c.phase === phase)!;

describe('season watcher', () => {
  it('follows empty → filled → pressure test → cold run → hot run, failing the leak with evidence and a work order', () => {
    const h = seasonHarness(IDS, ['S002'], config);
    h.run(10, 'empty', IDS);
    expect(h.role.checks().every((c) => c.state === 'pending')).toBe(true);
    h.run(10, 'filling', IDS);
    expect(IDS.map((id) => stateOf(h, id, 'filling').state)).toEqual(['passed', 'passed', 'passed']);
    h.run(40, 'pressure_test', IDS);
    expect(IDS.map((id) => stateOf(h, id, 'pressure_test').state)).toEqual(['passed', 'failed', 'passed']);
    const failed = stateOf(h, 'S002', 'pressure_test');
    expect(failed.code).toBe('drop');
    expect(failed.evidence?.curves['secondary.supply_pressure'].length).toBeGreaterThan(3);
    expect(failed.workOrder).not.toBeNull();
    const order = h.workOrders.get(failed.workOrder!);
    expect(order).toMatchObject({ alarm: 'season.pressure_test', substation: 'S002', crew: 'north', alarmId: null });
    expect(order.notes[0].text).toMatch(/drop_mpa=/);
    // Stored as it is seen: a new role over the same database would find it (the table holds it).
    h.run(150, 'cold_run', IDS);
    expect(IDS.map((id) => stateOf(h, id, 'cold_run').state)).toEqual(['passed', 'failed', 'passed']);
    expect(stateOf(h, 'S002', 'cold_run').code).toBe('makeup');
    h.run(300, 'hot', IDS);
    expect(stateOf(h, 'S001', 'hot_run').state).toBe('passed');
  });

  it('tests a repaired loop again, and keeps inspection for an engineer', () => {
    const h = seasonHarness(IDS, [], config);
    h.run(5, 'filling', IDS);
    h.run(10, 'pressure_test', IDS);
    h.run(2, 'filling', IDS);
    expect(stateOf(h, 'S001', 'pressure_test')).toMatchObject({ state: 'failed', code: 'too_short' });
    h.run(35, 'pressure_test', IDS);
    expect(stateOf(h, 'S001', 'pressure_test')).toMatchObject({ state: 'passed', code: 'held' });
    expect(() => h.role.tick('S001', 'pressure_test', 'passed', 'engineer', 'looked fine')).toThrow(expect.objectContaining({ code: 'HS_ERR_SEASON_JUDGED' }));
    expect(h.role.tick('S001', 'inspection', 'passed', 'engineer', 'valves and filter checked')).toMatchObject({ state: 'passed', who: 'engineer', note: 'valves and filter checked' });
  });
});
