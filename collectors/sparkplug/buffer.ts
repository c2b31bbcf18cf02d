import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Point, Quality } from '../../model/point.ts';
import type { TagName } from '../../model/tags.ts';

// Store and forward: points the edge node could not publish wait here, on disk, in the order
// they were produced, until the link returns. Bounded by a point count: when full the oldest go,
// counted and logged, so a week-long outage costs the oldest data rather than the disk.

export interface BufferedPoint {
  id: number;
  point: Point;
}

interface Row {
  id: number;
  substation: string;
  tag: string;
  ts: number;
  value: number;
  is_bool: number;
  quality: number;
}

const QUALITIES: readonly Quality[] = ['good', 'uncertain', 'bad'];
const QUALITY_INDEX: Record<Quality, number> = { good: 0, uncertain: 1, bad: 2 };
/** While points are being dropped, one warning per this interval, with the counts. */
const DROP_WARNING_EVERY_MS = 10_000;

export class PointBuffer {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, number, number, number, number]>;
  private readonly selectOldest: Database.Statement<[string, number], Row>;
  private readonly deleteThrough: Database.Statement<[string, number]>;
  private readonly dropOldest: Database.Statement<[number]>;
  private readonly appendMany: (points: readonly Point[], excess: number) => void;
  private count: number;
  private droppedTotal = 0;
  private droppedUnlogged = 0;
  private lastWarningMs = 0;

  constructor(
    readonly file: string,
    private readonly maxPoints: number,
    private readonly log: Logger,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a crash of the process; only a power cut may cost the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS points (
        id INTEGER PRIMARY KEY,
        substation TEXT NOT NULL,
        tag TEXT NOT NULL,
        ts INTEGER NOT NULL,
        value REAL NOT NULL,
        is_bool INTEGER NOT NULL,
        quality INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS points_by_substation ON points (substation, id);
    `);
    this.insert = this.db.prepare('INSERT INTO points (substation, tag, ts, value, is_bool, quality) VALUES (?, ?, ?, ?, ?, ?)');
    this.selectOldest = this.db.prepare<[string, number], Row>('SELECT * FROM points WHERE substation = ? ORDER BY id LIMIT ?');
    this.deleteThrough = this.db.prepare('DELETE FROM points WHERE substation = ? AND id <= ?');
    this.dropOldest = this.db.prepare('DELETE FROM points WHERE id IN (SELECT id FROM points ORDER BY id LIMIT ?)');
    this.appendMany = this.db.transaction((points: readonly Point[], excess: number) => {
      for (const p of points) {
        const isBool = typeof p.value === 'boolean';
        this.insert.run(p.substation, p.tag, p.ts, Number(p.value), isBool ? 1 : 0, QUALITY_INDEX[p.quality]);
      }
      if (excess > 0) this.dropOldest.run(excess);
    });
    this.count = (this.db.prepare('SELECT COUNT(*) AS n FROM points').get() as { n: number }).n;
  }

  /** Points waiting to be replayed. */
  get size(): number {
    return this.count;
  }

  /** Points dropped because the buffer was full, since this buffer was opened. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Appends points after every point already buffered; drops the oldest beyond the bound. */
  append(points: readonly Point[]): void {
    if (points.length === 0) return;
    const excess = Math.max(0, this.count + points.length - this.maxPoints);
    this.appendMany(points, excess);
    this.count += points.length - excess;
    if (excess > 0) this.noteDropped(excess);
  }

  /** The oldest buffered points of one substation, in the order they were produced. */
  oldest(substation: string, limit: number): BufferedPoint[] {
    return this.selectOldest.all(substation, limit).map((row) => ({
      id: row.id,
      point: {
        substation: row.substation,
        tag: row.tag as TagName,
        ts: row.ts,
        value: row.is_bool === 1 ? row.value !== 0 : row.value,
        quality: QUALITIES[row.quality],
      },
    }));
  }

  /** Deletes a substation's points up to and including `id`: once their publication was acknowledged. */
  removeThrough(substation: string, id: number): void {
    this.count -= this.deleteThrough.run(substation, id).changes;
  }

  /** Substations with buffered points. */
  substations(): string[] {
    return (this.db.prepare('SELECT DISTINCT substation FROM points').all() as { substation: string }[]).map((r) => r.substation);
  }

  /** Drops the points of substations no longer served (a device removed from the configuration). */
  retainOnly(substations: readonly string[]): void {
    const keep = new Set(substations);
    for (const gone of this.substations().filter((s) => !keep.has(s))) {
      const n = this.db.prepare('DELETE FROM points WHERE substation = ?').run(gone).changes;
      this.count -= n;
      this.droppedTotal += n;
      this.log.warn({ event: 'buffer_dropped_unserved', substation: gone, dropped: n }, 'buffered points of a device no longer configured dropped');
    }
  }

  close(): void {
    this.flushDropWarning();
    this.db.close();
  }

  private noteDropped(n: number): void {
    this.droppedTotal += n;
    this.droppedUnlogged += n;
    if (Date.now() - this.lastWarningMs >= DROP_WARNING_EVERY_MS) this.flushDropWarning();
  }

  private flushDropWarning(): void {
    if (this.droppedUnlogged === 0) return;
    this.log.warn(
      { event: 'buffer_full', dropped: this.droppedUnlogged, dropped_total: this.droppedTotal, max_points: this.maxPoints, file: this.file },
      'store-and-forward buffer full: oldest points dropped',
    );
    this.droppedUnlogged = 0;
    this.lastWarningMs = Date.now();
  }
}
