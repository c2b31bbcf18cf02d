import { describe, expect, it } from 'vitest';
import { resolveSeasonConfig } from './config-schema.ts';
import type { Sample } from '../model/season.ts';
import { judgeHotRun } from './hot-run.ts';

// The hot-run judge: buildings warming from cold keep it running until the standard (supply on
// its curve, every home at 18 °C or more) has held for the configured hours without a break.

const params = resolveSeasonConfig({ judges: { hot_run: { hours: 6, curve_tolerance_k: 3, smoothing_s: 600 } } }).judges.hot_run;
const T0 = Date.UTC(2026, 9, 10);
const minutes = (n: number, value: (m: number) => number): Sample[] => Array.from({ length: n + 1 }, (_, m) => [T0 + m * 60_000, value(m)] as const);

describe('hot-run judge', () => {
  it('runs while homes warm, passes once the standard has held for the hours', () => {
    // Homes from 14 °C, +1 K an hour: at 18 °C after 4 h, so the standard holds from then on.
    const curves = { supply: minutes(660, () => 50), setpoint: minutes(660, () => 51), indoorMin: minutes(660, (m) => Math.min(21, 14 + m / 60)) };
    const early = judgeHotRun(curves, params, { asOf: T0 + 3 * 3_600_000 });
    expect(early.state).toBe('running');
    expect(early.code).toBe('below_standard');
    const v = judgeHotRun(curves, params, { asOf: T0 + 11 * 3_600_000 });
    expect(v.state).toBe('passed');
    // The evidence is the last 6 h, all of it at the standard.
    expect(v.from).toBe(T0 + 5 * 3_600_000);
    // The standard holds from a little after 4 h (the level lags by the smoothing): not yet 6 h by 10 h.
    const nearly = judgeHotRun(curves, params, { asOf: T0 + 10 * 3_600_000 });
    expect(nearly.state).toBe('running');
    expect(nearly.figures.held_h).toBeGreaterThan(5.5);
  });

  it('does not pass while the supply is off its curve', () => {
    const curves = { supply: minutes(660, () => 40), setpoint: minutes(660, () => 51), indoorMin: minutes(660, () => 20) };
    const v = judgeHotRun(curves, params, { asOf: T0 + 11 * 3_600_000 });
    expect(v.state).toBe('running');
    expect(v.reason).toMatch(/off its curve/);
  });
});
