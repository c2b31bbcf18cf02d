import type { StoredPoint } from '../model/store.ts';

/** Latency from publish (the point's stamp) to committed row: a 1 ms histogram filled when each batch commits. */
export class LatencyHistogram {
  private readonly bins = new Uint32Array(60_000);
  private n = 0;
  record(now: number, batch: readonly StoredPoint[]): void {
    for (const p of batch) this.bins[Math.min(this.bins.length - 1, Math.max(0, now - p.ts))]++;
    this.n += batch.length;
  }
  quantile(q: number): number {
    let seen = 0;
    for (let ms = 0; ms < this.bins.length; ms++) {
      seen += this.bins[ms];
      if (seen >= q * this.n) return ms;
    }
    return this.bins.length;
  }
}
