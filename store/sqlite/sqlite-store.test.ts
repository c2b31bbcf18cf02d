import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isHeatScadaError, type ErrorCode } from '../../model/errors.ts';
import type { Aggregate, RangeQuery, SeriesKey, StoredPoint } from '../../model/store.ts';
import { describeTimeSeriesStoreContract } from '../contract.ts';
import { HOUR, MINUTE } from './plan.ts';
import { RECENT_ROWS_PER_SERIES, openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'heatscada-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = (): string => path.join(dir, `store-${files++}.db`);
const open = (opts: Partial<SqliteStoreOptions> = {}): SqliteStore => openSqliteStore({ file: freshFile(), ...opts });

describeTimeSeriesStoreContract('sqlite', async () => open());
// Rolling up every minute at once makes nearly every bucketed range read rollups.
describeTimeSeriesStoreContract('sqlite, eager rollups', async () => open({ rollupAfterMs: 0 }));

function expectCode(step: () => unknown, code: ErrorCode): void {
  let error: unknown;
  try {
    step();
  } catch (e) {
    error = e;
  }
  expect(isHeatScadaError(error) && error.code, String(error)).toBe(code);
}

const T = Date.UTC(2024, 0, 15);
const A = { substation: 'north-1', tag: 'primary.supply_temp' };
const B = { substation: 'north-1', tag: 'primary.return_temp' };

/** Two days every 20 s for A and B: enough for hours of rollups and edges of raw points. */
function twoDays(): StoredPoint[] {
  const points: StoredPoint[] = [];
  for (let t = T; t < T + 48 * HOUR; t += 20_000) {
    const k = (t - T) / 20_000;
    points.push({ ...A, ts: t, value: 80 + Math.sin(k / 50) * 10, quality: k % 97 === 0 ? 'bad' : 'good' });
    points.push({ ...B, ts: t, value: 45 + (k % 13), quality: 'good' });
  }
  return points;
}

/** The same query answered from raw points only, by a second handle on the file. */
async function rawAnswer(store: SqliteStore, query: RangeQuery) {
  const raw = openSqliteStore({ file: store.file, rollups: false });
  try {
    return await raw.range(query);
  } finally {
    await raw.close();
  }
}

async function expectSameAsRaw(store: SqliteStore, query: RangeQuery): Promise<void> {
  const [fromRollups, fromRaw] = [await store.range(query), await rawAnswer(store, query)];
  expect(fromRollups.map((r) => r.points.length)).toEqual(fromRaw.map((r) => r.points.length));
  fromRollups.forEach((r, i) =>
    r.points.forEach((p, j) => {
      const q = fromRaw[i].points[j];
      expect([p.ts, p.quality]).toEqual([q.ts, q.quality]);
      expect(p.value).toBeCloseTo(q.value, 9);
    }),
  );
}

describe('sqlite store', () => {
  it('runs in WAL mode with synchronous NORMAL and exposes its database handle', async () => {
    const store = open();
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.database.pragma('synchronous', { simple: true })).toBe(1);
    // Later roles keep their tables in the same file.
    store.database.exec('CREATE TABLE alarm_probe (id INTEGER PRIMARY KEY)');
    await store.close();
  });

  it('keeps the newest points in points_recent until there are enough per series, then moves them', async () => {
    // Without rollups, which move points_recent too.
    const store = open({ rollups: false });
    const rows = (table: string) => store.database.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    const batch = (from: number, n: number): StoredPoint[] => Array.from({ length: n }, (_, k) => ({ ...A, ts: T + (from + k) * 1000, value: from + k, quality: 'good' }));
    const N = RECENT_ROWS_PER_SERIES;
    await store.write(batch(0, N - 1));
    expect([rows('points_recent'), rows('points')]).toEqual([N - 1, 0]);
    await store.write(batch(N - 1, 1));
    expect([rows('points_recent'), rows('points')]).toEqual([0, N]);
    // After a move, newer points go to points_recent again and late ones straight to points.
    await store.write([...batch(N, 3), { ...A, ts: T - 1000, value: -1, quality: 'good' }]);
    expect([rows('points_recent'), rows('points')]).toEqual([3, N + 1]);
    const [range] = await store.range({ series: [A], from: T - HOUR, to: T + HOUR });
    expect(range.points.map((p) => p.value)).toEqual([-1, ...Array.from({ length: N + 3 }, (_, k) => k)]);
    expect(await store.count(A, T - HOUR, T + HOUR)).toBe(N + 4);
    expect((await store.latest())[0]).toMatchObject({ ts: T + (N + 2) * 1000, value: N + 2 });
    const [buckets] = await store.range({ series: [A], from: T - HOUR, to: T + HOUR, stepMs: HOUR, agg: 'last' });
    expect(buckets.points).toEqual([
      { ts: T - HOUR, value: -1, quality: 'good' },
      { ts: T, value: N + 2, quality: 'good' },
    ]);
    await store.close();
  });

  it('drains points_recent a slice of series per write, and reads stay right meanwhile', async () => {
    const store = open({ rollups: false });
    const count = (sql: string) => store.database.prepare<[], number>(`SELECT count(*) FROM ${sql}`).pluck().get()!;
    const SERIES = 200;
    const series = Array.from({ length: SERIES }, (_, k) => ({ substation: `s${k}`, tag: A.tag }));
    const round = (r: number): StoredPoint[] => series.map((key, k) => ({ ...key, ts: T + r * 1000, value: r * 1000 + k, quality: 'good' }));
    for (let r = 0; r < RECENT_ROWS_PER_SERIES; r++) await store.write(round(r));
    // The write that filled points_recent moved one slice (the first 64 series ids) and no more.
    const drained = count('series WHERE id < (SELECT drain_cursor FROM rollup_state)');
    expect(drained).toBeGreaterThan(0);
    expect(drained).toBeLessThan(SERIES);
    expect([count('points'), count('points_recent')]).toEqual([drained * RECENT_ROWS_PER_SERIES, (SERIES - drained) * RECENT_ROWS_PER_SERIES]);
    // Mid-drain, a late point of a drained series goes to points, one of a waiting series to points_recent.
    const [first, last] = [series[0], series[SERIES - 1]];
    await store.write([
      { ...first, ts: T + 500, value: -1, quality: 'bad' },
      { ...last, ts: T + 500, value: -2, quality: 'bad' },
    ]);
    expect(count(`points WHERE value = -1`)).toBe(1);
    expect(count(`points_recent WHERE value = -2`)).toBe(1);
    for (const [k, late] of [[0, -1], [SERIES - 1, -2]] as const) {
      const key = series[k];
      const [range] = await store.range({ series: [key], from: T, to: T + HOUR });
      const rounds = Array.from({ length: RECENT_ROWS_PER_SERIES - 1 }, (_, r) => r + 1);
      expect(range.points.map((p) => [p.ts, p.value])).toEqual([[T, k], [T + 500, late], ...rounds.map((r) => [T + r * 1000, r * 1000 + k])]);
      expect(await store.count(key, T, T + HOUR)).toBe(RECENT_ROWS_PER_SERIES + 1);
      await expectSameAsRaw(store, { series: [key], from: T, to: T + HOUR, stepMs: 5000, agg: 'min' });
    }
    expect((await store.latest({ substations: [first.substation, last.substation] })).map((p) => p.value)).toEqual([19_000, 19_000 + SERIES - 1]);
    // Later writes finish the drain: points_recent holds only what came after it started.
    let rounds = RECENT_ROWS_PER_SERIES;
    while (count('points_recent') > 2 * SERIES) await store.write(round(rounds++));
    expect(rounds).toBeLessThan(RECENT_ROWS_PER_SERIES + 10);
    expect(count('points_recent WHERE ts < (SELECT recent_mark FROM rollup_state)')).toBe(0);
    expect(count('points') + count('points_recent')).toBe(rounds * SERIES + 2);
    expect(await store.count(last, T, T + HOUR)).toBe(rounds + 1);
    await store.close();
  });

  it('a rollup in the middle of a drain reads both tables and leaves the drain under way', async () => {
    // Rollups by themselves only 10 minutes behind: none falls due before the forced one.
    const store = open({ rollupAfterMs: 10 * MINUTE });
    const series = Array.from({ length: 200 }, (_, k) => ({ substation: `s${k}`, tag: A.tag }));
    for (let r = 0; r < RECENT_ROWS_PER_SERIES; r++) await store.write(series.map((key) => ({ ...key, ts: T + r * 1000, value: r, quality: 'good' as const })));
    // More points of a drained series: its minute T now lies partly in points, partly in points_recent.
    const first = series[0];
    await store.write(Array.from({ length: 10 }, (_, k) => ({ ...first, ts: T + (30 + k) * 1000, value: 100 + k, quality: 'good' as const })));
    const state = () => store.database.prepare('SELECT recent_mark AS recent, drain_mark AS drainMark FROM rollup_state').get() as { recent: number; drainMark: number };
    const before = state();
    expect(before.drainMark).toBeGreaterThan(before.recent);
    store.rollup(T + MINUTE);
    expect(state()).toEqual(before);
    for (const key of [first, series[150]]) {
      const query = { series: [key], from: T, to: T + 2 * MINUTE, stepMs: MINUTE };
      expect(store.explainRange(query)[0].segments[0]).toEqual({ source: 'rollup_1m', from: T, to: T + MINUTE });
      for (const agg of ['avg', 'min', 'max', 'last'] as Aggregate[]) await expectSameAsRaw(store, { ...query, agg });
    }
    await store.close();
  });

  /** Rounds of one point per series per second from T on. */
  const perSecond = (series: readonly { substation: string; tag: string }[], from: number, to: number): StoredPoint[][] =>
    Array.from({ length: to - from }, (_, k) =>
      series.map((key, i) => ({ ...key, ts: T + (from + k) * 1000, value: ((from + k) * 7 + i) % 50, quality: (from + k) % 17 === 0 ? 'uncertain' : 'good' })),
    );
  const rollupProgress = (store: SqliteStore) =>
    store.database.prepare('SELECT minute_mark AS minute, rollup_target AS target, rollup_cursor AS cursor FROM rollup_state').get() as {
      minute: number;
      target: number;
      cursor: number;
    };
  const FORTY = Array.from({ length: 40 }, (_, k) => ({ substation: `s${k}`, tag: A.tag }));

  /** Writes rounds until a write leaves a rollup of [T, T + 1 min) under way. */
  async function writeUntilRollupUnderWay(store: SqliteStore): Promise<number> {
    let second = 0;
    for (const round of perSecond(FORTY, 0, 200)) {
      await store.write(round);
      second++;
      if (rollupProgress(store).target > rollupProgress(store).minute) return second;
    }
    throw new Error('no rollup started');
  }

  it('rolls up a slice of series per write, and reads in between see only finished series as rolled up', async () => {
    const store = open({ rollupAfterMs: MINUTE });
    const second = await writeUntilRollupUnderWay(store);
    // 60 points per series and minute, plus 16 for visiting it, against a budget of 1,024 points: a slice of 14 series.
    const progress = rollupProgress(store);
    expect(progress).toEqual({ minute: T, target: T + MINUTE, cursor: 15 });
    const [done, waiting] = [FORTY[0], FORTY[39]];
    const query = (key: SeriesKey) => ({ series: [key], from: T, to: T + 2 * MINUTE, stepMs: MINUTE });
    expect(store.explainRange(query(done))[0].segments[0]).toEqual({ source: 'rollup_1m', from: T, to: T + MINUTE });
    expect(store.explainRange(query(waiting))[0].segments.map((seg) => seg.source)).not.toContain('rollup_1m');
    // A late point: a finished series' minute turns stale, a waiting series' minute is rolled up with it later.
    await store.write([done, waiting].map((key) => ({ ...key, ts: T + 30_500, value: 99, quality: 'bad' as const })));
    const stale = () => store.database.prepare('SELECT series_id FROM rollup_dirty').pluck().all();
    expect(stale()).toEqual([1]);
    for (const key of [done, waiting]) for (const agg of ['avg', 'max', 'last'] as Aggregate[]) await expectSameAsRaw(store, { ...query(key), agg });
    // The next writes finish it: each minute counted once, the stale one left for the next rollup.
    let writes = 0;
    for (const round of perSecond(FORTY, second, second + 10)) {
      if (rollupProgress(store).target === rollupProgress(store).minute) break;
      await store.write(round);
      writes++;
    }
    expect(writes).toBe(1);
    expect(rollupProgress(store)).toEqual({ minute: T + MINUTE, target: T + MINUTE, cursor: 0 });
    const counted = store.database.prepare('SELECT sum(count) FROM rollup_1m WHERE bucket = ?').pluck().get(T);
    expect(counted).toBe(40 * 60 + 2 - 1);
    expect(stale()).toEqual([1]);
    for (const key of FORTY) await expectSameAsRaw(store, { ...query(key), agg: 'avg' });
    await store.close();
  });

  it('a store reopened in the middle of a rollup reads right and resumes it where it stopped', async () => {
    const file = freshFile();
    const first = openSqliteStore({ file, rollupAfterMs: MINUTE });
    const second = await writeUntilRollupUnderWay(first);
    const stopped = rollupProgress(first);
    await first.close();
    const store = openSqliteStore({ file, rollupAfterMs: MINUTE });
    expect(rollupProgress(store)).toEqual(stopped);
    const query = { series: FORTY, from: T, to: T + 2 * MINUTE, stepMs: MINUTE };
    await expectSameAsRaw(store, { ...query, agg: 'min' });
    // The first write after the restart goes on from the cursor: a series finished before is not added twice.
    await store.write(perSecond(FORTY, second, second + 1)[0]);
    expect(rollupProgress(store).cursor).toBeGreaterThan(stopped.cursor);
    await store.write(perSecond(FORTY, second + 1, second + 2)[0]);
    expect(rollupProgress(store)).toEqual({ minute: T + MINUTE, target: T + MINUTE, cursor: 0 });
    expect(store.database.prepare('SELECT sum(count) FROM rollup_1m WHERE bucket = ?').pluck().get(T)).toBe(40 * 60);
    await expectSameAsRaw(store, { ...query, agg: 'avg' });
    await store.close();
  });

  it('retention in the middle of a rollup finishes it before dropping raw points', async () => {
    const store = open({ rollupAfterMs: MINUTE });
    await writeUntilRollupUnderWay(store);
    const query = { series: FORTY, from: T, to: T + MINUTE, stepMs: MINUTE, agg: 'max' as const };
    const before = await store.range(query);
    expect(await store.applyRetention(T + MINUTE)).toBe(40 * 60);
    expect(rollupProgress(store)).toEqual({ minute: T + MINUTE, target: T + MINUTE, cursor: 0 });
    expect(store.database.prepare('SELECT sum(count) FROM rollup_1m WHERE bucket = ?').pluck().get(T)).toBe(40 * 60);
    expect(await store.range(query)).toEqual(before);
    await store.close();
  });

  it('reads hourly and minute rollups for long steps, raw points for the rest', async () => {
    const store = open();
    await store.write(twoDays());
    store.rollup();
    const from = T + 7 * MINUTE + 5_000;
    const to = T + 47 * HOUR + 30 * MINUTE + 10_000;
    const plan = (stepMs: number) => store.explainRange({ series: [A], from, to, stepMs })[0].segments.map((s) => s.source);
    expect(plan(HOUR)).toEqual(['points', 'rollup_1m', 'rollup_1h', 'rollup_1m', 'points']);
    expect(plan(24 * HOUR)).toEqual(['points', 'rollup_1m', 'rollup_1h', 'rollup_1m', 'points']);
    expect(plan(15 * MINUTE)).toEqual(['points', 'rollup_1m', 'points']);
    expect(plan(30_000)).toEqual(['points']);
    await store.close();
  });

  it('rollups agree with raw aggregation for every aggregate and step', async () => {
    const store = open();
    await store.write(twoDays());
    store.rollup();
    for (const stepMs of [MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, 24 * HOUR]) {
      for (const agg of ['avg', 'min', 'max', 'last'] as Aggregate[]) {
        await expectSameAsRaw(store, { series: [A, B], from: T + 7 * MINUTE + 5_000, to: T + 47 * HOUR + 59 * MINUTE + 1, stepMs, agg });
      }
    }
    await store.close();
  });

  it('late points make their minute and hour stale until the next rollup, and ranges stay right', async () => {
    const store = open();
    await store.write(twoDays());
    store.rollup();
    const late = T + 5 * HOUR + 30 * MINUTE + 7_000;
    await store.write([{ ...A, ts: late, value: 500, quality: 'uncertain', historical: true }]);
    const query = { series: [A], from: T, to: T + 12 * HOUR, stepMs: HOUR };
    const segments = store.explainRange(query)[0].segments;
    expect(segments).toContainEqual({ source: 'points', from: late - (late % MINUTE), to: late - (late % MINUTE) + MINUTE });
    await expectSameAsRaw(store, { ...query, agg: 'max' });
    store.rollup();
    expect(store.explainRange(query)[0].segments.map((s) => s.source)).toEqual(['rollup_1h']);
    await expectSameAsRaw(store, { ...query, agg: 'max' });
    await expectSameAsRaw(store, { ...query, agg: 'avg' });
    await store.close();
  });

  it('rolls up by itself as points age past rollupAfterMs', async () => {
    const store = open({ rollupAfterMs: 10 * MINUTE });
    await store.write(twoDays().filter((p) => p.ts < T + HOUR));
    const segments = store.explainRange({ series: [A], from: T, to: T + HOUR, stepMs: MINUTE })[0].segments;
    // Newest point T+59:40: minutes up to 10 minutes before it are rolled up, and every point
    // written so far has been moved from points_recent to points.
    const newest = T + HOUR - 20_000;
    expect(segments).toEqual([
      { source: 'rollup_1m', from: T, to: T + 49 * MINUTE },
      { source: 'points', from: T + 49 * MINUTE, to: newest + 1 },
      { source: 'points_recent', from: newest + 1, to: T + HOUR },
    ]);
    await store.close();
  });

  it('retention drops raw points but long ranges still read the rollups', async () => {
    const store = open();
    await store.write(twoDays());
    const query = { series: [A, B], from: T, to: T + 48 * HOUR, stepMs: HOUR, agg: 'avg' as const };
    const before = await store.range(query);
    const cut = T + 24 * HOUR;
    expect(await store.applyRetention(cut)).toBe(2 * (24 * HOUR) / 20_000);
    expect(await store.count(A, T, cut)).toBe(0);
    expect(await store.count(A, cut, T + 48 * HOUR)).toBe((24 * HOUR) / 20_000);
    expect(await store.range(query)).toEqual(before);
    expect((await rawAnswer(store, query))[0].points).toHaveLength(24);
    await store.close();
  });

  it('keeps everything across close and reopen', async () => {
    const file = freshFile();
    const first = openSqliteStore({ file });
    await first.write(twoDays().slice(0, 1000));
    await first.setStatus({ substation: A.substation, online: true, ts: T });
    const latest = await first.latest();
    await first.close();
    const second = openSqliteStore({ file });
    expect(await second.latest()).toEqual(latest);
    expect(await second.statuses()).toEqual([{ substation: A.substation, online: true, ts: T }]);
    await second.write([{ ...A, ts: T + 49 * HOUR, value: 1, quality: 'good' }]);
    expect(second.database.prepare('SELECT count(*) FROM series').pluck().get()).toBe(2);
    expect(await second.count(A, T, T + 50 * HOUR)).toBe(501);
    await second.close();
  });

  it('a batch that fails inside its transaction leaves no rows and no cached series id behind', async () => {
    const store = open();
    store.database.exec(`CREATE TEMP TRIGGER refuse BEFORE INSERT ON points_recent WHEN NEW.value = 666 BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    const fresh = { substation: 'south-9', tag: 'primary.flow' };
    await expect(store.write([{ ...fresh, ts: T, value: 1, quality: 'good' }, { ...A, ts: T, value: 666, quality: 'good' }])).rejects.toMatchObject({
      code: 'HS_ERR_STORE_WRITE',
    });
    expect(store.database.prepare('SELECT count(*) FROM series').pluck().get()).toBe(0);
    store.database.exec('DROP TRIGGER refuse');
    await store.write([{ substation: 'south-9', tag: 'other', ts: T, value: 2, quality: 'good' }, { ...fresh, ts: T, value: 1, quality: 'good' }]);
    expect(await store.latest({ substations: ['south-9'] })).toHaveLength(2);
    await store.close();
  });

  it('says clearly when the file cannot be opened', async () => {
    const notADb = path.join(dir, 'garbage.db');
    writeFileSync(notADb, 'this is not an SQLite database, just text long enough to have a header '.repeat(20));
    expectCode(() => openSqliteStore({ file: notADb }), 'HS_ERR_STORE_OPEN');
    // A path below a regular file can never be created, whoever runs the test.
    expectCode(() => openSqliteStore({ file: path.join(notADb, 'sub', 'x.db') }), 'HS_ERR_STORE_OPEN');
    try {
      openSqliteStore({ file: notADb });
    } catch (e) {
      expect(String(e)).toContain(notADb);
    }
  });

  it('refuses a file whose store schema is newer than this code', async () => {
    const file = freshFile();
    const store = openSqliteStore({ file });
    store.database.prepare(`UPDATE schema_version SET version = 99 WHERE component = 'store'`).run();
    await store.close();
    expectCode(() => openSqliteStore({ file }), 'HS_ERR_STORE_OPEN');
  });

  it('refuses work once closed', async () => {
    const store = open();
    await store.close();
    await expect(store.write([{ ...A, ts: T, value: 1, quality: 'good' }])).rejects.toMatchObject({ code: 'HS_ERR_STORE_CLOSED' });
    await expect(store.latest()).rejects.toMatchObject({ code: 'HS_ERR_STORE_CLOSED' });
  });

  it('rejects a bad rollupAfterMs', () => {
    expectCode(() => open({ rollupAfterMs: -1 }), 'HS_ERR_CONFIG_INVALID');
  });
});
