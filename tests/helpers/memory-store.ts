import type { LatestFilter, RangePoint, RangeQuery, SeriesKey, SeriesRange, StoredPoint, SubstationStatus, TimeSeriesStore } from '../../model/store.ts';

// A TimeSeriesStore in memory for tests that exercise its callers (the historian), not a store.
// Points are copied on write, as a real store would persist them.

const keyOf = (s: SeriesKey): string => `${s.substation}\u0000${s.tag}`;

export class MemoryStore implements TimeSeriesStore {
  /** Every written point, in write order. */
  readonly points: StoredPoint[] = [];
  /** Every write() call's size, in order. */
  readonly batches: number[] = [];
  private readonly status = new Map<string, SubstationStatus>();
  private closed = false;

  async write(points: readonly StoredPoint[]): Promise<void> {
    if (this.closed) throw new Error('store closed');
    for (const p of points) this.points.push({ ...p });
    this.batches.push(points.length);
  }

  async latest(filter: LatestFilter = {}): Promise<StoredPoint[]> {
    const last = new Map<string, StoredPoint>();
    for (const p of this.points) {
      if (filter.substations && !filter.substations.includes(p.substation)) continue;
      if (filter.tags && !filter.tags.includes(p.tag)) continue;
      const prev = last.get(keyOf(p));
      if (!prev || prev.ts <= p.ts) last.set(keyOf(p), p);
    }
    return [...last.values()];
  }

  /** Raw points only: aggregation belongs to the real stores and their contract suite. */
  async range(query: RangeQuery): Promise<SeriesRange[]> {
    if (query.stepMs !== undefined) throw new Error('MemoryStore.range: buckets are not supported');
    return query.series.map((series) => {
      const raw = this.points
        .filter((p) => keyOf(p) === keyOf(series) && p.ts >= query.from && p.ts < query.to)
        .sort((a, b) => a.ts - b.ts)
        .map((p): RangePoint => ({ ts: p.ts, value: Number(p.value), quality: p.quality }));
      return { ...series, points: raw };
    });
  }

  async count(series: SeriesKey, from: number, to: number): Promise<number> {
    return this.points.filter((p) => keyOf(p) === keyOf(series) && p.ts >= from && p.ts < to).length;
  }

  async setStatus(status: SubstationStatus): Promise<void> {
    this.status.set(status.substation, { ...status });
  }

  async statuses(): Promise<SubstationStatus[]> {
    return [...this.status.values()];
  }

  async applyRetention(olderThanMs: number): Promise<number> {
    const keep = this.points.filter((p) => p.ts >= olderThanMs);
    const dropped = this.points.length - keep.length;
    this.points.splice(0, this.points.length, ...keep);
    return dropped;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
