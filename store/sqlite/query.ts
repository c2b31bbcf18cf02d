import type Database from 'better-sqlite3';
import type { Aggregate, LatestFilter, RangePoint, RangeQuery, SeriesKey, SeriesRange, StoredPoint } from '../../model/store.ts';
import { latestValue, qualityOf } from '../rules.ts';
import { ONE_SPAN, partialsSql, type PartialRow } from './aggregate.ts';
import { planSegments, rawSegments, recentSplit, rollupMarksOf, tiersFor, type RawSource, type RecentMarks, type RollupProgress, type Segment, type Source } from './plan.ts';
import type { SeriesIds } from './series.ts';

// Reads: latest values, raw and bucketed ranges, counts. Bucketed ranges are planned per
// series (plan.ts) so long steps read hourly or minute rollups and only the edges read raw.

interface LatestRow {
  substation: string;
  tag: string;
  ts: number;
  value: number;
  quality: number;
  historical: number;
}

type SpanParams = { id: number; lo: number; hi: number };
type PartialParams = SpanParams & { width: number };

/**
 * Each series' newest row, found through the primary keys (see write.ts for why there is no
 * latest table). A series' rows in points_recent are all newer than its rows in points
 * (recentSplit in plan.ts).
 */
function latestSql(filter: LatestFilter): string {
  const where = [
    filter.substations ? 's.substation IN (SELECT value FROM json_each($substations))' : '',
    filter.tags ? 's.tag IN (SELECT value FROM json_each($tags))' : '',
  ].filter(Boolean);
  return `WITH l AS MATERIALIZED (
    SELECT s.id, s.substation, s.tag,
      coalesce((SELECT max(ts) FROM points_recent WHERE series_id = s.id), (SELECT max(ts) FROM points WHERE series_id = s.id)) AS ts
    FROM series s ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
  )
  SELECT l.substation, l.tag, l.ts, coalesce(r.value, p.value) AS value, coalesce(r.quality, p.quality) AS quality,
    coalesce(r.historical, p.historical) AS historical
  FROM l
  LEFT JOIN points_recent r ON r.series_id = l.id AND r.ts = l.ts
  LEFT JOIN points p ON p.series_id = l.id AND p.ts = l.ts
  WHERE l.ts IS NOT NULL
  ORDER BY l.substation, l.tag`;
}

interface Marks extends RollupProgress, RecentMarks {}

/** Combines partials of one bucket read from two segments that split it. */
function merge(into: PartialRow, add: PartialRow): void {
  into.sum += add.sum;
  into.min = Math.min(into.min, add.min);
  into.max = Math.max(into.max, add.max);
  into.count += add.count;
  into.quality = Math.max(into.quality, add.quality);
  if (add.last_ts > into.last_ts) {
    into.last_ts = add.last_ts;
    into.last = add.last;
  }
}

const VALUE_OF: Record<Aggregate, (p: PartialRow) => number> = {
  avg: (p) => p.sum / p.count,
  min: (p) => p.min,
  max: (p) => p.max,
  last: (p) => p.last,
};

export class Queries {
  private readonly latestByShape = new Map<string, Database.Statement<[Record<string, string>], LatestRow>>();
  private readonly raw: Record<RawSource, Database.Statement<[number, number, number], [number, number, number]>>;
  private readonly partials: Record<Source, Database.Statement<[PartialParams], PartialRow>>;
  private readonly counts: Record<RawSource, Database.Statement<[number, number, number], number>>;
  private readonly readMarks: Database.Statement<[], Marks>;
  private readonly staleMinutes: Database.Statement<[number], number>;

  constructor(
    private readonly db: Database.Database,
    private readonly series: SeriesIds,
    private readonly useRollups: boolean,
  ) {
    const raw = (table: RawSource) =>
      db.prepare<[number, number, number], [number, number, number]>(`SELECT ts, value, quality FROM ${table} WHERE series_id = ? AND ts >= ? AND ts < ? ORDER BY ts`).raw();
    this.raw = { points: raw('points'), points_recent: raw('points_recent') };
    const partials = (source: Source) => db.prepare<[PartialParams], PartialRow>(`${partialsSql(source, ONE_SPAN)} ORDER BY g.bucket`);
    this.partials = { points: partials('points'), points_recent: partials('points_recent'), rollup_1m: partials('rollup_1m'), rollup_1h: partials('rollup_1h') };
    const count = (table: RawSource) => db.prepare<[number, number, number], number>(`SELECT count(*) FROM ${table} WHERE series_id = ? AND ts >= ? AND ts < ?`).pluck();
    this.counts = { points: count('points'), points_recent: count('points_recent') };
    this.readMarks = db.prepare(
      `SELECT recent_mark AS recent, drain_mark AS drainMark, drain_cursor AS drainCursor, minute_mark AS minute, hour_mark AS hour,
        rollup_target AS rollupTarget, rollup_cursor AS rollupCursor FROM rollup_state WHERE id = 1`,
    );
    this.staleMinutes = db.prepare<[number], number>('SELECT bucket FROM rollup_dirty WHERE series_id = ? ORDER BY bucket').pluck();
  }

  latest(filter: LatestFilter): StoredPoint[] {
    const shape = `${filter.substations ? 's' : ''}${filter.tags ? 't' : ''}`;
    let stmt = this.latestByShape.get(shape);
    if (!stmt) {
      stmt = this.db.prepare<[Record<string, string>], LatestRow>(latestSql(filter));
      this.latestByShape.set(shape, stmt);
    }
    const params: Record<string, string> = {};
    if (filter.substations) params.substations = JSON.stringify(filter.substations);
    if (filter.tags) params.tags = JSON.stringify(filter.tags);
    return stmt.all(params).map((r) => ({
      substation: r.substation,
      tag: r.tag,
      ts: r.ts,
      value: latestValue(r.tag, r.value),
      quality: qualityOf(r.quality),
      historical: r.historical === 1,
    }));
  }

  count(key: SeriesKey, from: number, to: number): number {
    return this.db
      .transaction(() => {
        const id = this.series.find(key.substation, key.tag);
        if (id === undefined) return 0;
        return rawSegments(from, to, recentSplit(this.marks(), id)).reduce((n, seg) => n + (this.counts[seg.source].get(id, seg.from, seg.to) ?? 0), 0);
      })
      .deferred();
  }

  range(q: RangeQuery): SeriesRange[] {
    // One read transaction: every series sees the same rollup marks and points.
    return this.db.transaction(() =>
      q.series.map((key): SeriesRange => {
        const id = this.series.find(key.substation, key.tag);
        const points = id === undefined ? [] : q.stepMs === undefined ? this.rawRange(id, q.from, q.to) : this.buckets(id, q.from, q.to, q.stepMs, q.agg ?? 'avg');
        return { substation: key.substation, tag: key.tag, points };
      }),
    ).deferred();
  }

  /** The segments a bucketed range of one series reads (exposed for tests and diagnostics). */
  plan(id: number, from: number, to: number, stepMs: number): Segment[] {
    const marks = this.marks();
    const tiers = this.useRollups ? tiersFor(stepMs, rollupMarksOf(marks, id), this.staleMinutes.all(id)) : [];
    return planSegments(from, to, tiers, recentSplit(marks, id));
  }

  private marks(): Marks {
    const marks = this.readMarks.get();
    if (!marks) throw new Error('rollup_state has no row: the store schema is damaged');
    return marks;
  }

  private rawRange(id: number, from: number, to: number): RangePoint[] {
    return rawSegments(from, to, recentSplit(this.marks(), id)).flatMap((seg) =>
      this.raw[seg.source].all(id, seg.from, seg.to).map(([ts, value, quality]) => ({ ts, value, quality: qualityOf(quality) })),
    );
  }

  private buckets(id: number, from: number, to: number, stepMs: number, agg: Aggregate): RangePoint[] {
    const rows: PartialRow[] = [];
    for (const seg of this.plan(id, from, to, stepMs)) {
      for (const row of this.partials[seg.source].all({ id, lo: seg.from, hi: seg.to, width: stepMs })) {
        const prev = rows[rows.length - 1];
        // Segments come in time order, so a bucket split between two of them is adjacent.
        if (prev?.bucket === row.bucket) merge(prev, row);
        else rows.push(row);
      }
    }
    return rows.map((p) => ({ ts: p.bucket, value: VALUE_OF[agg](p), quality: qualityOf(p.quality) }));
  }
}
