import type { HotRunParams } from './config-schema.ts';
import type { Sample } from '../model/season.ts';
import { levelOver } from './curve.ts';
import { round, type Verdict } from './verdict.ts';

// The hot run and the raising of temperature (热态运行, 升温提压): passed once, for `hours` without
// a break, the secondary supply has followed its setpoint (the weather curve) within
// curve_tolerance_k and every building's indoor minimum has been at indoor_floor_c or more, both
// as levels over smoothing_s. Buildings warm slowly from cold, so a home under the floor keeps the
// check running (the board shows it late past the deadline); it does not fail it.

export interface HotRunCurves {
  supply: readonly Sample[];
  setpoint: readonly Sample[];
  indoorMin: readonly Sample[];
}

export interface HotRunContext {
  asOf: number;
}

export function judgeHotRun(curves: HotRunCurves, params: HotRunParams, ctx: HotRunContext): Verdict {
  const start = Math.min(curves.supply[0]?.[0] ?? ctx.asOf, curves.indoorMin[0]?.[0] ?? ctx.asOf);
  const smooth = params.smoothing_s * 1000;
  const level = (curve: readonly Sample[], t: number) => levelOver(curve, Math.max(start, t - smooth), t);
  const breachAt = (t: number): { why: string; figures: Record<string, number> } => {
    const supply = level(curves.supply, t);
    const setpoint = level(curves.setpoint, t);
    const indoor = level(curves.indoorMin, t);
    const figures = { supply_c: round(supply ?? 0, 1), setpoint_c: round(setpoint ?? 0, 1), indoor_min_c: round(indoor ?? 0, 1) };
    const off = supply === undefined || setpoint === undefined ? undefined : Math.abs(supply - setpoint);
    const why =
      indoor === undefined || indoor < params.indoor_floor_c
        ? `indoor minimum ${figures.indoor_min_c} °C is under ${params.indoor_floor_c} °C`
        : off === undefined || off > params.curve_tolerance_k
          ? `supply ${figures.supply_c} °C is off its curve ${figures.setpoint_c} °C by more than ${params.curve_tolerance_k} K`
          : '';
    return { why, figures };
  };
  // The standard holds since the last moment it was broken (or the start), looked for from the
  // end backwards and only over the last `hours`: a long hot run costs what the judgement needs.
  const now = breachAt(ctx.asOf);
  const breach = now.why;
  let figures: Record<string, number> = now.figures;
  const windowFrom = Math.max(start, ctx.asOf - params.hours * 3_600_000);
  let since = breach ? ctx.asOf : windowFrom;
  if (!breach) {
    const moments = [...new Set([curves.supply, curves.setpoint, curves.indoorMin].flatMap((c) => c.filter(([t]) => t >= windowFrom && t <= ctx.asOf).map(([t]) => t)))].sort((a, b) => b - a);
    since = moments.find((t) => breachAt(t).why !== '') ?? windowFrom;
  }
  const heldH = round((ctx.asOf - since) / 3_600_000, 2);
  figures = { ...figures, held_h: heldH };
  if (ctx.asOf - since >= params.hours * 3_600_000) {
    return { state: 'passed', code: 'standard_held', reason: `supply on its curve and every home at ${params.indoor_floor_c} °C or more for ${params.hours} h`, from: since, to: ctx.asOf, figures };
  }
  return { state: 'running', code: breach ? 'below_standard' : 'holding', reason: breach || `standard held ${heldH} of ${params.hours} h`, from: start, to: ctx.asOf, figures };
}
