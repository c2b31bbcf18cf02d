import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HeatScadaError } from '../../model/errors.ts';
import type { StoredPoint, SubstationStatus } from '../../model/store.ts';
import { captureLog } from '../../tests/helpers/capture-log.ts';
import { eventually } from '../../tests/helpers/eventually.ts';
import { MemoryStore } from '../../tests/helpers/memory-store.ts';
import { checkBatch } from '../rules.ts';
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

  it('hands a store answering one write at a time every batch that filled meanwhile as one write, in order with status changes', async () => {
    const answers: (() => void)[] = [];
    const calls: string[] = [];
    const sink: StoreSink = {
      write: (points) => {
        calls.push(`write ${points.map((p) => p.value).join(',')}`);
        return new Promise<void>((resolve) => answers.push(resolve));
      },
      setStatus: async (s) => {
        calls.push(`status ${s.online}`);
      },
    };
    const batcher = new Batcher(sink, 2, 60_000, log);
    push(batcher, 2);
    await new Promise((r) => setImmediate(r));
    push(batcher, 6, 2);
    batcher.setStatus({ substation: 's1', online: false, ts: 1 });
    push(batcher, 2, 8);
    const drained = batcher.drain();
    for (let answered = 0; answered < 3; answered++) {
      await eventually(() => expect(answers.length).toBe(answered + 1));
      answers[answered]();
    }
    await drained;
    expect(calls).toEqual(['write 0,1', 'write 2,3,4,5,6,7', 'status false', 'write 8,9']);
    expect(batcher.stats).toMatchObject({ written: 10, batches: 3, largestBatch: 6, pending: 0 });
  });

  it('hands a store offering setStatuses the status changes that came during a write as one, and points after them apart', async () => {
    const answers: (() => void)[] = [];
    const calls: string[] = [];
    const sink: StoreSink = {
      write: (points) => {
        calls.push(`write ${points.length}`);
        return new Promise<void>((resolve) => answers.push(resolve));
      },
      setStatus: async (s) => {
        calls.push(`status ${s.substation}`);
      },
      setStatuses: async (list) => {
        calls.push(`statuses ${list.map((s) => s.substation).join(',')}`);
      },
    };
    const batcher = new Batcher(sink, 2, 60_000, log);
    push(batcher, 2);
    await new Promise((r) => setImmediate(r));
    for (const substation of ['s1', 's2', 's3']) batcher.setStatus({ substation, online: true, ts: 1 });
    push(batcher, 2, 2);
    batcher.setStatus({ substation: 's4', online: true, ts: 1 });
    const drained = batcher.drain();
    for (let answered = 0; answered < 2; answered++) {
      await eventually(() => expect(answers.length).toBe(answered + 1));
      answers[answered]();
    }
    await drained;
    expect(calls).toEqual(['write 2', 'statuses s1,s2,s3', 'write 2', 'status s4']);
  });

  it('writes a merged write the store refuses for a bad point batch by batch: only the bad batch is lost, counted', async () => {
    let release: () => void = () => undefined;
    const store = new MemoryStore();
    let first = true;
    const sink: StoreSink = {
      write: async (points) => {
        if (first) {
          first = false;
          await new Promise<void>((resolve) => (release = resolve));
        }
        checkBatch(points);
        await store.write(points);
      },
      setStatus: (s) => store.setStatus(s),
    };
    const batcher = new Batcher(sink, 2, 60_000, log);
    push(batcher, 2);
    await new Promise((r) => setImmediate(r));
    push(batcher, 2, 2);
    batcher.push('s1', 'primary.flow', 5000, Number.NaN, 'good', false);
    batcher.push('s1', 'primary.flow', 5001, 1, 'good', false);
    push(batcher, 2, 6);
    release();
    await batcher.drain();
    expect(store.batches).toEqual([2, 2, 2]);
    expect(store.points.map((p) => p.value)).toEqual([0, 1, 2, 3, 6, 7]);
    expect(batcher.stats).toMatchObject({ written: 6, failed: 2, failedBatches: 1, pending: 0 });
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

/** A MemoryStore whose disk can fill: while full, every write and status change fails as SQLite's would. */
class FillingStore extends MemoryStore {
  full = false;
  refusals = 0;
  override async write(points: readonly StoredPoint[]): Promise<void> {
    if (this.full) {
      this.refusals++;
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    }
    await super.write(points);
  }
  override async setStatus(status: SubstationStatus): Promise<void> {
    if (this.full) throw new HeatScadaError('HS_ERR_DISK_FULL', 'SQLITE_FULL', '/data/store.db');
    await super.setStatus(status);
  }
}

describe('Batcher on a full disk', () => {
  const retry = { firstMs: 5, maxMs: 20, minFreeBytes: 0 };

  it('holds what the full disk refuses, in order, retries, and writes every point once space returns, saying so twice', async () => {
    const store = new FillingStore();
    const { log: logger, lines } = captureLog();
    const changes: (string | undefined)[] = [];
    const batcher = new Batcher(store, 10, 60_000, logger, { retry, onDiskFull: (e, held) => changes.push(e ? `full ${held} ${e.path ?? ''}` : 'ok') });
    push(batcher, 10);
    await new Promise((r) => setImmediate(r));
    store.full = true;
    push(batcher, 30, 10);
    batcher.setStatus({ substation: 's1', online: false, ts: 5 });
    push(batcher, 5, 40);
    batcher.flush();
    await eventually(() => expect(store.refusals).toBeGreaterThan(2));
    expect(batcher.diskFull).toBe(true);
    expect(batcher.stats).toMatchObject({ held: 35, written: 10, failed: 0 });
    store.full = false;
    await eventually(() => expect(batcher.diskFull).toBe(false));
    await batcher.drain();
    expect(store.points.map((p) => p.value)).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(batcher.stats).toMatchObject({ written: 45, failed: 0, held: 0 });
    expect(changes).toEqual(['full 10 ', 'ok']);
    // One line when it filled, one when it recovered: none per retry.
    expect(lines.filter((l) => /store full/.test(String(l.msg)))).toHaveLength(1);
    expect(lines.filter((l) => l.event === 'store_recovered')).toHaveLength(1);
  });

  it('has no room beyond holdMaxPoints, and makes room as the held points are written', async () => {
    const store = new FillingStore();
    const batcher = new Batcher(store, 10, 60_000, pino({ level: 'silent' }), { retry, holdMaxPoints: 20 });
    store.full = true;
    push(batcher, 20);
    await eventually(() => expect(batcher.stats.held).toBe(20));
    expect(batcher.hasRoom()).toBe(false);
    let resumed = false;
    batcher.whenRoom(() => (resumed = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(resumed).toBe(false);
    store.full = false;
    await eventually(() => expect(resumed).toBe(true));
    await batcher.drain();
    expect(store.points).toHaveLength(20);
  });

  it('counts and logs what is still held when it stops on a full disk', async () => {
    const store = new FillingStore();
    const { log: logger, lines } = captureLog();
    const batcher = new Batcher(store, 10, 60_000, logger, { retry });
    store.full = true;
    push(batcher, 10);
    await batcher.drain();
    expect(batcher.stats).toMatchObject({ failed: 10, written: 0 });
    expect(lines.some((l) => l.code === 'HS_ERR_DISK_FULL' && /10 held points not written/.test(String(l.msg)))).toBe(true);
  });

  it('warns of a slow store once per interval, with the count', async () => {
    const { log: logger, lines } = captureLog();
    const sink: StoreSink = {
      write: () => new Promise((r) => setTimeout(r, 15)),
      setStatus: async () => undefined,
    };
    const batcher = new Batcher(sink, 2, 60_000, logger, { slowBatchMs: 5 });
    push(batcher, 6);
    await batcher.drain();
    // The first batch, then the two that filled while it was written, as one write.
    expect(batcher.stats.slowBatches).toBe(2);
    const slow = lines.filter((l) => l.event === 'slow_store');
    expect(slow).toHaveLength(1);
    expect(String(slow[0].msg)).toMatch(/^slow store: batch took \d+ ms$/);
  });
});
