import type Database from 'better-sqlite3';
import { HISTORICAL_FLAG, QUALITY_MASK, type PointColumns } from './columns.ts';
import { MINUTE, minuteMarkOf, recentSplit, type RecentMarks, type RollupProgress } from './plan.ts';
import { UPSERT_TAIL } from './recent.ts';
import type { ResolvedIds } from './series.ts';

// The hot path: one IMMEDIATE transaction per batch, one prepared upsert per point, nothing
// else per point unless it lands below its series' minute mark (then its minute is marked stale).
// Points from their series' recent split on go to points_recent, older ones straight to points
// (README: why). Latest values are not kept in a table: latest() reads each series' last row
// through the primary keys, which keeps this path at one B-tree write per point.

export interface WriteMarks extends RecentMarks, RollupProgress {
  /** The newest point ever written, ms UTC. */
  newest: number;
}

export interface Written {
  marks: WriteMarks;
  /** How many of the batch's points went to points_recent. */
  toRecent: number;
}

type Upsert = Database.Statement<[number, number, number, number, number]>;

const upsertInto = (db: Database.Database, table: 'points' | 'points_recent'): Upsert =>
  db.prepare(`INSERT INTO ${table} (series_id, ts, value, quality, historical) VALUES (?, ?, ?, ?, ?) ${UPSERT_TAIL}`);

export class PointWriter {
  private readonly upsertOld: Upsert;
  private readonly upsertRecent: Upsert;
  private readonly markStale: Database.Statement<[number, number]>;
  private readonly readMarks: Database.Statement<[], WriteMarks>;
  private readonly saveNewest: Database.Statement<[number, number]>;
  private readonly inTransaction: (batch: PointColumns, resolveIds: () => ResolvedIds) => Written & { commitIds(): void };

  constructor(db: Database.Database) {
    this.upsertOld = upsertInto(db, 'points');
    this.upsertRecent = upsertInto(db, 'points_recent');
    this.markStale = db.prepare('INSERT OR IGNORE INTO rollup_dirty (series_id, bucket) VALUES (?, ?)');
    // Read inside the transaction: another process's rollup() may have moved the marks.
    this.readMarks = db.prepare(
      `SELECT newest_ts AS newest, recent_mark AS recent, drain_mark AS drainMark, drain_cursor AS drainCursor, minute_mark AS minute, hour_mark AS hour,
        rollup_target AS rollupTarget, rollup_cursor AS rollupCursor FROM rollup_state WHERE id = 1`,
    );
    this.saveNewest = db.prepare('UPDATE rollup_state SET newest_ts = ? WHERE id = 1 AND newest_ts < ?');
    this.inTransaction = db.transaction((batch: PointColumns, resolveIds: () => ResolvedIds) => this.insert(batch, resolveIds)).immediate;
  }

  /**
   * Writes a checked batch atomically (all or nothing). `resolveIds` gives the series id of each
   * key number; it runs inside the transaction, so it may create series.
   */
  write(batch: PointColumns, resolveIds: () => ResolvedIds): Written {
    const { marks, toRecent, commitIds } = this.inTransaction(batch, resolveIds);
    commitIds();
    return { marks, toRecent };
  }

  private insert(batch: PointColumns, resolveIds: () => ResolvedIds): Written & { commitIds(): void } {
    const before = this.readMarks.get();
    if (!before) throw new Error('rollup_state has no row: the store schema is damaged');
    const { ids, commit } = resolveIds();
    const { key, ts, value, flags } = batch;
    let newest = before.newest;
    let toRecent = 0;
    const stale = new Set<string>();
    for (let i = 0; i < batch.length; i++) {
      const id = ids[key[i]];
      const t = ts[i];
      const recent = t >= recentSplit(before, id);
      (recent ? this.upsertRecent : this.upsertOld).run(id, t, value[i], flags[i] & QUALITY_MASK, flags[i] & HISTORICAL_FLAG ? 1 : 0);
      if (recent) toRecent++;
      if (t > newest) newest = t;
      if (t < minuteMarkOf(before, id)) {
        const bucket = t - (t % MINUTE);
        const staleKey = `${id}:${bucket}`;
        if (!stale.has(staleKey)) {
          stale.add(staleKey);
          this.markStale.run(id, bucket);
        }
      }
    }
    if (newest > before.newest) this.saveNewest.run(newest, newest);
    return { marks: { ...before, newest }, toRecent, commitIds: commit };
  }
}
