import type Database from 'better-sqlite3';
import { PARTIAL_COLUMNS, partialsSql } from './aggregate.ts';
import { HOUR, MINUTE } from './plan.ts';
import type { RecentPoints } from './recent.ts';

// Rollups and retention. Minute rollups are made from raw points, hourly ones from minute
// rollups. Below the minute mark every minute is rolled up except the stale ones that late
// points touched (rollup_dirty); rollup() recomputes those and moves the marks on. Both start by
// emptying points_recent (recent.ts), so they only ever read points.
// Retention rolls up what it is about to drop first, so rollups outlive raw points.

export interface RollupMarks {
  /** Minute rollups are complete below this, ms UTC. */
  minute: number;
  /** Hourly rollups are complete below this, ms UTC. */
  hour: number;
}

export interface RollupState extends RollupMarks {
  /** The newest point ever written, ms UTC. */
  newest: number;
}

const ALL_SERIES = 'SELECT id AS series_id, $lo AS lo, $hi AS hi FROM series';
const DIRTY_MINUTES = `SELECT series_id, bucket AS lo, bucket + ${MINUTE} AS hi FROM rollup_dirty`;
/** Hours below the old hour mark holding a stale minute; hours above it are made fresh anyway. */
const DIRTY_HOURS = `SELECT DISTINCT series_id, bucket - bucket % ${HOUR} AS lo, bucket - bucket % ${HOUR} + ${HOUR} AS hi
  FROM rollup_dirty WHERE bucket < $hourMark`;

const floorTo = (t: number, w: number): number => t - (t % w);

export class Rollups {
  private readonly readState: Database.Statement<[], RollupState>;
  private readonly minutesFromRaw: Database.Statement<[{ width: number; lo: number; hi: number }]>;
  private readonly dirtyMinutes: Database.Statement<[{ width: number }]>;
  private readonly hoursFromMinutes: Database.Statement<[{ width: number; lo: number; hi: number }]>;
  private readonly dirtyHours: Database.Statement<[{ width: number; hourMark: number }]>;
  private readonly clearDirty: Database.Statement<[]>;
  private readonly saveMarks: Database.Statement<[number, number]>;
  private readonly seriesIds: Database.Statement<[], number>;
  private readonly dropRaw: Database.Statement<[number, number]>;

  constructor(
    private readonly db: Database.Database,
    private readonly recent: RecentPoints,
  ) {
    this.readState = db.prepare('SELECT newest_ts AS newest, minute_mark AS minute, hour_mark AS hour FROM rollup_state WHERE id = 1');
    const into = (table: string, sql: string): string => `INSERT OR REPLACE INTO ${table} (${PARTIAL_COLUMNS}) ${sql}`;
    this.minutesFromRaw = db.prepare(into('rollup_1m', partialsSql('points', ALL_SERIES)));
    this.dirtyMinutes = db.prepare(into('rollup_1m', partialsSql('points', DIRTY_MINUTES)));
    this.hoursFromMinutes = db.prepare(into('rollup_1h', partialsSql('rollup_1m', ALL_SERIES)));
    this.dirtyHours = db.prepare(into('rollup_1h', partialsSql('rollup_1m', DIRTY_HOURS)));
    this.clearDirty = db.prepare('DELETE FROM rollup_dirty');
    this.saveMarks = db.prepare('UPDATE rollup_state SET minute_mark = ?, hour_mark = ? WHERE id = 1');
    this.seriesIds = db.prepare<[], number>('SELECT id FROM series').pluck();
    this.dropRaw = db.prepare('DELETE FROM points WHERE series_id = ? AND ts < ?');
  }

  state(): RollupState {
    const s = this.readState.get();
    if (!s) throw new Error('rollup_state has no row: the store schema is damaged');
    return s;
  }

  /** Rolls up every minute below `upTo` (floored to the minute) and every stale one. */
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
        for (const id of this.seriesIds.all()) dropped += this.dropRaw.run(id, cut).changes;
        return dropped;
      })
      .immediate();
  }

  private rollUpInTransaction(upTo: number): RollupMarks {
    this.recent.moveAllInTransaction();
    const before = this.state();
    const minute = Math.max(before.minute, floorTo(upTo, MINUTE));
    const hour = Math.max(before.hour, floorTo(minute, HOUR));
    // Stale minutes lie below the old minute mark, new ones above it: the two never overlap.
    this.dirtyMinutes.run({ width: MINUTE });
    if (minute > before.minute) this.minutesFromRaw.run({ width: MINUTE, lo: before.minute, hi: minute });
    this.dirtyHours.run({ width: HOUR, hourMark: before.hour });
    if (hour > before.hour) this.hoursFromMinutes.run({ width: HOUR, lo: before.hour, hi: hour });
    this.clearDirty.run();
    this.saveMarks.run(minute, hour);
    return { minute, hour };
  }
}
