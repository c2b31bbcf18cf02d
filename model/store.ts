import type { Point, Quality } from './point.ts';

// The TimeSeriesStore seam: the historian writes, control, alarms and the API read. One
// contract test suite runs against every implementation (store/contract.ts).

/** One series: a tag of a substation. Tags are catalogue names; other producers may add their own. */
export interface SeriesKey {
  substation: string;
  tag: string;
}

/** A point as stored: `historical` marks points replayed from an edge buffer after an outage. */
export interface StoredPoint extends Omit<Point, 'tag'> {
  tag: string;
  historical?: boolean;
}

export type Aggregate = 'avg' | 'min' | 'max' | 'last';

export interface RangeQuery {
  series: SeriesKey[];
  /** Inclusive start and exclusive end, ms UTC. */
  from: number;
  to: number;
  /** Bucket width in ms; absent: raw points. */
  stepMs?: number;
  agg?: Aggregate;
}

export interface RangePoint {
  /** Bucket start (or the point's time for raw ranges), ms UTC. */
  ts: number;
  value: number;
  quality: Quality;
}

export interface SeriesRange extends SeriesKey {
  points: RangePoint[];
}

export interface LatestFilter {
  substations?: string[];
  tags?: string[];
}

/** A substation's link state as the historian last learned it (Sparkplug BIRTH/DEATH). */
export interface SubstationStatus {
  substation: string;
  online: boolean;
  ts: number;
}

export interface TimeSeriesStore {
  /** Writes a batch atomically: all of it or none of it. */
  write(points: readonly StoredPoint[]): Promise<void>;
  latest(filter?: LatestFilter): Promise<StoredPoint[]>;
  range(query: RangeQuery): Promise<SeriesRange[]>;
  /** How many points a series holds in [from, to): for checks that nothing was lost. */
  count(series: SeriesKey, from: number, to: number): Promise<number>;
  setStatus(status: SubstationStatus): Promise<void>;
  /**
   * Several status changes as one write, each kept as setStatus would keep it; nothing is
   * written when one is bad. Offered by a store whose cost is per request (ClickHouse: one
   * INSERT, one part, instead of one per substation at a burst of births).
   */
  setStatuses?(statuses: readonly SubstationStatus[]): Promise<void>;
  statuses(): Promise<SubstationStatus[]>;
  /** Drops raw points older than the cut-off (rollups are kept). Returns how many went. */
  applyRetention(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}
