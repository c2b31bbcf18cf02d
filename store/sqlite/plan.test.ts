import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE, planSegments, rawSegments, rollupMarksOf, tiersFor, type Tier } from './plan.ts';

const T = Date.UTC(2024, 0, 15);
const marks = { minute: T + 10 * HOUR + 30 * MINUTE, hour: T + 10 * HOUR };
/** Far ahead: raw segments read points unless a test says otherwise. */
const RECENT = T + 100 * HOUR;

describe('planSegments', () => {
  it('reads hours inside, minutes at the ragged hour edges, raw points at the ragged minute edges', () => {
    const from = T + 5 * MINUTE + 1;
    const to = T + 11 * HOUR;
    expect(planSegments(from, to, tiersFor(HOUR, marks, []), RECENT)).toEqual([
      { source: 'points', from, to: T + 6 * MINUTE },
      { source: 'rollup_1m', from: T + 6 * MINUTE, to: T + HOUR },
      { source: 'rollup_1h', from: T + HOUR, to: marks.hour },
      { source: 'rollup_1m', from: marks.hour, to: marks.minute },
      { source: 'points', from: marks.minute, to },
    ]);
  });

  it('sends stale buckets to the next finer table', () => {
    const stale = [T + 2 * HOUR + 3 * MINUTE, T + 2 * HOUR + 4 * MINUTE];
    expect(planSegments(T, T + 4 * HOUR, tiersFor(HOUR, marks, stale), RECENT)).toEqual([
      { source: 'rollup_1h', from: T, to: T + 2 * HOUR },
      { source: 'rollup_1m', from: T + 2 * HOUR, to: stale[0] },
      { source: 'points', from: stale[0], to: stale[0] + MINUTE },
      { source: 'points', from: stale[1], to: stale[1] + MINUTE },
      { source: 'rollup_1m', from: stale[1] + MINUTE, to: T + 3 * HOUR },
      { source: 'rollup_1h', from: T + 3 * HOUR, to: T + 4 * HOUR },
    ]);
  });

  it('uses a rollup only when its buckets nest in the step', () => {
    expect(tiersFor(HOUR, marks, []).map((t: Tier) => t.source)).toEqual(['rollup_1h', 'rollup_1m']);
    expect(tiersFor(90 * MINUTE, marks, []).map((t) => t.source)).toEqual(['rollup_1m']);
    expect(tiersFor(45_000, marks, [])).toEqual([]);
    expect(planSegments(T, T + HOUR, [], RECENT)).toEqual([{ source: 'points', from: T, to: T + HOUR }]);
  });

  it('reads raw points below the recent mark from points, from it on from points_recent', () => {
    const recent = T + 10 * HOUR + 30 * MINUTE + 20_000;
    expect(planSegments(T + 10 * HOUR + 5, T + 11 * HOUR, tiersFor(MINUTE, marks, []), recent)).toEqual([
      { source: 'points', from: T + 10 * HOUR + 5, to: T + 10 * HOUR + MINUTE },
      { source: 'rollup_1m', from: T + 10 * HOUR + MINUTE, to: marks.minute },
      { source: 'points', from: marks.minute, to: recent },
      { source: 'points_recent', from: recent, to: T + 11 * HOUR },
    ]);
    expect(rawSegments(T, T + 5, T - 1)).toEqual([{ source: 'points_recent', from: T, to: T + 5 }]);
    expect(rawSegments(T, T + 5, T + 5)).toEqual([{ source: 'points', from: T, to: T + 5 }]);
    expect(rawSegments(T, T, T)).toEqual([]);
  });

  it('covers [from, to) exactly, with no gaps and no overlaps', () => {
    const stale = [T + 7 * MINUTE, T + 3 * HOUR + 59 * MINUTE];
    for (const [from, to] of [
      [T + 1, T + 2],
      [T + 59_999, T + 60_001],
      [T + 123_456, T + 9 * HOUR + 7],
      [T, T + 20 * HOUR],
    ]) {
      const segments = planSegments(from, to, tiersFor(HOUR, marks, stale), RECENT);
      expect(segments[0].from).toBe(from);
      expect(segments[segments.length - 1].to).toBe(to);
      segments.forEach((s, i) => {
        expect(s.from).toBeLessThan(s.to);
        if (i > 0) expect(s.from).toBe(segments[i - 1].to);
      });
    }
    expect(planSegments(T, T, tiersFor(HOUR, marks, []), RECENT)).toEqual([]);
  });
});

describe('rollupMarksOf', () => {
  const progress = { minute: T + 58 * MINUTE, hour: T, rollupTarget: T + 63 * MINUTE, rollupCursor: 10 };

  it('puts the series a rollup under way has passed at its target, hours included', () => {
    expect(rollupMarksOf(progress, 9)).toEqual({ minute: T + 63 * MINUTE, hour: T + HOUR });
    expect(rollupMarksOf(progress, 10)).toEqual({ minute: T + 58 * MINUTE, hour: T });
  });

  it('uses the marks alone when no rollup is under way', () => {
    expect(rollupMarksOf({ ...progress, rollupTarget: progress.minute }, 9)).toEqual({ minute: T + 58 * MINUTE, hour: T });
  });
});
