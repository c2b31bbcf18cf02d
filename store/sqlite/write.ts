import type Database from 'better-sqlite3';
import type { StoredPoint } from '../../model/store.ts';
import { QUALITY_CODE, checkBatch, numericValue } from '../rules.ts';
import { MINUTE } from './plan.ts';
import type { SeriesIds } from './series.ts';

// The hot path: one IMMEDIATE transaction per batch, one prepared upsert per point, nothing
// else per point unless it lands below the minute mark (then its minute is marked stale).
// Points at or after the recent mark go to points_recent, older ones straight to points
// (README: why). Latest values are not kept in a table: latest() reads each series' last row
// through the primary keys, which keeps this path at one B-tree write per point.

export interface WriteMarks {
  /** The newest point ever written, ms UTC. */
  newest: number;
  /** Points from this time on live in points_recent. */
  recent: number;
  /** Minute rollups are complete below this. */
  minute: number;
}

export interface Written {
  marks: WriteMarks;
  /** How many of the batch's points went to points_recent. */
  toRecent: number;
}

type Upsert = Database.Statement<[number, number, number, number, number]>;

/** A rewrite of (series, ts) replaces the point: historian retries and replays are idempotent. */
const upsertInto = (db: Database.Database, table: 'points' | 'points_recent'): Upsert =>
  db.prepare(
    `INSERT INTO ${table} (series_id, ts, value, quality, historical) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value, quality = excluded.quality, historical = excluded.historical`,
  );

export class PointWriter {
  private readonly upsertOld: Upsert;
  private readonly upsertRecent: Upsert;
  private readonly markStale: Database.Statement<[number, number]>;
  private readonly readMarks: Database.Statement<[], WriteMarks>;
  private readonly saveNewest: Database.Statement<[number, number]>;
  private readonly inTransaction: (points: readonly StoredPoint[]) => Written & { commitIds(): void };

  constructor(
    db: Database.Database,
    private readonly series: SeriesIds,
  ) {
    this.upsertOld = upsertInto(db, 'points');
    this.upsertRecent = upsertInto(db, 'points_recent');
    this.markStale = db.prepare('INSERT OR IGNORE INTO rollup_dirty (series_id, bucket) VALUES (?, ?)');
    // Read inside the transaction: another process's rollup() may have moved the mark.
    this.readMarks = db.prepare('SELECT newest_ts AS newest, recent_mark AS recent, minute_mark AS minute FROM rollup_state WHERE id = 1');
    this.saveNewest = db.prepare('UPDATE rollup_state SET newest_ts = ? WHERE id = 1 AND newest_ts < ?');
    this.inTransaction = db.transaction((points: readonly StoredPoint[]) => this.insert(points)).immediate;
  }

  /** Writes a batch atomically (all or nothing). */
  write(points: readonly StoredPoint[]): Written {
    checkBatch(points);
    const { marks, toRecent, commitIds } = this.inTransaction(points);
    commitIds();
    return { marks, toRecent };
  }

  private insert(points: readonly StoredPoint[]): Written & { commitIds(): void } {
    const before = this.readMarks.get();
    if (!before) throw new Error('rollup_state has no row: the store schema is damaged');
    const { ids, commit } = this.series.resolve(points);
    let newest = before.newest;
    let toRecent = 0;
    const stale = new Set<string>();
    for (let i = 0; i < points.length; i++) {
      const p = points[i];
      const recent = p.ts >= before.recent;
      (recent ? this.upsertRecent : this.upsertOld).run(ids[i], p.ts, numericValue(p.value), QUALITY_CODE[p.quality], p.historical ? 1 : 0);
      if (recent) toRecent++;
      if (p.ts > newest) newest = p.ts;
      if (p.ts < before.minute) {
        const bucket = p.ts - (p.ts % MINUTE);
        const key = `${ids[i]}:${bucket}`;
        if (!stale.has(key)) {
          stale.add(key);
          this.markStale.run(ids[i], bucket);
        }
      }
    }
    if (newest > before.newest) this.saveNewest.run(newest, newest);
    return { marks: { ...before, newest }, toRecent, commitIds: commit };
  }
}
