import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveSeasonConfig } from './config-schema.ts';
import type { Sample } from '../model/season.ts';
import { judgePressureTest } from './pressure-test.ts';

// The pressure-test judge on recorded curves (season/testcases/*.csv: secondary pressure of an
// isolated loop, by exception, as the historian keeps it), and bad judge configuration refused
// with the path of the field.

const here = path.dirname(fileURLToPath(import.meta.url));
const recorded = (name: string): Sample[] =>
  readFileSync(path.join(here, 'testcases', name), 'utf8')
    .split('\n')
    .filter((line) => /^\d/.test(line))
    .map((line) => line.split(',').map(Number) as [number, number]);
const params = resolveSeasonConfig({ judges: { pressure_test: { hold_min: 30, max_drop_mpa: 0.02 } } }).judges.pressure_test;
const STATIC = 0.3;
const endOf = (curve: Sample[]) => curve.at(-1)![0];

describe('pressure-test judge', () => {
  it('passes a tight loop held 30 min at its test pressure, the drop within the limit', () => {
    const curve = recorded('pressure-tight.csv');
    const v = judgePressureTest(curve, params, { staticMpa: STATIC, asOf: endOf(curve), closed: true });
    expect(v.state).toBe('passed');
    expect(v.code).toBe('held');
    expect(v.to - v.from).toBe(30 * 60_000);
    expect(v.figures.drop_mpa).toBeLessThan(0.01);
  });

  it('is still running before the hold is over', () => {
    const curve = recorded('pressure-tight.csv');
    const v = judgePressureTest(curve, params, { staticMpa: STATIC, asOf: curve[0][0] + 10 * 60_000, closed: false });
    expect(v.state).toBe('running');
    expect(v.code).toBe('holding');
  });

  it('fails a leaking loop by its drop, as soon as the drop is over the limit', () => {
    const curve = recorded('pressure-leak.csv');
    const v = judgePressureTest(curve, params, { staticMpa: STATIC, asOf: endOf(curve), closed: true });
    expect(v.state).toBe('failed');
    expect(v.code).toBe('drop');
    expect(v.figures.drop_mpa).toBeGreaterThanOrEqual(0.02);
    // 0.004 MPa a minute: over 0.02 MPa within about 6 minutes, long before the hold is over.
    expect(v.figures.held_min).toBeLessThan(10);
    // The same leak judged live, before it shows, is only running.
    expect(judgePressureTest(curve, params, { staticMpa: STATIC, asOf: curve[0][0] + 60_000, closed: false }).state).toBe('running');
  });

  it('fails a test released before the hold was over as too short', () => {
    const curve = recorded('pressure-short.csv');
    const v = judgePressureTest(curve, params, { staticMpa: STATIC, asOf: endOf(curve), closed: true });
    expect(v.state).toBe('failed');
    expect(v.code).toBe('too_short');
    expect(v.figures.held_min).toBeCloseTo(12, 0);
  });

  it('fails a loop that never reached its test pressure', () => {
    const curve = recorded('pressure-tight.csv').map(([t, p]) => [t, p - 0.1] as const);
    const v = judgePressureTest(curve, params, { staticMpa: STATIC, asOf: endOf(recorded('pressure-tight.csv')), closed: true });
    expect(v.state).toBe('failed');
    expect(v.code).toBe('not_at_test_pressure');
  });

  it('refuses bad judge configuration with the path of the field', () => {
    const bad = (judges: unknown) => () => resolveSeasonConfig({ judges });
    expect(bad({ pressure_test: { hold_min: 0 } })).toThrow(expect.objectContaining({ code: 'HS_ERR_CONFIG_INVALID', path: '/judges/pressure_test/hold_min' }));
    expect(bad({ pressure_test: { max_drop_mpa: -0.01 } })).toThrow(expect.objectContaining({ path: '/judges/pressure_test/max_drop_mpa' }));
    expect(bad({ pressure_test: { test_pressure_ratio: 0.8 } })).toThrow(expect.objectContaining({ path: '/judges/pressure_test/test_pressure_ratio' }));
    expect(bad({ pressure_test: { hold_minutes: 30 } })).toThrow(expect.objectContaining({ path: '/judges/pressure_test/hold_minutes' }));
    expect(() => resolveSeasonConfig({ deadlines: { pressure_test: '2026-13-45' } })).toThrow(expect.objectContaining({ path: '/deadlines/pressure_test' }));
    const twice = { companies: [{ id: 'c', areas: [{ id: 'a', substations: ['S1'] }, { id: 'b', substations: ['S2', 'S1'] }] }] };
    expect(() => resolveSeasonConfig(twice)).toThrow(expect.objectContaining({ path: '/companies/0/areas/1/substations/1' }));
  });
});
