import { describe, expect, it } from 'vitest';
import { rssFitAllSamplesPctPerDay, rssGrowthPctPerDay } from './health-figures.ts';
import type { HealthSample } from './role-process.ts';

const sample = (ms: number, rss: number): HealthSample => ({ ms, life: 0, rss_bytes: rss, heap_used_bytes: 1, open_fds: 10, event_loop_p99_ms: 1, event_loop_max_ms: 2, event_loop_p99_total_ms: 1 });

describe('health figures', () => {
  // One simulated day = 72 wall seconds: a quarter day is 18 s; one sample a second.
  const DAY_MS = 72_000;
  const seconds = (n: number) => Array.from({ length: n }, (_, k) => k * 1000);

  it('turns a steady rise of the RSS floor into growth per simulated day', () => {
    // 1 MB per 10 wall seconds on a 100 MB process, over two simulated days
    const samples = seconds(144).map((ms) => sample(ms, 100e6 + ms * 100));
    const growth = rssGrowthPctPerDay(samples, DAY_MS)!;
    expect(growth).toBeGreaterThan(6.5);
    expect(growth).toBeLessThan(7.2);
  });

  it('reads a garbage collector’s sawtooth over a flat floor as no growth, where a fit through every sample reads a leak', () => {
    // The heap climbs 2 MB a second for 20 s and a collection drops it back: 100–138 MB.
    // The life ends near the top of a climb, as a kill may catch it.
    const samples = seconds(60).map((ms) => sample(ms, 100e6 + ((ms / 1000) % 20) * 2e6));
    expect(rssGrowthPctPerDay(samples, DAY_MS)).toBe(0);
    expect(rssFitAllSamplesPctPerDay(samples, DAY_MS)!).toBeGreaterThan(10);
  });

  it('reports nothing for a life shorter than three whole quarter days', () => {
    expect(rssGrowthPctPerDay(seconds(50).map((ms) => sample(ms, 50e6)), DAY_MS)).toBeNull();
    expect(rssGrowthPctPerDay([], DAY_MS)).toBeNull();
    expect(rssFitAllSamplesPctPerDay([sample(0, 1), sample(1, 2)], DAY_MS)).toBeNull();
  });
});
