import { describe, expect, it } from 'vitest';
import { watchProcessHealth, type ProcessHealth } from './process-health.ts';

describe('process health', () => {
  it('reports memory, descriptors and a blocked event loop', async () => {
    const samples: ProcessHealth[] = [];
    const stop = watchProcessHealth({ every_s: 0.3 }, (h) => samples.push(h));
    await new Promise((r) => setTimeout(r, 50));
    const until = Date.now() + 120;
    while (Date.now() < until); // block the loop for 120 ms
    await new Promise((r) => setTimeout(r, 400));
    stop();
    expect(samples.length).toBeGreaterThanOrEqual(1);
    const [first] = samples;
    expect(first.rss_bytes).toBeGreaterThan(first.heap_used_bytes);
    expect(first.open_fds).toBeGreaterThan(2);
    expect(first.event_loop_max_ms).toBeGreaterThanOrEqual(100);
  });

  it('samples nothing when switched off', async () => {
    const samples: ProcessHealth[] = [];
    const stop = watchProcessHealth({ every_s: 0 }, (h) => samples.push(h));
    await new Promise((r) => setTimeout(r, 50));
    stop();
    expect(samples).toEqual([]);
  });
});
