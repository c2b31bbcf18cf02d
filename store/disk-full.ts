import { statfsSync } from 'node:fs';
import path from 'node:path';
import { HeatScadaError, isHeatScadaError } from '../model/errors.ts';

// A full disk is one condition, whoever meets it and however it is reported: SQLite's
// SQLITE_FULL, the I/O errors SQLite gives when the OS refuses a write (a WAL or shared-memory
// file that cannot grow), or the OS's own ENOSPC / EDQUOT. Unlike a bad point or a bug, it
// passes once space returns, so the writer keeps what it could not write and tries again
// (DiskFullRetry) instead of dropping it or crashing.

/** SQLite result codes (better-sqlite3's `code`) that mean a write found no room. */
const SQLITE_NO_ROOM = new Set(['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_IOERR_SHMSIZE', 'SQLITE_IOERR_TRUNCATE']);
/** The OS's: no space, or a quota reached. */
const OS_NO_ROOM = new Set(['ENOSPC', 'EDQUOT']);

/** Whether an error (raw from SQLite or the OS, or already one of ours) is a full disk. */
export function isDiskFull(e: unknown): boolean {
  if (isHeatScadaError(e)) return e.code === 'HS_ERR_DISK_FULL';
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (SQLITE_NO_ROOM.has(code) || OS_NO_ROOM.has(code));
}

/** HS_ERR_DISK_FULL at `path`, keeping the original code and message as its detail. */
export function diskFullError(e: unknown, path?: string): HeatScadaError {
  if (isHeatScadaError(e) && e.code === 'HS_ERR_DISK_FULL') return e;
  const code = (e as { code?: unknown } | null)?.code;
  return new HeatScadaError('HS_ERR_DISK_FULL', `${typeof code === 'string' ? `${code}: ` : ''}${(e as Error).message}`, path);
}

export interface RetryOptions {
  /** First wait after a write met a full disk, ms; doubles up to maxMs. */
  firstMs: number;
  maxMs: number;
  /**
   * The disk counts as recovered only with this much free space besides a successful write:
   * SQLite reuses its WAL, so small writes succeed now and then on a disk that is still full.
   */
  minFreeBytes: number;
}

export const DEFAULT_RETRY: RetryOptions = { firstMs: 250, maxMs: 5000, minFreeBytes: 16 * 1024 * 1024 };

/** Free bytes (for an unprivileged process) on the file system holding `file`; undefined when it cannot be told. */
export function freeBytes(file: string): number | undefined {
  try {
    const fs = statfsSync(path.dirname(file));
    return fs.bavail * fs.bsize;
  } catch {
    return undefined;
  }
}

/**
 * While a disk is full: says so once when it fills (`onFull`) and once when it is writable
 * again (`onRecovered`), and meanwhile calls `attempt` after a growing wait until it reports
 * success. No line per retry: a disk full for an hour is two log lines, not thousands.
 */
export class DiskFullRetry {
  private since: number | undefined;
  private waitMs: number;
  private timer: NodeJS.Timeout | undefined;
  private attempting = false;
  /** A write met the full disk while an attempt was under way: its success does not cover that one. */
  private metWhileAttempting = false;
  private error: HeatScadaError | undefined;

  constructor(
    private readonly attempt: () => boolean | Promise<boolean>,
    private readonly events: { onFull(error: HeatScadaError): void; onRecovered(fullForMs: number): void },
    private readonly options: RetryOptions = DEFAULT_RETRY,
  ) {
    this.waitMs = options.firstMs;
  }

  /** Whether the disk is known full (a write failed and none has succeeded since). */
  get full(): boolean {
    return this.since !== undefined;
  }

  /** The error that made the disk count as full, while it does. */
  get lastError(): HeatScadaError | undefined {
    return this.error;
  }

  /** A write met a full disk: the first time, say so; keep a retry scheduled either way. */
  met(e: unknown, path?: string): void {
    this.error = diskFullError(e, path);
    if (this.attempting) this.metWhileAttempting = true;
    if (this.since === undefined) {
      this.since = Date.now();
      this.waitMs = this.options.firstMs;
      this.events.onFull(this.error);
    }
    this.schedule();
  }

  /** Stops retrying (on close); the condition stays as it is. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private roomEnough(): boolean {
    const file = this.error?.path;
    const free = file === undefined ? undefined : freeBytes(file);
    return free === undefined || free >= this.options.minFreeBytes;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.attempting) return;
    this.timer = setTimeout(() => void this.run(), this.waitMs);
    this.timer.unref();
    this.waitMs = Math.min(this.options.maxMs, this.waitMs * 2);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.attempting = true;
    this.metWhileAttempting = false;
    let ok = false;
    try {
      ok = await this.attempt();
    } catch {
      // An attempt reports its own errors; whatever escapes counts as the disk still refusing.
      ok = false;
    } finally {
      this.attempting = false;
    }
    if (!ok || this.metWhileAttempting || !this.roomEnough()) {
      this.schedule();
      return;
    }
    const since = this.since;
    this.since = undefined;
    this.error = undefined;
    if (since !== undefined) this.events.onRecovered(Date.now() - since);
  }
}
