import type { Logger } from 'pino';
import type { HeatScadaError } from '../../model/errors.ts';
import type { Point } from '../../model/point.ts';
import { DEFAULT_RETRY, DiskFullRetry, isDiskFull, type RetryOptions } from '../../store/disk-full.ts';
import type { PointBuffer } from './buffer.ts';

// The store-and-forward buffer as the edge node uses it, on a disk that may fill. While the
// buffer's file cannot grow, points wait in memory behind those on disk, in the order they were
// produced, and go to the file once it takes writes again (DiskFullRetry: one log line when the
// disk fills, one when it recovers). Memory is bounded too: beyond `memoryMaxPoints` the oldest
// held points go, counted and logged, never silently. Replay reads the file first, then memory.

export interface BufferWriterOptions {
  memoryMaxPoints: number;
  retry?: RetryOptions;
  /** The disk filled (error names the file) or takes writes again (undefined). */
  onDiskFull?: (error: HeatScadaError | undefined, heldInMemory: number) => void;
}

/** Points to replay, oldest first, and how to let go of them once their publication was acknowledged. */
export interface ReplayBatch {
  points: Point[];
  /** Deletes them from file and memory; false when the full disk refused the delete (they stay, and come again). */
  release(): boolean;
}

/** While memory drops points, one warning per this interval, with the counts. */
const DROP_WARNING_EVERY_MS = 10_000;

export class BufferWriter {
  private memory: Point[] = [];
  private droppedFromMemory = 0;
  private droppedUnlogged = 0;
  private lastDropWarningMs = Number.NEGATIVE_INFINITY;
  private readonly retry: DiskFullRetry;
  /** A replayed batch whose delete the full disk refused: it is deleted before the disk counts as recovered. */
  private unreleased: (() => boolean) | undefined;

  constructor(
    private readonly buffer: PointBuffer,
    private readonly options: BufferWriterOptions,
    private readonly log: Logger,
    /** Told when the disk takes writes again: the edge node replays what was held. */
    onRecovered: () => void = () => undefined,
  ) {
    this.retry = new DiskFullRetry(
      () => this.flushMemory(),
      {
        onFull: (error) => {
          this.log.warn(
            { event: 'buffer_disk_full', code: error.code, path: error.path, held_in_memory: this.memory.length, memory_max_points: options.memoryMaxPoints, reason: error.message },
            `store-and-forward buffer: disk full, holding ${this.memory.length} points in memory, retrying`,
          );
          options.onDiskFull?.(error, this.memory.length);
        },
        onRecovered: (fullForMs) => {
          this.log.info({ event: 'buffer_disk_recovered', full_ms: fullForMs, buffered: this.buffer.size }, 'store-and-forward buffer: disk writable again, held points written to it');
          options.onDiskFull?.(undefined, 0);
          onRecovered();
        },
      },
      options.retry ?? DEFAULT_RETRY,
    );
  }

  /** Points waiting to be replayed: on disk and in memory. */
  get size(): number {
    return this.buffer.size + this.memory.length;
  }

  /** Points dropped: by the file's bound, by memory's, or for a device no longer served. */
  get dropped(): number {
    return this.buffer.dropped + this.droppedFromMemory;
  }

  get heldInMemory(): number {
    return this.memory.length;
  }

  get diskFull(): boolean {
    return this.retry.full;
  }

  /** Appends points after every point already held; never throws for a full disk. */
  append(points: readonly Point[]): void {
    if (points.length === 0) return;
    if (!this.retry.full) {
      try {
        this.buffer.append(points);
        return;
      } catch (e) {
        if (!isDiskFull(e)) throw e;
        this.retry.met(e, this.buffer.file);
      }
    }
    this.hold(points);
  }

  /** The oldest points of a substation, from the file, then from memory, up to `limit`. */
  oldest(substation: string, limit: number): ReplayBatch {
    const rows = this.buffer.oldest(substation, limit);
    const fromMemory: Point[] = [];
    for (const p of this.memory) {
      if (rows.length + fromMemory.length >= limit) break;
      if (p.substation === substation) fromMemory.push(p);
    }
    const release = (): boolean => {
      if (rows.length > 0 && !this.removeThrough(substation, rows[rows.length - 1].id)) {
        // The retries delete them once the disk takes writes, before anything else.
        this.unreleased = release;
        return false;
      }
      if (fromMemory.length > 0) {
        const released = new Set(fromMemory);
        this.memory = this.memory.filter((p) => !released.has(p));
      }
      return true;
    };
    return { points: [...rows.map((r) => r.point), ...fromMemory], release };
  }

  close(): void {
    this.retry.stop();
    this.flushDropWarning();
    if (this.memory.length > 0) {
      this.log.error({ event: 'buffer_memory_lost', code: 'HS_ERR_DISK_FULL', points: this.memory.length, path: this.buffer.file }, `store-and-forward buffer: disk still full at stop, ${this.memory.length} points held in memory lost`);
    }
  }

  private hold(points: readonly Point[]): void {
    this.memory.push(...points);
    const excess = this.memory.length - this.options.memoryMaxPoints;
    if (excess <= 0) return;
    this.memory.splice(0, excess);
    this.droppedFromMemory += excess;
    this.droppedUnlogged += excess;
    if (Date.now() - this.lastDropWarningMs >= DROP_WARNING_EVERY_MS) this.flushDropWarning();
  }

  private removeThrough(substation: string, id: number): boolean {
    try {
      this.buffer.removeThrough(substation, id);
      return true;
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      this.retry.met(e, this.buffer.file);
      return false;
    }
  }

  /** Finishes a refused release, then moves what memory holds to the file, oldest first; false while the disk still refuses. */
  private flushMemory(): boolean {
    const unreleased = this.unreleased;
    this.unreleased = undefined;
    if (unreleased && !unreleased()) return false;
    if (this.memory.length === 0) return true;
    try {
      this.buffer.append(this.memory);
    } catch (e) {
      if (isDiskFull(e)) return false;
      throw e;
    }
    this.memory = [];
    return true;
  }

  private flushDropWarning(): void {
    if (this.droppedUnlogged === 0) return;
    this.log.warn(
      { event: 'buffer_memory_full', code: 'HS_ERR_DISK_FULL', dropped: this.droppedUnlogged, dropped_total: this.droppedFromMemory, memory_max_points: this.options.memoryMaxPoints, path: this.buffer.file },
      `store-and-forward buffer: disk full and memory bound of ${this.options.memoryMaxPoints} points exceeded, ${this.droppedUnlogged} oldest points dropped`,
    );
    this.droppedUnlogged = 0;
    this.lastDropWarningMs = Date.now();
  }
}
