import { describe, expect, it } from 'vitest';
import { rssGrowthPctPerDay } from './health-figures.ts';
import type { HealthSample } from './role-process.ts';

const sample = (ms: number, rss: number): HealthSample => ({ ms, life: 0, rss_bytes: rss, heap_used_bytes: 1, open_fds: 10, event_loop_p99_ms: 1, event_loop_max_ms: 2, event_loop_p99_total_ms: 1 });

describe('health figures', () => {
  it('turns a steady RSS slope into growth per simulated day', () => {
    // 1 MB per 10 wall seconds on a 100 MB process, one simulated day = 72 wall seconds
    const samples = [0, 10_000, 20_000, 30_000].map((ms, k) => sample(ms, 100e6 + k * 1e6));
    expect(rssGrowthPctPerDay(samples, 72_000)).toBeCloseTo((7.2 / 101.5) * 100, 1);
  });

  it('reports no growth for a flat process and none at all with too few samples', () => {
    expect(rssGrowthPctPerDay([0, 1, 2, 3].map((k) => sample(k * 1000, 50e6)), 72_000)).toBe(0);
    expect(rssGrowthPctPerDay([sample(0, 1), sample(1, 2)], 72_000)).toBeNull();
  });
});
