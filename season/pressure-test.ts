import type { PressureTestParams } from './config-schema.ts';
import type { Sample } from '../model/season.ts';
import { levelOver } from './curve.ts';
import { round, type Verdict } from './verdict.ts';

// The pressure test (试压): the isolated loop (make-up and pump off) is held at its test pressure
// for hold_min; it passes when the pressure has fallen by no more than max_drop_mpa over the
// hold, fails as soon as the drop is larger (a leak), and fails when the loop left the test
// before the hold was over (a test too short proves nothing). Levels are averaged over
// smoothing_s so sensor noise is not read as a drop.

export interface PressureTestContext {
  /** The loop's static pressure, MPa, when known (spec or the filled level): sets the test pressure. */
  staticMpa?: number;
  /** The time the curve reaches (the judge's now), ms. */
  asOf: number;
  /** Whether the test is over (the loop left isolation) at asOf. */
  closed: boolean;
}

/** The pressure the hold must start at: the configured one, else from the ratio and margin over static. */
export function testPressureMpa(params: PressureTestParams, staticMpa: number | undefined): number | undefined {
  if (params.test_pressure_mpa !== undefined) return params.test_pressure_mpa;
  if (staticMpa === undefined) return undefined;
  return Math.max(params.test_pressure_ratio * staticMpa, staticMpa + params.min_margin_mpa);
}

/** Judges a recorded curve of secondary pressure from the start of isolation to `asOf`. */
export function judgePressureTest(curve: readonly Sample[], params: PressureTestParams, ctx: PressureTestContext): Verdict {
  const first = curve[0]?.[0] ?? ctx.asOf;
  const target = testPressureMpa(params, ctx.staticMpa);
  // Without a known test pressure the hold starts where isolation does.
  const reached = target === undefined ? curve[0] : curve.find(([, v]) => v >= target - params.tolerance_mpa);
  if (!reached) {
    const top = curve.reduce((m, [, v]) => Math.max(m, v), 0);
    const figures = { test_pressure_mpa: round(target ?? 0), max_mpa: round(top) };
    return ctx.closed
      ? { state: 'failed', code: 'not_at_test_pressure', reason: `never reached the test pressure ${round(target ?? 0)} MPa (at most ${round(top)} MPa)`, from: first, to: ctx.asOf, figures }
      : { state: 'running', code: 'raising', reason: `raising towards ${round(target ?? 0)} MPa (now ${round(curve.at(-1)?.[1] ?? 0)} MPa)`, from: first, to: ctx.asOf, figures };
  }
  const start = reached[0];
  const holdMs = params.hold_min * 60_000;
  const end = Math.min(ctx.asOf, start + holdMs);
  const smooth = params.smoothing_s * 1000;
  const startLevel = levelOver(curve, start, Math.min(start + smooth, end)) ?? reached[1];
  const levelAt = (t: number) => levelOver(curve, Math.max(start, t - smooth), t) ?? startLevel;
  // The first moment within the hold at which the drop is over the limit: a sample time, or the hold's end.
  const moments = [...curve.filter(([t]) => t > start && t <= end).map(([t]) => t), end];
  for (const t of moments) {
    const drop = startLevel - levelAt(t);
    if (drop > params.max_drop_mpa) {
      const figures = { drop_mpa: round(drop), max_drop_mpa: params.max_drop_mpa, held_min: round((t - start) / 60_000, 1), start_mpa: round(startLevel) };
      return { state: 'failed', code: 'drop', reason: `pressure fell ${round(drop)} MPa in ${figures.held_min} min (limit ${params.max_drop_mpa} MPa over ${params.hold_min} min)`, from: start, to: t, figures };
    }
  }
  const drop = startLevel - levelAt(end);
  const heldMin = round((end - start) / 60_000, 1);
  const figures = { drop_mpa: round(drop), max_drop_mpa: params.max_drop_mpa, held_min: heldMin, start_mpa: round(startLevel) };
  if (end - start >= holdMs) return { state: 'passed', code: 'held', reason: `held ${params.hold_min} min at ${round(startLevel)} MPa, drop ${round(drop)} MPa`, from: start, to: end, figures };
  if (ctx.closed) return { state: 'failed', code: 'too_short', reason: `test ended after ${heldMin} min of the ${params.hold_min} min hold`, from: start, to: end, figures };
  return { state: 'running', code: 'holding', reason: `holding for ${heldMin} of ${params.hold_min} min, drop ${round(drop)} MPa`, from: start, to: end, figures };
}
