import type Database from 'better-sqlite3';
import type { RecentMarks } from './plan.ts';

// Moving points_recent into points. At 200,000 series a move carries about 4 M rows, and done
// at once it stalled the writer for 1–3 s; so after each batch the store moves one slice of
// series instead (a drain): starting a drain fixes drain_mark (the newest point + 1), and each
// slice moves the points below it of the next few series ids, in key order, then deletes them
// from points_recent and moves drain_cursor on, in one transaction. Until the cursor has passed
// every series, recentSplit() (plan.ts) tells per series where its points live; rollups and
// retention read and drop through it too (rollup.ts), so nothing ever moves all at once.

/** A rewrite of (series, ts) replaces the point: historian retries and replays are idempotent. */
export const UPSERT_TAIL = 'ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value, quality = excluded.quality, historical = excluded.historical';

const COLUMNS = 'series_id, ts, value, quality, historical';

interface DrainState extends RecentMarks {
  newest: number;
}

type Slice = { lo: number; hi: number; mark: number };

export class RecentPoints {
  private readonly readState: Database.Statement<[], DrainState>;
  private readonly start: Database.Statement<[]>;
  private readonly moveSlice: Database.Statement<[Slice]>;
  private readonly deleteSlice: Database.Statement<[Slice]>;
  private readonly lastSeriesId: Database.Statement<[], number>;
  private readonly saveCursor: Database.Statement<[number]>;
  private readonly finish: Database.Statement<[]>;
  private readonly drainSliceTx: (seriesPerSlice: number, start: boolean) => boolean;

  constructor(db: Database.Database) {
    this.readState = db.prepare('SELECT newest_ts AS newest, recent_mark AS recent, drain_mark AS drainMark, drain_cursor AS drainCursor FROM rollup_state WHERE id = 1');
    this.start = db.prepare('UPDATE rollup_state SET drain_mark = newest_ts + 1, drain_cursor = 0 WHERE id = 1');
    const slice = 'FROM points_recent WHERE series_id >= $lo AND series_id < $hi AND ts < $mark';
    // In key order, so each series' last page in points is written once per move.
    this.moveSlice = db.prepare(`INSERT INTO points (${COLUMNS}) SELECT ${COLUMNS} ${slice} ORDER BY series_id, ts ${UPSERT_TAIL}`);
    this.deleteSlice = db.prepare(`DELETE ${slice}`);
    this.lastSeriesId = db.prepare<[], number>('SELECT coalesce(max(id), 0) FROM series').pluck();
    this.saveCursor = db.prepare('UPDATE rollup_state SET drain_cursor = ? WHERE id = 1');
    this.finish = db.prepare('UPDATE rollup_state SET recent_mark = drain_mark, drain_cursor = 0 WHERE id = 1');
    this.drainSliceTx = db.transaction((seriesPerSlice: number, start: boolean) => this.slice(seriesPerSlice, start)).immediate;
  }

  /**
   * Moves the next `seriesPerSlice` series of the drain under way, starting one first if
   * `start` and none is. Returns whether a drain is still under way afterwards.
   */
  drainSlice(seriesPerSlice: number, start: boolean): boolean {
    return this.drainSliceTx(seriesPerSlice, start);
  }

  private state(): DrainState {
    const s = this.readState.get();
    if (!s) throw new Error('rollup_state has no row: the store schema is damaged');
    return s;
  }

  private slice(seriesPerSlice: number, start: boolean): boolean {
    let s = this.state();
    const underWay = (m: DrainState): boolean => m.drainMark > m.recent;
    if (!underWay(s)) {
      // Nothing newer than the mark: nothing to move.
      if (!start || s.newest + 1 <= s.recent) return false;
      this.start.run();
      s = this.state();
    }
    const lo = s.drainCursor;
    const hi = lo + seriesPerSlice;
    this.moveSlice.run({ lo, hi, mark: s.drainMark });
    this.deleteSlice.run({ lo, hi, mark: s.drainMark });
    // Checked inside the transaction: a series another process creates now has an id above hi.
    if (hi > this.lastSeriesId.get()!) {
      this.finish.run();
      return false;
    }
    this.saveCursor.run(hi);
    return true;
  }
}
