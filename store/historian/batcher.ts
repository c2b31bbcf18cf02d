import type { Logger } from 'pino';
import type { Quality } from '../../model/point.ts';
import type { StoredPoint, SubstationStatus, TimeSeriesStore } from '../../model/store.ts';

// Batched writes into the store. Points go into a preallocated batch that is handed to the
// store when it holds maxPoints or when maxMs have passed since its first point, whichever
// comes first. Writes (and status changes) run one after another, in arrival order, so a
// store never sees two of ours at once and a failed write never blocks the next one. A store
// that queues work itself and applies it in call order (`ordered`, the SQLite writer thread)
// is handed the next write at once instead: waiting for each answer left that thread idle for
// a round trip through our busy event loop per batch.

export type StoreSink = Pick<TimeSeriesStore, 'write' | 'setStatus'> & {
  /** Applies writes and status changes one at a time in the order they were called. */
  readonly ordered?: boolean;
};

export interface WriterStats {
  /** Points handed to push(). */
  queued: number;
  written: number;
  /** Points of batches the store refused. */
  failed: number;
  batches: number;
  failedBatches: number;
  /** Writes and status changes waiting for the store or under way. */
  pending: number;
  largestBatch: number;
  /** Time spent in the store's write(), ms (for an ordered store, queueing included). */
  writeMs: number;
}

export class Batcher {
  readonly stats: WriterStats = { queued: 0, written: 0, failed: 0, batches: 0, failedBatches: 0, pending: 0, largestBatch: 0, writeMs: 0 };
  private batch: StoredPoint[];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<void> = Promise.resolve();
  private readonly onTimer = (): void => this.flush();

  constructor(
    private readonly store: StoreSink,
    private readonly maxPoints: number,
    private readonly maxMs: number,
    private readonly log: Logger,
  ) {
    this.batch = new Array<StoredPoint>(maxPoints);
  }

  push(substation: string, tag: string, ts: number, value: number | boolean, quality: Quality, historical: boolean): void {
    this.batch[this.size++] = { substation, tag, ts, value, quality, historical };
    this.stats.queued++;
    if (this.size === 1) this.timer = setTimeout(this.onTimer, this.maxMs);
    if (this.size === this.maxPoints) this.flush();
  }

  /** Hands the current batch to the store (after the writes before it). */
  flush(): void {
    if (this.size === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const points = this.batch;
    points.length = this.size;
    this.batch = new Array<StoredPoint>(this.maxPoints);
    this.size = 0;
    this.enqueue(() => this.write(points));
  }

  setStatus(status: SubstationStatus): void {
    this.enqueue(async () => {
      try {
        await this.store.setStatus(status);
      } catch (e) {
        this.log.error({ code: 'HS_ERR_HISTORIAN_WRITE', substation: status.substation, online: status.online, reason: (e as Error).message }, 'status not written');
      }
    });
  }

  /** Flushes and waits until every write handed over so far is done. */
  async drain(): Promise<void> {
    this.flush();
    await this.tail;
  }

  /** Runs `job` after the jobs before it, or at once for an ordered store; jobs never reject. */
  private enqueue(job: () => Promise<void>): void {
    this.stats.pending++;
    const started = this.store.ordered ? job() : undefined;
    this.tail = this.tail.then(() => started ?? job()).then(() => {
      this.stats.pending--;
    });
  }

  private async write(points: StoredPoint[]): Promise<void> {
    const started = performance.now();
    try {
      await this.store.write(points);
      this.stats.written += points.length;
      this.stats.batches++;
      if (points.length > this.stats.largestBatch) this.stats.largestBatch = points.length;
    } catch (e) {
      this.stats.failed += points.length;
      this.stats.failedBatches++;
      this.log.error({ code: 'HS_ERR_HISTORIAN_WRITE', points: points.length, reason: (e as Error).message }, 'batch not written');
    } finally {
      this.stats.writeMs += performance.now() - started;
    }
  }
}
