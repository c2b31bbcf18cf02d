import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHeatScadaError, type ErrorCode } from '../model/errors.ts';
import type { Quality } from '../model/point.ts';
import type { Aggregate, RangePoint, SeriesKey, StoredPoint, TimeSeriesStore } from '../model/store.ts';
import { TAGS } from '../model/tags.ts';

// The one contract every TimeSeriesStore implementation passes (store/sqlite, store/influxdb).
// Each test writes under substation names unique to this run, so the suite also runs against a
// shared scratch InfluxDB bucket; only the retention test touches data it did not write (it
// drops every raw point before its cut-off, which lies in the time this suite writes in).
//
// What it pins down beyond the interface's types:
// - range buckets start at multiples of stepMs (epoch-aligned), so the first bucket may start
//   before `from`; only points in [from, to) count. A bucket's quality is its worst point's.
// - agg defaults to avg; agg without stepMs is a bad request.
// - booleans are stored as 0/1: ranges return 0/1, latest() returns booleans for the
//   catalogue's boolean tags (model/tags.ts valueType 'boolean').
// - a rewrite of the same (series, ts) replaces the point and is counted once.
// - a batch with one invalid point is rejected whole (HS_ERR_STORE_POINT_INVALID), nothing stored.
// - setStatus keeps the status with the newest ts.

export interface ContractOptions {
  /** The many-series batch: substations × tags. Default 5,000 × 40. */
  manySeries?: { substations: number; tags: number };
  /** Where the suite writes, ms UTC, a multiple of an hour. Default: the hour a day ago. */
  baseTs?: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const SUPPLY = 'primary.supply_temp';
const RETURN = 'primary.return_temp';
const PUMP = 'pump.running';

const byKey = (a: SeriesKey, b: SeriesKey): number => a.substation.localeCompare(b.substation) || a.tag.localeCompare(b.tag);

/** The reference aggregation the stores must agree with. */
function expectedBuckets(points: readonly StoredPoint[], from: number, to: number, stepMs: number, agg: Aggregate): RangePoint[] {
  const order: Quality[] = ['good', 'uncertain', 'bad'];
  const buckets = new Map<number, StoredPoint[]>();
  for (const p of [...points].sort((a, b) => a.ts - b.ts)) {
    if (p.ts < from || p.ts >= to) continue;
    const start = p.ts - (p.ts % stepMs);
    buckets.set(start, [...(buckets.get(start) ?? []), p]);
  }
  return [...buckets.entries()].map(([ts, ps]) => {
    const values = ps.map((p) => Number(p.value));
    const value =
      agg === 'avg' ? values.reduce((s, v) => s + v, 0) / values.length : agg === 'min' ? Math.min(...values) : agg === 'max' ? Math.max(...values) : values[values.length - 1];
    const quality = order[Math.max(...ps.map((p) => order.indexOf(p.quality)))];
    return { ts, value, quality };
  });
}

function expectClose(actual: readonly RangePoint[], expected: readonly RangePoint[]): void {
  expect(actual.map((p) => [p.ts, p.quality])).toEqual(expected.map((p) => [p.ts, p.quality]));
  actual.forEach((p, i) => expect(p.value).toBeCloseTo(expected[i].value, 9));
}

async function expectRejected(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isHeatScadaError(error), `expected a HeatScadaError ${code}, got ${String(error)}`).toBe(true);
  if (isHeatScadaError(error)) expect(error.code).toBe(code);
}

export function describeTimeSeriesStoreContract(name: string, open: () => Promise<TimeSeriesStore>, opts: ContractOptions = {}): void {
  const many = opts.manySeries ?? { substations: 5000, tags: 40 };
  const T = opts.baseTs ?? Math.floor(Date.now() / HOUR) * HOUR - 24 * HOUR;
  const run = randomUUID().slice(0, 8);
  let n = 0;
  /** A substation name no other test (or run) uses. */
  const sub = (label: string): string => `contract-${run}-${label}-${n++}`;
  const point = (substation: string, tag: string, ts: number, value: number | boolean, quality: Quality = 'good', historical = false): StoredPoint => ({
    substation,
    tag,
    ts,
    value,
    quality,
    historical,
  });

  describe(`TimeSeriesStore contract: ${name}`, () => {
    let store: TimeSeriesStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('latest gives the newest point of each series, filtered by substations and tags', async () => {
      const [a, b] = [sub('latest'), sub('latest')];
      await store.write([
        point(a, SUPPLY, T, 90),
        point(a, SUPPLY, T + SECOND, 91),
        point(a, RETURN, T, 50),
        point(b, SUPPLY, T, 80),
        point(b, RETURN, T + 2 * SECOND, 45),
      ]);
      // An older point arriving later does not become the latest.
      await store.write([point(a, SUPPLY, T - 5 * SECOND, 70)]);

      const ofA = (await store.latest({ substations: [a] })).sort(byKey);
      expect(ofA.map((p) => [p.tag, p.ts, p.value])).toEqual([
        [RETURN, T, 50],
        [SUPPLY, T + SECOND, 91],
      ]);
      const returns = (await store.latest({ substations: [a, b], tags: [RETURN] })).sort(byKey);
      expect(returns.map((p) => [p.substation, p.value])).toEqual([
        [a, 50],
        [b, 45],
      ]);
      expect(await store.latest({ substations: [b], tags: [SUPPLY] })).toEqual([point(b, SUPPLY, T, 80)]);
      const all = await store.latest();
      expect(all.filter((p) => p.substation === a || p.substation === b)).toHaveLength(4);
      expect(await store.latest({ substations: [sub('nothing')] })).toEqual([]);
      expect(await store.latest({ substations: [a], tags: [] })).toEqual([]);
    });

    it('keeps quality and the historical flag', async () => {
      const s = sub('quality');
      await store.write([point(s, SUPPLY, T, 90, 'uncertain', true), point(s, RETURN, T, 50, 'bad', false), point(s, 'primary.flow', T, 12, 'good')]);
      const latest = (await store.latest({ substations: [s] })).sort(byKey);
      expect(latest.map((p) => [p.tag, p.quality, p.historical])).toEqual([
        ['primary.flow', 'good', false],
        [RETURN, 'bad', false],
        [SUPPLY, 'uncertain', true],
      ]);
      const [range] = await store.range({ series: [{ substation: s, tag: SUPPLY }], from: T, to: T + 1 });
      expect(range.points).toEqual([{ ts: T, value: 90, quality: 'uncertain' }]);
    });

    it('stores booleans as 0/1: numbers in ranges, booleans in latest for boolean tags', async () => {
      expect(TAGS.find((t) => t.name === PUMP)?.valueType).toBe('boolean');
      const s = sub('boolean');
      await store.write([point(s, PUMP, T, true), point(s, PUMP, T + SECOND, false), point(s, SUPPLY, T, 1)]);
      const latest = (await store.latest({ substations: [s] })).sort(byKey);
      expect(latest.map((p) => [p.tag, p.value])).toEqual([
        [SUPPLY, 1],
        [PUMP, false],
      ]);
      const key = { substation: s, tag: PUMP };
      const [raw] = await store.range({ series: [key], from: T, to: T + MINUTE });
      expect(raw.points.map((p) => p.value)).toEqual([1, 0]);
      const [buckets] = await store.range({ series: [key], from: T, to: T + MINUTE, stepMs: MINUTE, agg: 'avg' });
      expect(buckets.points).toEqual([{ ts: T, value: 0.5, quality: 'good' }]);
    });

    it('raw range: from inclusive, to exclusive, ascending, series in query order', async () => {
      const s = sub('raw');
      const ts = [T + 3 * SECOND, T, T + SECOND, T + 2 * SECOND, T + 4 * SECOND];
      await store.write(ts.map((t, i) => point(s, SUPPLY, t, i)));
      await store.write([point(s, RETURN, T + SECOND, 40)]);
      const ranges = await store.range({
        series: [
          { substation: s, tag: RETURN },
          { substation: s, tag: SUPPLY },
          { substation: sub('unknown'), tag: SUPPLY },
        ],
        from: T + SECOND,
        to: T + 4 * SECOND,
      });
      expect(ranges.map((r) => r.tag)).toEqual([RETURN, SUPPLY, SUPPLY]);
      expect(ranges[0].points).toEqual([{ ts: T + SECOND, value: 40, quality: 'good' }]);
      expect(ranges[1].points.map((p) => [p.ts, p.value])).toEqual([
        [T + SECOND, 2],
        [T + 2 * SECOND, 3],
        [T + 3 * SECOND, 0],
      ]);
      expect(ranges[2].points).toEqual([]);
      expect((await store.range({ series: [{ substation: s, tag: SUPPLY }], from: T, to: T }))[0].points).toEqual([]);
    });

    it('bucketed range: avg, min, max, last per epoch-aligned step; worst quality per bucket', async () => {
      const s = sub('buckets');
      const key = { substation: s, tag: SUPPLY };
      const qualities: Quality[] = ['good', 'good', 'good', 'uncertain', 'good', 'good', 'good', 'good', 'good', 'good', 'good', 'bad'];
      // Three hours every 15 s with a wobble, so min, max, avg and last all differ per bucket.
      const points = Array.from({ length: (3 * HOUR) / (15 * SECOND) }, (_, k) =>
        point(s, SUPPLY, T + k * 15 * SECOND, 70 + ((k * 37) % 23) - (k % 5) * 0.25, qualities[k % qualities.length]),
      );
      await store.write(points);
      // Unaligned edges: the first and last buckets are partial.
      const from = T + 7 * SECOND;
      const to = T + 3 * HOUR - 20 * MINUTE - 3 * SECOND;
      for (const stepMs of [45 * SECOND, MINUTE, 10 * MINUTE, HOUR, 2 * HOUR]) {
        for (const agg of ['avg', 'min', 'max', 'last'] as const) {
          const [range] = await store.range({ series: [key], from, to, stepMs, agg });
          expectClose(range.points, expectedBuckets(points, from, to, stepMs, agg));
          for (const p of range.points) expect(p.ts % stepMs).toBe(0);
        }
      }
      const [dflt] = await store.range({ series: [key], from, to, stepMs: HOUR });
      expectClose(dflt.points, expectedBuckets(points, from, to, HOUR, 'avg'));
    });

    it('count counts raw points in [from, to)', async () => {
      const s = sub('count');
      const key = { substation: s, tag: SUPPLY };
      await store.write(Array.from({ length: 100 }, (_, k) => point(s, SUPPLY, T + k * SECOND, k)));
      expect(await store.count(key, T, T + 100 * SECOND)).toBe(100);
      expect(await store.count(key, T + 10 * SECOND, T + 20 * SECOND)).toBe(10);
      expect(await store.count(key, T + 100 * SECOND, T + HOUR)).toBe(0);
      expect(await store.count({ substation: sub('none'), tag: SUPPLY }, T, T + HOUR)).toBe(0);
    });

    it('rewriting the same (series, ts) replaces the point and counts it once', async () => {
      const s = sub('upsert');
      const key = { substation: s, tag: SUPPLY };
      const batch = Array.from({ length: 10 }, (_, k) => point(s, SUPPLY, T + k * SECOND, k));
      await store.write(batch);
      await store.write(batch);
      await store.write([point(s, SUPPLY, T + 9 * SECOND, 99, 'bad', true)]);
      expect(await store.count(key, T, T + HOUR)).toBe(10);
      const [range] = await store.range({ series: [key], from: T, to: T + HOUR });
      expect(range.points).toHaveLength(10);
      expect(range.points[9]).toEqual({ ts: T + 9 * SECOND, value: 99, quality: 'bad' });
      expect(await store.latest({ substations: [s] })).toEqual([point(s, SUPPLY, T + 9 * SECOND, 99, 'bad', true)]);
    });

    const invalid: [string, Partial<StoredPoint>][] = [
      ['a NaN value', { value: Number.NaN }],
      ['an infinite value', { value: Number.POSITIVE_INFINITY }],
      ['a string value', { value: '1' as unknown as number }],
      ['an empty substation', { substation: '' }],
      ['an empty tag', { tag: '' }],
      ['a non-finite ts', { ts: Number.POSITIVE_INFINITY }],
      ['a NaN ts', { ts: Number.NaN }],
      ['a fractional ts', { ts: T + 0.5 }],
      ['a negative ts', { ts: -1 }],
      ['an unknown quality', { quality: 'perfect' as Quality }],
    ];
    it.each(invalid)('rejects a batch with %s as a whole and stores none of it', async (_label, patch) => {
      const s = sub('atomic');
      const good = [point(s, SUPPLY, T, 1), point(s, RETURN, T, 2)];
      await expectRejected(store.write([...good, { ...point(s, 'primary.flow', T + SECOND, 3), ...patch }, point(s, SUPPLY, T + 2 * SECOND, 4)]), 'HS_ERR_STORE_POINT_INVALID');
      expect(await store.latest({ substations: [s] })).toEqual([]);
      expect(await store.count({ substation: s, tag: SUPPLY }, 0, T + HOUR)).toBe(0);
      // The store is still usable afterwards.
      await store.write(good);
      expect(await store.count({ substation: s, tag: SUPPLY }, 0, T + HOUR)).toBe(1);
    });

    it('accepts an empty batch and rejects malformed range queries', async () => {
      await store.write([]);
      const series = [{ substation: sub('query'), tag: SUPPLY }];
      await expectRejected(store.range({ series, from: T, to: T + HOUR, stepMs: 0 }), 'HS_ERR_BAD_REQUEST');
      await expectRejected(store.range({ series, from: T, to: T + HOUR, stepMs: 1.5 }), 'HS_ERR_BAD_REQUEST');
      await expectRejected(store.range({ series, from: T + HOUR, to: T }), 'HS_ERR_BAD_REQUEST');
      await expectRejected(store.range({ series, from: T, to: T + HOUR, agg: 'max' }), 'HS_ERR_BAD_REQUEST');
      await expectRejected(store.range({ series, from: T, to: T + HOUR, stepMs: MINUTE, agg: 'median' as Aggregate }), 'HS_ERR_BAD_REQUEST');
      await expectRejected(store.count({ substation: '', tag: SUPPLY }, T, T + HOUR), 'HS_ERR_BAD_REQUEST');
    });

    it('statuses: set, read back, the newest ts wins', async () => {
      const [a, b] = [sub('status'), sub('status')];
      await store.setStatus({ substation: a, online: true, ts: T });
      await store.setStatus({ substation: b, online: true, ts: T });
      await store.setStatus({ substation: b, online: false, ts: T + SECOND });
      // A replayed, older BIRTH does not bring b back online.
      await store.setStatus({ substation: b, online: true, ts: T + 500 });
      const mine = (await store.statuses()).filter((s) => s.substation === a || s.substation === b).sort((x, y) => x.substation.localeCompare(y.substation));
      expect(mine).toEqual([
        { substation: a, online: true, ts: T },
        { substation: b, online: false, ts: T + SECOND },
      ]);
      await expectRejected(store.setStatus({ substation: '', online: true, ts: T }), 'HS_ERR_BAD_REQUEST');
    });

    it('setStatuses, where offered: several at once, each kept as setStatus keeps it; a bad one writes none', async (ctx) => {
      if (!store.setStatuses) return ctx.skip();
      const [a, b, c] = [sub('statuses'), sub('statuses'), sub('statuses')];
      await store.setStatuses([
        { substation: a, online: true, ts: T },
        { substation: b, online: true, ts: T },
        { substation: b, online: false, ts: T + SECOND },
        { substation: b, online: true, ts: T + 500 },
      ]);
      await expectRejected(store.setStatuses([{ substation: c, online: true, ts: T }, { substation: '', online: true, ts: T }]), 'HS_ERR_BAD_REQUEST');
      const mine = (await store.statuses()).filter((s) => [a, b, c].includes(s.substation)).sort((x, y) => x.substation.localeCompare(y.substation));
      expect(mine).toEqual([
        { substation: a, online: true, ts: T },
        { substation: b, online: false, ts: T + SECOND },
      ]);
    });

    it('retention drops raw points before the cut-off and keeps the rest', async () => {
      const s = sub('retention');
      const key = { substation: s, tag: SUPPLY };
      await store.write(Array.from({ length: 60 }, (_, k) => point(s, SUPPLY, T + k * 10 * SECOND, k)));
      const cut = T + 5 * MINUTE;
      const dropped = await store.applyRetention(cut);
      expect(dropped).toBeGreaterThanOrEqual(30);
      expect(await store.count(key, 0, cut)).toBe(0);
      expect(await store.count(key, cut, T + HOUR)).toBe(30);
      const [range] = await store.range({ series: [key], from: 0, to: T + HOUR });
      expect(range.points[0]).toEqual({ ts: cut, value: 30, quality: 'good' });
    });

    it(`writes ${many.substations} × ${many.tags} series in one batch`, async () => {
      const prefix = sub('many');
      const tags = Array.from({ length: many.tags }, (_, i) => TAGS[i]?.name ?? `extra.tag_${i}`);
      const batch: StoredPoint[] = [];
      for (let i = 0; i < many.substations; i++) {
        for (let j = 0; j < tags.length; j++) batch.push(point(`${prefix}-${i}`, tags[j], T + MINUTE, i + j / 100));
      }
      await store.write(batch);
      const last = many.substations - 1;
      for (const i of [0, Math.floor(last / 2), last]) {
        const latest = await store.latest({ substations: [`${prefix}-${i}`] });
        expect(latest).toHaveLength(tags.length);
        expect(await store.count({ substation: `${prefix}-${i}`, tag: tags[tags.length - 1] }, T, T + HOUR)).toBe(1);
      }
      const [range] = await store.range({ series: [{ substation: `${prefix}-${last}`, tag: tags[1] }], from: T, to: T + HOUR });
      expect(range.points).toEqual([{ ts: T + MINUTE, value: last + 0.01, quality: 'good' }]);
    });
  });
}
