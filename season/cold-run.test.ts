import { describe, expect, it } from 'vitest';
import { resolveSeasonConfig } from './config-schema.ts';
import type { Sample } from '../model/season.ts';
import { judgeColdRun } from './cold-run.ts';

// The cold-run judge on curves sampled every minute: design flow for the hours passes; make-up
// showing a leak, flow under design, a leak alarm or a run cut short fail.

const params = resolveSeasonConfig({ judges: { cold_run: { hours: 2, min_flow_ratio: 0.9, max_makeup_m3h: 0.5, settle_min: 10 } } }).judges.cold_run;
const T0 = Date.UTC(2026, 9, 1);
const minutes = (n: number, value: (m: number) => number): Sample[] => Array.from({ length: n + 1 }, (_, m) => [T0 + m * 60_000, value(m)] as const);
const DESIGN = 120;

describe('cold-run judge', () => {
  it('passes two hours at design flow with make-up within its limit, pump start ramp forgiven', () => {
    const v = judgeColdRun({ flow: minutes(120, (m) => (m < 5 ? 24 * m : 118)), makeup: minutes(120, () => 0.1) }, params, { designFlowM3h: DESIGN, asOf: T0 + 120 * 60_000, closed: false });
    expect(v.state).toBe('passed');
    expect(v.figures.flow_ratio).toBeCloseTo(118 / 120, 2);
  });

  it('fails when make-up runs over its limit: the loop loses water', () => {
    const v = judgeColdRun({ flow: minutes(120, () => 118), makeup: minutes(120, (m) => (m < 40 ? 0.1 : 1.8)) }, params, { designFlowM3h: DESIGN, asOf: T0 + 120 * 60_000, closed: false });
    expect(v.state).toBe('failed');
    expect(v.code).toBe('makeup');
    expect(v.to).toBeGreaterThan(T0 + 40 * 60_000);
  });

  it("scales the make-up limit with a big loop's volume: its normal losses pass, a leak still fails", () => {
    const flow = minutes(120, () => 118);
    const at = { designFlowM3h: DESIGN, asOf: T0 + 120 * 60_000, closed: false };
    // 500 m³ loses 0.2 %/h normally (1 m³/h): over the 0.5 m³/h floor, under 0.5 % of its volume (2.5 m³/h).
    expect(judgeColdRun({ flow, makeup: minutes(120, () => 1) }, params, { ...at, volumeM3: 500 }).state).toBe('passed');
    const leak = judgeColdRun({ flow, makeup: minutes(120, () => 3.2) }, params, { ...at, volumeM3: 500 });
    expect(leak).toMatchObject({ state: 'failed', code: 'makeup' });
    expect(leak.figures.max_makeup_m3h).toBe(2.5);
    // A small loop keeps the floor.
    expect(judgeColdRun({ flow, makeup: minutes(120, () => 1) }, params, { ...at, volumeM3: 40 }).code).toBe('makeup');
  });

  it('fails on flow under design, on a leak alarm, and when cut short', () => {
    const flow = minutes(120, () => 90);
    expect(judgeColdRun({ flow, makeup: minutes(120, () => 0) }, params, { designFlowM3h: DESIGN, asOf: T0 + 120 * 60_000, closed: false }).code).toBe('low_flow');
    const good = { flow: minutes(60, () => 118), makeup: minutes(60, () => 0.1) };
    expect(judgeColdRun(good, params, { designFlowM3h: DESIGN, leakAlarmAt: T0 + 30 * 60_000, asOf: T0 + 60 * 60_000, closed: false }).code).toBe('leak_alarm');
    expect(judgeColdRun(good, params, { designFlowM3h: DESIGN, asOf: T0 + 60 * 60_000, closed: true }).code).toBe('too_short');
    expect(judgeColdRun(good, params, { designFlowM3h: DESIGN, asOf: T0 + 60 * 60_000, closed: false }).state).toBe('running');
  });
});
