import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { StoredPoint, SubstationStatus } from '../../model/store.ts';
import { MemoryStore } from '../../tests/helpers/memory-store.ts';
import { Batcher, type StoreSink } from './batcher.ts';

const log = pino({ level: 'silent' });
const push = (b: Batcher, n: number, from = 0): void => {
  for (let i = from; i < from + n; i++) b.push('s1', 'primary.flow', 1000 + i, i, 'good', false);
};

describe('Batcher', () => {
  it('hands a batch to the store as soon as it holds maxPoints', async () => {
    const store = new MemoryStore();
    const batcher = new Batcher(store, 100, 60_000, log);
    push(batcher, 250);
    await new Promise((r) => setImmediate(r));
    expect(store.batches).toEqual([100, 100]);
    await batcher.drain();
    expect(store.batches).toEqual([100, 100, 50]);
    expect(store.points.map((p) => p.value)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(batcher.stats).toMatchObject({ queued: 250, written: 250, batches: 3, largestBatch: 100, pending: 0 });
  });

  it('writes a partial batch batchMaxMs after its first point', async () => {
    const store = new MemoryStore();
    const batcher = new Batcher(store, 1000, 50, log);
    const started = performance.now();
    push(batcher, 3);
    while (store.batches.length === 0) await new Promise((r) => setTimeout(r, 5));
    const waited = performance.now() - started;
    expect(store.batches).toEqual([3]);
    expect(waited).toBeGreaterThanOrEqual(45);
    expect(waited).toBeLessThan(500);
    await batcher.drain();
  });

  it('counts a refused batch and goes on with the next one, in order with status changes', async () => {
    const calls: string[] = [];
    let refuse = true;
    const sink: StoreSink = {
      write: async (points: readonly StoredPoint[]) => {
        calls.push(`write ${points.length}`);
        if (refuse) {
          refuse = false;
          throw new Error('disk full');
        }
      },
      setStatus: async (s: SubstationStatus) => {
        calls.push(`status ${s.substation} ${s.online}`);
      },
    };
    const batcher = new Batcher(sink, 2, 60_000, log);
    push(batcher, 2);
    batcher.setStatus({ substation: 's1', online: false, ts: 1 });
    push(batcher, 2, 2);
    await batcher.drain();
    expect(calls).toEqual(['write 2', 'status s1 false', 'write 2']);
    expect(batcher.stats).toMatchObject({ written: 2, failed: 2, failedBatches: 1, batches: 1, pending: 0 });
  });

  it('hands an ordered store the next batch before the last is answered, and counts each answer', async () => {
    const answers: (() => void)[] = [];
    const calls: string[] = [];
    const sink: StoreSink = {
      ordered: true,
      write: (points) => {
        calls.push(`write ${points[0].value}`);
        return new Promise<void>((resolve) => answers.push(resolve));
      },
      setStatus: async (s) => {
        calls.push(`status ${s.online}`);
      },
    };
    const batcher = new Batcher(sink, 2, 60_000, log);
    push(batcher, 2);
    batcher.setStatus({ substation: 's1', online: true, ts: 1 });
    push(batcher, 2, 2);
    expect(calls).toEqual(['write 0', 'status true', 'write 2']);
    expect(batcher.stats).toMatchObject({ written: 0, pending: 3 });
    answers.forEach((answer) => answer());
    await batcher.drain();
    expect(batcher.stats).toMatchObject({ written: 4, batches: 2, pending: 0 });
  });
});
