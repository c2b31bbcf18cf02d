import type Database from 'better-sqlite3';
import { ONE_SPAN, PARTIAL_COLUMNS, partialsSql } from './aggregate.ts';
import { HOUR, MINUTE, hourMarkFor, rawSegments, recentSplit, type RawSource, type RecentMarks, type RollupMarks, type RollupProgress } from './plan.ts';

// Rollups and retention. Minute rollups are made from raw points (in points or points_recent,
// split per series by recentSplit), hourly ones from minute rollups. A rollup runs a slice of
// series per transaction: starting one fixes rollup_target (the new minute mark), each slice
// rolls up the next series ids from rollup_cursor on — their stale minutes (rollup_dirty), their
// minutes from minute_mark to the target and the hours those complete — and moves the cursor on;
// when it has passed every series the marks move to the target. Until then rollupMarksOf()
// (plan.ts) tells per series where its rollups are complete, so no reader takes a series' new
// buckets as complete before its slice committed. rollUpTo() and retention run to the end in
// one transaction; retention rolls up what it is about to drop first, so rollups outlive raw points.

interface RollupState extends RollupProgress, RecentMarks {
  /** The newest point ever written, ms UTC. */
  newest: number;
}

type Span = { id: number; lo: number; hi: number; width: number };

/** Series ids read from the series table at a time while a slice walks them. */
const ID_CHUNK = 256;
/** What a series costs a slice's budget even with no points to roll up: its statements take about as long as this many points. */
const POINTS_PER_SERIES_VISIT = 16;

const floorTo = (t: number, w: number): number => t - (t % w);

/**
 * Adds partials into rollup_1m: a minute split between points and points_recent arrives as two
 * rows that merge like query.ts merges them. Returns each minute's count, how many points it read.
 */
const mergeMinutes = (source: RawSource): string => `INSERT INTO rollup_1m (${PARTIAL_COLUMNS}) ${partialsSql(source, ONE_SPAN)} WHERE true
  ON CONFLICT (series_id, bucket) DO UPDATE SET sum = rollup_1m.sum + excluded.sum, min = min(rollup_1m.min, excluded.min),
    max = max(rollup_1m.max, excluded.max), count = rollup_1m.count + excluded.count, quality = max(rollup_1m.quality, excluded.quality),
    last = CASE WHEN excluded.last_ts > rollup_1m.last_ts THEN excluded.last ELSE rollup_1m.last END, last_ts = max(rollup_1m.last_ts, excluded.last_ts)
  RETURNING count`;

export class Rollups {
  private readonly readState: Database.Statement<[], RollupState>;
  private readonly minutesFrom: Record<RawSource, Database.Statement<[Span], number>>;
  private readonly dropMinute: Database.Statement<[number, number]>;
  private readonly hoursFromMinutes: Database.Statement<[Span]>;
  private readonly staleMinutes: Database.Statement<[number], number>;
  private readonly clearStale: Database.Statement<[number]>;
  private readonly staleSeries: Database.Statement<[], number>;
  private readonly idsChunk: Database.Statement<[number, number], number>;
  private readonly start: Database.Statement<[number]>;
  private readonly saveCursor: Database.Statement<[number]>;
  private readonly finish: Database.Statement<[number]>;
  private readonly dropRaw: Record<RawSource, Database.Statement<[number, number]>>;
  private readonly sliceTx: (budgetRows: number, startAt: number | undefined) => boolean;

  constructor(private readonly db: Database.Database) {
    this.readState = db.prepare(
      `SELECT newest_ts AS newest, minute_mark AS minute, hour_mark AS hour, rollup_target AS rollupTarget, rollup_cursor AS rollupCursor,
        recent_mark AS recent, drain_mark AS drainMark, drain_cursor AS drainCursor FROM rollup_state WHERE id = 1`,
    );
    const minutes = (source: RawSource) => db.prepare<[Span], number>(mergeMinutes(source)).pluck();
    this.minutesFrom = { points: minutes('points'), points_recent: minutes('points_recent') };
    this.dropMinute = db.prepare('DELETE FROM rollup_1m WHERE series_id = ? AND bucket = ?');
    this.hoursFromMinutes = db.prepare(`INSERT OR REPLACE INTO rollup_1h (${PARTIAL_COLUMNS}) ${partialsSql('rollup_1m', ONE_SPAN)}`);
    this.staleMinutes = db.prepare<[number], number>('SELECT bucket FROM rollup_dirty WHERE series_id = ? ORDER BY bucket').pluck();
    this.clearStale = db.prepare('DELETE FROM rollup_dirty WHERE series_id = ?');
    this.staleSeries = db.prepare<[], number>('SELECT DISTINCT series_id FROM rollup_dirty').pluck();
    this.idsChunk = db.prepare<[number, number], number>('SELECT id FROM series WHERE id >= ? ORDER BY id LIMIT ?').pluck();
    this.start = db.prepare('UPDATE rollup_state SET rollup_target = ?, rollup_cursor = 0 WHERE id = 1');
    this.saveCursor = db.prepare('UPDATE rollup_state SET rollup_cursor = ? WHERE id = 1');
    this.finish = db.prepare('UPDATE rollup_state SET minute_mark = rollup_target, hour_mark = ?, rollup_cursor = 0 WHERE id = 1');
    const dropRaw = (table: RawSource) => db.prepare(`DELETE FROM ${table} WHERE series_id = ? AND ts < ?`);
    this.dropRaw = { points: dropRaw('points'), points_recent: dropRaw('points_recent') };
    this.sliceTx = db.transaction((budgetRows: number, startAt: number | undefined) => this.slice(budgetRows, startAt)).immediate;
  }

  state(): RollupState {
    const s = this.readState.get();
    if (!s) throw new Error('rollup_state has no row: the store schema is damaged');
    return s;
  }

  /** Whether a rollup is under way (its progress is in the file, so it outlives this process). */
  underWay(): boolean {
    const s = this.state();
    return s.rollupTarget > s.minute;
  }

  /**
   * Rolls up series of the rollup under way until about `budgetRows` raw points were read
   * (counting POINTS_PER_SERIES_VISIT more for each series; at least one series), starting one
   * up to `startAt` (floored to the minute) first if none is and that is past the minute mark.
   * Returns whether a rollup is still under way afterwards.
   */
  rollUpSlice(budgetRows: number, startAt: number | undefined): boolean {
    return this.sliceTx(budgetRows, startAt);
  }

  /** Finishes the rollup under way, then rolls up every minute below `upTo` (floored to the minute) and every stale one. */
  rollUpTo(upTo: number): RollupMarks {
    return this.db.transaction((): RollupMarks => this.rollUpInTransaction(upTo)).immediate();
  }

  /** Rolls up below `cutoff` (floored to the minute), then drops raw points below it; returns how many. */
  dropRawBefore(cutoff: number): number {
    return this.db
      .transaction((): number => {
        const cut = floorTo(cutoff, MINUTE);
        this.rollUpInTransaction(cut);
        let dropped = 0;
        for (const id of this.idsFrom(0)) dropped += this.dropRaw.points.run(id, cut).changes + this.dropRaw.points_recent.run(id, cut).changes;
        return dropped;
      })
      .immediate();
  }

  private rollUpInTransaction(upTo: number): RollupMarks {
    this.slice(Infinity, undefined);
    const s = this.state();
    const target = floorTo(upTo, MINUTE);
    if (target > s.minute) {
      this.start.run(target);
      this.walk(this.state(), Infinity);
    } else {
      // Nothing new to roll up (retention's usual case): only the series with stale minutes.
      for (const id of this.staleSeries.all()) this.rollUpSeries(id, s);
    }
    const { minute, hour } = this.state();
    return { minute, hour };
  }

  private slice(budgetRows: number, startAt: number | undefined): boolean {
    let s = this.state();
    if (!(s.rollupTarget > s.minute)) {
      if (startAt === undefined || floorTo(startAt, MINUTE) <= s.minute) return false;
      this.start.run(floorTo(startAt, MINUTE));
      s = this.state();
    }
    return this.walk(s, budgetRows);
  }

  /** Rolls up series from the cursor on until the budget is spent; ends the rollup after the last one. */
  private walk(s: RollupState, budgetRows: number): boolean {
    let rows = 0;
    // Read inside the transaction: a series another process creates now comes after the cursor.
    for (const id of this.idsFrom(s.rollupCursor)) {
      rows += POINTS_PER_SERIES_VISIT + this.rollUpSeries(id, s);
      if (rows >= budgetRows) {
        this.saveCursor.run(id + 1);
        return true;
      }
    }
    this.finish.run(hourMarkFor(s.hour, s.rollupTarget));
    return false;
  }

  /** Rolls series `id` up to the target: stale minutes, new minutes, the hours both complete. Returns the raw points read. */
  private rollUpSeries(id: number, s: RollupState): number {
    const split = recentSplit(s, id);
    const stale = this.staleMinutes.all(id);
    let rows = 0;
    // Stale minutes lie below the minute mark, new ones above it: the two never overlap.
    for (const bucket of stale) {
      this.dropMinute.run(id, bucket);
      rows += this.minutes(id, bucket, bucket + MINUTE, split);
    }
    rows += this.minutes(id, s.minute, s.rollupTarget, split);
    // Hours above the old hour mark holding a stale minute are made fresh below anyway.
    for (const hour of new Set(stale.map((b) => floorTo(b, HOUR)))) {
      if (hour < s.hour) this.hoursFromMinutes.run({ id, lo: hour, hi: hour + HOUR, width: HOUR });
    }
    const hourTarget = hourMarkFor(s.hour, s.rollupTarget);
    if (hourTarget > s.hour) this.hoursFromMinutes.run({ id, lo: s.hour, hi: hourTarget, width: HOUR });
    if (stale.length > 0) this.clearStale.run(id);
    return rows;
  }

  /** Minute rollups of [lo, hi) from the raw points of both tables; returns the points read. */
  private minutes(id: number, lo: number, hi: number, split: number): number {
    let rows = 0;
    for (const seg of rawSegments(lo, hi, split)) {
      for (const count of this.minutesFrom[seg.source].all({ id, lo: seg.from, hi: seg.to, width: MINUTE })) rows += count;
    }
    return rows;
  }

  /** Series ids from `from` on, ascending, read a chunk at a time (an open iterator would block the other statements). */
  private *idsFrom(from: number): Generator<number> {
    for (let ids = this.idsChunk.all(from, ID_CHUNK); ids.length > 0; ids = this.idsChunk.all(ids[ids.length - 1] + 1, ID_CHUNK)) yield* ids;
  }
}
