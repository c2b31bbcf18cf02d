import type Database from 'better-sqlite3';
import type { StoredPoint } from '../../model/store.ts';
import { QUALITY_CODE, checkBatch, numericValue } from '../rules.ts';
import { MINUTE } from './plan.ts';
import type { SeriesIds } from './series.ts';

// The hot path: one IMMEDIATE transaction per batch, one prepared upsert per point, nothing
// else per point unless it lands below the minute mark (then its minute is marked stale).
// Latest values are not kept in a table: latest() reads each series' last row through the
// primary key, which keeps this path at one B-tree write per point.

export interface WriteMarks {
  /** The newest point ever written, ms UTC. */
  newest: number;
  /** Minute rollups are complete below this. */
  minute: number;
}

interface Written {
  marks: WriteMarks;
  commitIds(): void;
}

export class PointWriter {
  private readonly upsert: Database.Statement<[number, number, number, number, number]>;
  private readonly markStale: Database.Statement<[number, number]>;
  private readonly readMarks: Database.Statement<[], WriteMarks>;
  private readonly saveNewest: Database.Statement<[number, number]>;
  private readonly inTransaction: (points: readonly StoredPoint[]) => Written;

  constructor(
    db: Database.Database,
    private readonly series: SeriesIds,
  ) {
    // A rewrite of (series, ts) replaces the point: historian retries and replays are idempotent.
    this.upsert = db.prepare(
      `INSERT INTO points (series_id, ts, value, quality, historical) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value, quality = excluded.quality, historical = excluded.historical`,
    );
    this.markStale = db.prepare('INSERT OR IGNORE INTO rollup_dirty (series_id, bucket) VALUES (?, ?)');
    // Read inside the transaction: another process's rollup() may have moved the mark.
    this.readMarks = db.prepare('SELECT newest_ts AS newest, minute_mark AS minute FROM rollup_state WHERE id = 1');
    this.saveNewest = db.prepare('UPDATE rollup_state SET newest_ts = ? WHERE id = 1 AND newest_ts < ?');
    this.inTransaction = db.transaction((points: readonly StoredPoint[]) => this.insert(points)).immediate;
  }

  /** Writes a batch atomically (all or nothing); returns the marks as they stand after it. */
  write(points: readonly StoredPoint[]): WriteMarks {
    checkBatch(points);
    const written = this.inTransaction(points);
    written.commitIds();
    return written.marks;
  }

  private insert(points: readonly StoredPoint[]): Written {
    const before = this.readMarks.get();
    if (!before) throw new Error('rollup_state has no row: the store schema is damaged');
    const { ids, commit } = this.series.resolve(points);
    let newest = before.newest;
    const stale = new Set<string>();
    for (let i = 0; i < points.length; i++) {
      const p = points[i];
      this.upsert.run(ids[i], p.ts, numericValue(p.value), QUALITY_CODE[p.quality], p.historical ? 1 : 0);
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
    return { marks: { newest, minute: before.minute }, commitIds: commit };
  }
}
