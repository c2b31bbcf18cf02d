import type { StoredPoint } from '../../model/store.ts';
import { QUALITY_CODE, numericValue } from '../rules.ts';

// A batch of points in columns: what the write path reads, and what crosses from the
// historian's thread to the writer thread. Typed arrays are transferred, not copied; structured
// cloning 5,000 point objects cost each thread about as much as inserting them (README).

export interface PointColumns {
  length: number;
  /** Each point's series, as a number the receiving side maps to a series id (SeriesIndex). */
  key: Uint32Array;
  ts: Float64Array;
  /** Booleans as 0/1. */
  value: Float64Array;
  /** The stored quality code (0 good, 1 uncertain, 2 bad), plus HISTORICAL_FLAG. */
  flags: Uint8Array;
}

export const HISTORICAL_FLAG = 4;
export const QUALITY_MASK = 3;

/** Columns of a checked batch (rules.ts checkBatch); `keyOf` numbers each point's series. */
export function toColumns(points: readonly StoredPoint[], keyOf: (point: StoredPoint, index: number) => number): PointColumns {
  const n = points.length;
  const batch: PointColumns = { length: n, key: new Uint32Array(n), ts: new Float64Array(n), value: new Float64Array(n), flags: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const p = points[i];
    batch.key[i] = keyOf(p, i);
    batch.ts[i] = p.ts;
    batch.value[i] = numericValue(p.value);
    batch.flags[i] = QUALITY_CODE[p.quality] | (p.historical ? HISTORICAL_FLAG : 0);
  }
  return batch;
}

/** The buffers to transfer with a batch. */
export const buffersOf = (batch: PointColumns): ArrayBuffer[] => [batch.key.buffer, batch.ts.buffer, batch.value.buffer, batch.flags.buffer] as ArrayBuffer[];
