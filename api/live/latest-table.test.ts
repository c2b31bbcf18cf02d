import { describe, expect, it } from 'vitest';
import { LatestTable } from './latest-table.ts';

const good = (value: number | boolean, ts: number) => ({ value, quality: 'good' as const, ts });

describe('LatestTable', () => {
  it('is seeded from the store: latest points and link states', () => {
    const t = new LatestTable(10_000);
    t.seed([{ substation: 'S1', tag: 'heat.power', ts: 1000, value: 5, quality: 'good' }], [{ substation: 'S2', online: false, ts: 900 }]);
    expect(t.substations().sort()).toEqual(['S1', 'S2']);
    expect(t.value('S1', 'heat.power')).toEqual(good(5, 1000));
    expect(t.status('S1', 2000)).toBe('online');
    expect(t.status('S2', 2000)).toBe('offline');
    expect(t.status('S404', 2000)).toBe('offline');
  });

  it('keeps the newer value: an older point (a replay) does not go back in time', () => {
    const t = new LatestTable(10_000);
    expect(t.set('S1', 'heat.power', good(5, 2000), 2000)).toBe(true);
    expect(t.set('S1', 'heat.power', good(4, 1000), 2001)).toBe(false);
    expect(t.set('S1', 'heat.power', good(6, 2000), 2002)).toBe(true);
    expect(t.points('S1')).toEqual([{ tag: 'heat.power', ...good(6, 2000) }]);
  });

  it('status: offline after a death, stale when nothing was heard for staleAfterMs, alarm on power or pump fault', () => {
    const t = new LatestTable(10_000);
    t.set('S1', 'power.ok', good(true, 0), 0);
    expect(t.status('S1', 10_000)).toBe('online');
    expect(t.status('S1', 10_001)).toBe('stale');
    t.set('S1', 'pump.fault', good(true, 10_000), 10_000);
    expect(t.status('S1', 10_001)).toBe('alarm');
    t.set('S1', 'pump.fault', good(false, 10_001), 10_001);
    t.set('S1', 'power.ok', good(false, 10_001), 10_001);
    expect(t.status('S1', 10_002)).toBe('alarm');
    t.setOnline('S1', false, 10_002);
    expect(t.status('S1', 10_003)).toBe('offline');
    t.setOnline('S1', true, 10_003);
    expect(t.status('S1', 10_004)).toBe('alarm');
  });

  it('overview row: [id, status, t1s, t1r, t2s, t2r, heatKw, makeupM3h, indoorMinC], null where unknown', () => {
    const t = new LatestTable(10_000);
    t.set('S1', 'primary.supply_temp', good(90, 1), 1);
    t.set('S1', 'heat.power', good(1200, 1), 1);
    t.set('S1', 'indoor.temp_min', good(19.5, 1), 1);
    expect(t.overviewRow('S1', 2)).toEqual(['S1', 'online', 90, null, null, null, 1200, null, 19.5]);
  });
});
