import type Database from 'better-sqlite3';
import { HeatScadaError, isHeatScadaError, type ErrorCode } from '../../model/errors.ts';
import type { LatestFilter, RangeQuery, SeriesKey, SeriesRange, StoredPoint, SubstationStatus, TimeSeriesStore } from '../../model/store.ts';
import { diskFullError, isDiskFull } from '../disk-full.ts';
import { checkBatch, checkRangeQuery, checkSeries, checkSpan, checkStatus } from '../rules.ts';
import { toColumns, type PointColumns } from './columns.ts';
import { MINUTE, type RollupMarks, type Segment } from './plan.ts';
import { Queries } from './query.ts';
import { RecentPoints } from './recent.ts';
import { Rollups } from './rollup.ts';
import { openDatabase } from './schema.ts';
import { SeriesIds, SeriesIndex } from './series.ts';
import { PointWriter, type Written } from './write.ts';

// The embedded default store: one SQLite file in WAL mode, so the historian writes while the
// API, control and alarms read, each in its own process if need be. README.md explains the
// tables, rollups and the write-rate figures.

export interface SqliteStoreOptions {
  file: string;
  /**
   * Raw points are rolled up once they are this much older than the newest point, in steps of
   * at least this much (and of at least a minute); 0 rolls each minute up as soon as a newer one
   * starts. Default 5 minutes. Points arriving later still count: their minutes are redone.
   */
  rollupAfterMs?: number;
  /** Keep rollups up after writes and read them for long steps. Default true. */
  rollups?: boolean;
  /** SQLite page cache, MiB. Default 64. */
  cacheMb?: number;
  /** How long a write waits for another process's write lock, ms. Default 5000. */
  busyTimeoutMs?: number;
  /** WAL size that triggers a checkpoint, MiB. Default 256 (README: why so large). */
  walMb?: number;
  /** Told when moving recent points or a rollup slice after a (committed) write fails; default: a process warning. */
  onMaintenanceError?: (error: HeatScadaError) => void;
}

interface SeriesPlan extends SeriesKey {
  segments: Segment[];
}

/** A drain of points_recent into points starts once it took this many rows per known series. */
export const RECENT_ROWS_PER_SERIES = 20;
/**
 * Each write moves a slice of about this many rows per point it wrote, so a drain ends well
 * before the next one is due (README: the write path).
 */
const SLICE_ROWS_PER_POINT = 2;
const MIN_SLICE_SERIES = 64;
/** A rollup slice reads about this many raw points per point of the batch (at least MIN_ROLLUP_SLICE_ROWS): README, rollups in slices. */
const ROLLUP_ROWS_PER_POINT = 2;
const MIN_ROLLUP_SLICE_ROWS = 1024;
const warn = (e: HeatScadaError): void => process.emitWarning(e.message, { code: e.code });
const DEFAULTS = { rollupAfterMs: 5 * MINUTE, rollups: true, cacheMb: 64, busyTimeoutMs: 5000, walMb: 256, onMaintenanceError: warn };

export class SqliteStore implements TimeSeriesStore {
  /** The better-sqlite3 handle, for roles that keep their own tables in the same file. */
  readonly database: Database.Database;
  readonly file: string;
  private readonly series: SeriesIds;
  private readonly writer: PointWriter;
  private readonly queries: Queries;
  private readonly rollups: Rollups;
  private readonly recent: RecentPoints;
  /** Series numbers of the writer thread's batches (writeNumbered). */
  private readonly numbered = new SeriesIndex();
  private readonly setStatusStmt: Database.Statement<[string, number, number]>;
  private readonly statusesStmt: Database.Statement<[], { substation: string; online: number; ts: number }>;
  private readonly rollupAfterMs: number;
  private readonly autoRollup: boolean;
  /** Rows this process put into points_recent since its last drain started. */
  private recentRows = 0;
  /** Whether this process's last slice left a drain under way. */
  private draining = false;
  /** Whether a rollup is under way (read from the file at open: a restart resumes it). */
  private rollingUp: boolean;
  /** What the last write made due: starting a rollup up to rollUpTo, slices sized by the batch. */
  private due: { rollUpTo: number | undefined; batchLength: number } | undefined;
  private readonly onMaintenanceError: (error: HeatScadaError) => void;

  constructor(options: SqliteStoreOptions) {
    const opts = { ...DEFAULTS, ...options };
    if (!(Number.isInteger(opts.rollupAfterMs) && opts.rollupAfterMs >= 0)) {
      throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `rollupAfterMs must be a whole number of ms ≥ 0, got ${opts.rollupAfterMs}`, 'rollupAfterMs');
    }
    this.file = opts.file;
    this.database = openDatabase({ file: opts.file, cacheMb: opts.cacheMb, busyTimeoutMs: opts.busyTimeoutMs, walMb: opts.walMb });
    this.rollupAfterMs = opts.rollupAfterMs;
    this.autoRollup = opts.rollups;
    this.onMaintenanceError = opts.onMaintenanceError;
    this.series = new SeriesIds(this.database);
    this.writer = new PointWriter(this.database);
    this.queries = new Queries(this.database, this.series, opts.rollups);
    this.recent = new RecentPoints(this.database);
    this.rollups = new Rollups(this.database);
    this.rollingUp = this.autoRollup && this.rollups.underWay();
    // A replayed BIRTH/DEATH older than what is stored does not overwrite it.
    this.setStatusStmt = this.database.prepare(
      `INSERT INTO statuses (substation, online, ts) VALUES (?, ?, ?)
       ON CONFLICT (substation) DO UPDATE SET online = excluded.online, ts = excluded.ts WHERE excluded.ts >= statuses.ts`,
    );
    this.statusesStmt = this.database.prepare('SELECT substation, online, ts FROM statuses ORDER BY substation');
  }

  /**
   * write() without the promise, for a caller that batches synchronously (the historian).
   * Afterwards moves a slice of points_recent, and rolls up a slice of series when enough raw
   * points have aged past rollupAfterMs or a rollup is under way.
   */
  writeSync(points: readonly StoredPoint[]): void {
    if (points.length === 0) return;
    const written = this.guard('HS_ERR_STORE_WRITE', () => {
      checkBatch(points);
      return this.writer.write(
        toColumns(points, (_, i) => i),
        () => this.series.resolve(points),
      );
    });
    this.afterWrite(written, points.length);
    this.maintain();
  }

  /**
   * writeSync for the writer thread (worker-writer.ts): a batch its sender checked, in columns,
   * whose key numbers count on from the series of earlier batches, `newKeys` being the ones
   * numbered since. Leaves maintain() to the caller, which answers first: the batch is committed.
   */
  writeNumbered(batch: PointColumns, newKeys: readonly SeriesKey[]): void {
    this.numbered.add(newKeys);
    if (batch.length === 0) return;
    this.afterWrite(
      this.guard('HS_ERR_STORE_WRITE', () => this.writer.write(batch, () => this.numbered.resolve(this.series))),
      batch.length,
    );
  }

  /**
   * Moves the next slice of points_recent into points and rolls up the next slice of series, as
   * the last write made due, each in its own transaction. The batch is committed: a failure goes
   * to onMaintenanceError and is tried again after the next write.
   */
  maintain(): void {
    const due = this.due;
    this.due = undefined;
    if (!due) return;
    // Enough rows per series that moving them writes each series' last page for several points.
    const start = !this.draining && this.recentRows >= RECENT_ROWS_PER_SERIES * this.series.size;
    const rollUp = due.rollUpTo !== undefined || this.rollingUp;
    if (!rollUp && !start && !this.draining) return;
    try {
      this.guard('HS_ERR_STORE_WRITE', () => {
        if (start || this.draining) {
          const seriesPerSlice = Math.max(MIN_SLICE_SERIES, Math.ceil((SLICE_ROWS_PER_POINT * due.batchLength) / RECENT_ROWS_PER_SERIES));
          this.draining = this.recent.drainSlice(seriesPerSlice, start);
          if (start) this.recentRows = 0;
        }
        if (rollUp) this.rollingUp = this.rollups.rollUpSlice(Math.max(MIN_ROLLUP_SLICE_ROWS, ROLLUP_ROWS_PER_POINT * due.batchLength), due.rollUpTo);
      });
    } catch (e) {
      this.onMaintenanceError(e as HeatScadaError);
    }
  }

  async write(points: readonly StoredPoint[]): Promise<void> {
    this.writeSync(points);
  }

  async latest(filter: LatestFilter = {}): Promise<StoredPoint[]> {
    return this.guard('HS_ERR_STORE_READ', () => this.queries.latest(filter));
  }

  async range(query: RangeQuery): Promise<SeriesRange[]> {
    checkRangeQuery(query);
    return this.guard('HS_ERR_STORE_READ', () => this.queries.range(query));
  }

  async count(series: SeriesKey, from: number, to: number): Promise<number> {
    checkSeries(series, '/series');
    checkSpan(from, to);
    return this.guard('HS_ERR_STORE_READ', () => this.queries.count(series, from, to));
  }

  async setStatus(status: SubstationStatus): Promise<void> {
    checkStatus(status);
    this.guard('HS_ERR_STORE_WRITE', () => this.setStatusStmt.run(status.substation, status.online ? 1 : 0, status.ts));
  }

  async statuses(): Promise<SubstationStatus[]> {
    return this.guard('HS_ERR_STORE_READ', () => this.statusesStmt.all().map((r) => ({ substation: r.substation, online: r.online === 1, ts: r.ts })));
  }

  /** Drops raw points before the cut-off (ms UTC, floored to the minute) after rolling them up. */
  async applyRetention(olderThanMs: number): Promise<number> {
    checkSpan(olderThanMs, olderThanMs);
    return this.guard('HS_ERR_STORE_WRITE', () => {
      const dropped = this.rollups.dropRawBefore(olderThanMs);
      this.rollingUp = false;
      return dropped;
    });
  }

  /**
   * Finishes a rollup under way, rolls up every complete minute up to `upTo` (default:
   * rollupAfterMs before the newest point) and redoes stale ones, in one transaction. Runs by
   * itself a slice at a time after writes; call it to force one now.
   */
  rollup(upTo?: number): RollupMarks {
    return this.guard('HS_ERR_STORE_WRITE', () => {
      const marks = this.rollups.rollUpTo(upTo ?? this.rollups.state().newest - this.rollupAfterMs);
      this.rollingUp = false;
      return marks;
    });
  }

  /** Which tables a bucketed range would read, per series: for tests and diagnostics. */
  explainRange(query: RangeQuery & { stepMs: number }): SeriesPlan[] {
    checkRangeQuery(query);
    return this.guard('HS_ERR_STORE_READ', () =>
      query.series.map((s) => {
        const id = this.series.find(s.substation, s.tag);
        return { ...s, segments: id === undefined ? [] : this.queries.plan(id, query.from, query.to, query.stepMs) };
      }),
    );
  }

  private afterWrite({ marks, toRecent }: Written, batchLength: number): void {
    this.recentRows += toRecent;
    const target = marks.newest - this.rollupAfterMs;
    const rollUp = this.autoRollup && target >= marks.minute + Math.max(this.rollupAfterMs, MINUTE);
    this.due = { rollUpTo: rollUp ? target : undefined, batchLength };
  }

  async close(): Promise<void> {
    if (this.database.open) this.database.close();
  }

  /** Runs a database step, turning SQLite's errors into the catalogue's. */
  private guard<T>(code: ErrorCode, step: () => T): T {
    if (!this.database.open) throw new HeatScadaError('HS_ERR_STORE_CLOSED', undefined, this.file);
    try {
      return step();
    } catch (e) {
      if (isHeatScadaError(e)) throw e;
      // A full disk passes once space returns: the caller holds the batch and retries (store/disk-full.ts).
      if (isDiskFull(e)) throw diskFullError(e, this.file);
      throw new HeatScadaError(code, (e as Error).message, this.file);
    }
  }
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}
