import type { Logger } from 'pino';
import { isHeatScadaError, type HeatScadaError } from '../../model/errors.ts';
import type { Quality } from '../../model/point.ts';
import type { StoredPoint, SubstationStatus, TimeSeriesStore } from '../../model/store.ts';
import { DEFAULT_RETRY, DiskFullRetry, isDiskFull, type RetryOptions } from '../disk-full.ts';

// Batched writes into the store. Points go into a preallocated batch that is handed to the
// store when it holds maxPoints or when maxMs have passed since its first point, whichever
// comes first. Writes (and status changes) run one after another, in arrival order, so a
// store never sees two of ours at once and a failed write never blocks the next one. A store
// that queues work itself and applies it in call order (`ordered`, the SQLite writer thread)
// is handed the next write at once instead: waiting for each answer left that thread idle for
// a round trip through our busy event loop per batch. A store answering one write at a time
// (ClickHouse, InfluxDB over HTTP) is handed, when it answers, every batch that filled meanwhile
// as one write (up to MAX_WRITE_POINTS), and the status changes that came meanwhile as one
// setStatuses where it offers that: its cost is mostly per request (a ClickHouse INSERT makes
// parts, and in a cluster ZooKeeper entries, per request; 5,000 births were 5,000 INSERTs), so
// a busy store gets fewer, bigger requests instead of a growing queue. Nothing moves across a
// job of the other kind. A merged write the store refuses for a bad point is tried again batch
// by batch (status by status), so one bad point costs its own batch only, as before.
//
// A full disk (store/disk-full.ts) is not a refusal: the batch, and every write after it, is
// held in memory in order and retried with a growing wait until the store takes them, so
// nothing is lost while it lasts. The hold is bounded: beyond `holdMaxPoints` the historian
// stops taking messages from the broker (`whenRoom`), which leaves them unacknowledged upstream.

export type StoreSink = Pick<TimeSeriesStore, 'write' | 'setStatus' | 'setStatuses'> & {
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
  /** Points held in memory because the disk is full, waiting for a retry. */
  held: number;
  /** Batches that took longer than slowBatchMs. */
  slowBatches: number;
}

export interface HoldOptions {
  /** Held points beyond which no more messages are taken from the broker. */
  holdMaxPoints: number;
  /** A batch write taking longer than this is logged as slow (at most once per SLOW_LOG_EVERY_MS). */
  slowBatchMs: number;
  retry: RetryOptions;
  /** The disk filled (error names the file) or is writable again (undefined). */
  onDiskFull?: (error: HeatScadaError | undefined, held: number) => void;
}

export const DEFAULT_HOLD: HoldOptions = { holdMaxPoints: 500_000, slowBatchMs: 2000, retry: DEFAULT_RETRY };

/** One slow-store warning per this interval, with how many batches were slow since the last. */
const SLOW_LOG_EVERY_MS = 10_000;

/** Points of batches merged into one write at most. */
export const MAX_WRITE_POINTS = 200_000;

/** A write the store could not take for want of space, in arrival order. */
type Held = { points: StoredPoint[] } | { status: SubstationStatus };

export class Batcher {
  readonly stats: WriterStats = { queued: 0, written: 0, failed: 0, batches: 0, failedBatches: 0, pending: 0, largestBatch: 0, writeMs: 0, held: 0, slowBatches: 0 };
  private batch: StoredPoint[];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<void> = Promise.resolve();
  private readonly onTimer = (): void => this.flush();
  /** The last job, queued behind a write under way and not yet started: what comes next of its kind joins it. */
  private open: { batches: StoredPoint[][]; size: number } | { statuses: SubstationStatus[] } | undefined;
  private readonly held: Held[] = [];
  private readonly retry: DiskFullRetry;
  private readonly hold: HoldOptions;
  private readonly waitingForRoom: (() => void)[] = [];
  private slowUnlogged = 0;
  private lastSlowLogMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: StoreSink,
    private readonly maxPoints: number,
    private readonly maxMs: number,
    private readonly log: Logger,
    hold: Partial<HoldOptions> = {},
  ) {
    this.batch = new Array<StoredPoint>(maxPoints);
    this.hold = { ...DEFAULT_HOLD, ...hold };
    this.retry = new DiskFullRetry(
      () => this.writeHeld(),
      {
        onFull: (error) => {
          this.log.warn({ code: error.code, path: error.path, held: this.stats.held, reason: error.message }, `store full: holding ${this.stats.held} points, retrying`);
          this.hold.onDiskFull?.(error, this.stats.held);
        },
        onRecovered: (fullForMs) => {
          this.log.info({ event: 'store_recovered', full_ms: fullForMs, written: this.stats.written }, `store writable again after ${Math.round(fullForMs / 1000)} s: every held point written`);
          this.hold.onDiskFull?.(undefined, 0);
        },
      },
      this.hold.retry,
    );
  }

  /** Whether the disk is full (writes are being held). */
  get diskFull(): boolean {
    return this.retry.full;
  }

  /** Calls `go` at once while the hold has room, else once the retries have made room (back-pressure). */
  whenRoom(go: () => void): void {
    if (this.hasRoom()) go();
    else this.waitingForRoom.push(go);
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
    // Behind what is held: the full disk would refuse it anyway, and order is kept.
    if (this.retry.full) this.holdBack({ points });
    else if (this.open !== undefined && 'batches' in this.open && this.open.size + points.length <= MAX_WRITE_POINTS) {
      this.open.batches.push(points);
      this.open.size += points.length;
    } else {
      const job = { batches: [points], size: points.length };
      this.enqueueJoinable(job, () => this.write(job.batches));
    }
  }

  /** Queues a job that later ones of its kind may join until it starts: only behind a write under way of a store answering one at a time. */
  private enqueueJoinable(job: NonNullable<Batcher['open']>, run: () => Promise<void>): void {
    // Any new job closes the one before it: status changes and points keep their order.
    this.open = !this.store.ordered && this.stats.pending > 0 ? job : undefined;
    this.enqueue(() => {
      if (this.open === job) this.open = undefined;
      return run();
    });
  }

  setStatus(status: SubstationStatus): void {
    if (this.retry.full) this.holdBack({ status });
    else if (this.open !== undefined && 'statuses' in this.open) this.open.statuses.push(status);
    else {
      const job = { statuses: [status] };
      this.enqueueJoinable(job, () => this.writeStatuses(job.statuses));
    }
  }

  /** Several as one write where the store offers it (a burst of births); refused, each on its own, so only a bad one is lost. */
  private async writeStatuses(statuses: SubstationStatus[]): Promise<void> {
    if (statuses.length > 1 && this.store.setStatuses) {
      try {
        await this.store.setStatuses(statuses);
        return;
      } catch (e) {
        if (isDiskFull(e)) {
          for (const status of statuses) this.holdBack({ status });
          this.retry.met(e);
          return;
        }
      }
    }
    for (const status of statuses) await this.writeStatus(status);
  }

  private async writeStatus(status: SubstationStatus): Promise<void> {
    try {
      await this.store.setStatus(status);
    } catch (e) {
      if (isDiskFull(e)) this.holdBack({ status }, e);
      else this.log.error({ code: 'HS_ERR_HISTORIAN_WRITE', substation: status.substation, online: status.online, reason: (e as Error).message }, 'status not written');
    }
  }

  /**
   * Flushes and waits until every write handed over so far is done, and tries what is held once
   * more; what the full disk still refuses then is lost with the process, counted and logged.
   */
  async drain(): Promise<void> {
    this.flush();
    await this.tail;
    this.retry.stop();
    if (this.held.length === 0 || (await this.writeHeld())) return;
    const points = this.stats.held;
    this.stats.failed += points;
    this.log.error({ code: 'HS_ERR_DISK_FULL', path: this.retry.lastError?.path, points }, `store still full at stop: ${points} held points not written`);
  }

  /** Runs `job` after the jobs before it, or at once for an ordered store; jobs never reject. */
  private enqueue(job: () => Promise<void>): void {
    this.stats.pending++;
    const started = this.store.ordered ? job() : undefined;
    this.tail = this.tail.then(() => started ?? job()).then(() => {
      this.stats.pending--;
    });
  }

  /** Batches as one write; several refused for a bad point, each on its own (only the bad one is lost). */
  private async write(batches: StoredPoint[][]): Promise<void> {
    const points = batches.length === 1 ? batches[0] : batches.flat();
    try {
      await this.timed(points);
    } catch (e) {
      if (isDiskFull(e)) this.holdBack({ points }, e);
      else if (batches.length > 1 && isHeatScadaError(e) && e.code === 'HS_ERR_STORE_POINT_INVALID') for (const batch of batches) await this.write([batch]);
      else this.refused(points, e);
    }
  }

  /** The store's write, counted and timed; a slow one is logged (the disk may be failing). */
  private async timed(points: StoredPoint[]): Promise<void> {
    const started = performance.now();
    try {
      await this.store.write(points);
      this.stats.written += points.length;
      this.stats.batches++;
      if (points.length > this.stats.largestBatch) this.stats.largestBatch = points.length;
    } finally {
      const ms = performance.now() - started;
      this.stats.writeMs += ms;
      if (ms > this.hold.slowBatchMs) this.slow(ms, points.length);
    }
  }

  private refused(points: StoredPoint[], e: unknown): void {
    this.stats.failed += points.length;
    this.stats.failedBatches++;
    this.log.error({ code: 'HS_ERR_HISTORIAN_WRITE', points: points.length, reason: (e as Error).message }, 'batch not written');
  }

  private slow(ms: number, points: number): void {
    this.stats.slowBatches++;
    this.slowUnlogged++;
    const now = Date.now();
    if (now - this.lastSlowLogMs < SLOW_LOG_EVERY_MS) return;
    this.log.warn({ event: 'slow_store', ms: Math.round(ms), points, slow_batches: this.slowUnlogged, threshold_ms: this.hold.slowBatchMs }, `slow store: batch took ${Math.round(ms)} ms`);
    this.slowUnlogged = 0;
    this.lastSlowLogMs = now;
  }

  /** Keeps a write the full disk refused (or would refuse) for the retries. */
  private holdBack(op: Held, e?: unknown): void {
    this.held.push(op);
    if ('points' in op) this.stats.held += op.points.length;
    if (e !== undefined) this.retry.met(e);
  }

  /** Whether fewer than holdMaxPoints are held. */
  hasRoom(): boolean {
    return this.stats.held < this.hold.holdMaxPoints;
  }

  /** Writes what is held, oldest first; false when the disk still refuses (the rest stays held). */
  private async writeHeld(): Promise<boolean> {
    while (this.held.length > 0) {
      const op = this.held[0];
      try {
        if ('points' in op) await this.timed(op.points);
        else await this.store.setStatus(op.status);
      } catch (e) {
        if (isDiskFull(e)) return false;
        if ('points' in op) this.refused(op.points, e);
        else this.log.error({ code: 'HS_ERR_HISTORIAN_WRITE', substation: op.status.substation, reason: (e as Error).message }, 'status not written');
      }
      this.held.shift();
      if ('points' in op) this.stats.held -= op.points.length;
      this.releaseRoom();
    }
    return true;
  }

  private releaseRoom(): void {
    while (this.waitingForRoom.length > 0 && this.hasRoom()) this.waitingForRoom.shift()!();
  }
}
