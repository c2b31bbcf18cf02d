import type { ColdRunParams } from './config-schema.ts';
import type { Sample } from '../model/season.ts';
import { levelOver } from './curve.ts';
import { makeupLimitM3h, round, type Verdict } from './verdict.ts';

// The cold run (冷态运行): water circulating without heat for `hours`. From settle_min after the
// pump starts, the secondary flow must stay at min_flow_ratio of design flow or more and the
// make-up flow (losses and leaks) within its limit (max_makeup_m3h, or max_makeup_share_per_h of
// the loop's volume where that is more), both as levels over smoothing_s, and no
// leak alarm may stand. Any breach fails the run at once; leaving it early fails it as too short.

export interface ColdRunCurves {
  /** secondary.flow, m³/h, from the start of circulation. */
  flow: readonly Sample[];
  /** makeup.flow, m³/h. */
  makeup: readonly Sample[];
}

export interface ColdRunContext {
  /** The substation's design flow, m³/h, when known; without it only circulation is judged. */
  designFlowM3h?: number;
  /** The loop's water volume, m³, when known: its normal losses set the make-up limit. */
  volumeM3?: number;
  /** When a leak alarm stood during the run, ms (the first time), if it did. */
  leakAlarmAt?: number;
  asOf: number;
  closed: boolean;
}

export function judgeColdRun(curves: ColdRunCurves, params: ColdRunParams, ctx: ColdRunContext): Verdict {
  const start = curves.flow[0]?.[0] ?? ctx.asOf;
  const runMs = params.hours * 3_600_000;
  const end = Math.min(ctx.asOf, start + runMs);
  const judgedFrom = start + params.settle_min * 60_000;
  const smooth = params.smoothing_s * 1000;
  const minFlow = ctx.designFlowM3h === undefined ? undefined : params.min_flow_ratio * ctx.designFlowM3h;
  const maxMakeup = makeupLimitM3h(params, ctx.volumeM3);
  const level = (curve: readonly Sample[], t: number) => levelOver(curve, Math.max(judgedFrom, t - smooth), t) ?? 0;
  const moments = [...new Set([...curves.flow, ...curves.makeup].map(([t]) => t).filter((t) => t > judgedFrom && t <= end))].sort((a, b) => a - b);
  if (end > judgedFrom) moments.push(end);
  const figuresAt = (t: number) => ({
    flow_m3h: round(level(curves.flow, t), 1),
    ...(ctx.designFlowM3h === undefined ? {} : { flow_ratio: round(level(curves.flow, t) / ctx.designFlowM3h, 2) }),
    makeup_m3h: round(level(curves.makeup, t), 2),
    run_h: round((t - start) / 3_600_000, 2),
  });
  // The release of the test pressure at the start may look like a leak to the alarm's rate rule: judged after settling only.
  if (ctx.leakAlarmAt !== undefined && ctx.leakAlarmAt >= judgedFrom && ctx.leakAlarmAt <= end) {
    return { state: 'failed', code: 'leak_alarm', reason: 'a leak alarm stood during the cold run', from: start, to: ctx.leakAlarmAt, figures: figuresAt(ctx.leakAlarmAt) };
  }
  for (const t of moments) {
    const f = figuresAt(t);
    if (minFlow !== undefined && f.flow_m3h < minFlow) {
      return { state: 'failed', code: 'low_flow', reason: `flow ${f.flow_m3h} m³/h is under ${params.min_flow_ratio} × design (${round(minFlow, 1)} m³/h)`, from: start, to: t, figures: f };
    }
    if (f.makeup_m3h > maxMakeup) {
      return { state: 'failed', code: 'makeup', reason: `make-up ${f.makeup_m3h} m³/h is over ${round(maxMakeup, 2)} m³/h: the loop loses water`, from: start, to: t, figures: { ...f, max_makeup_m3h: round(maxMakeup, 2) } };
    }
  }
  const f = figuresAt(end);
  if (end - start >= runMs) return { state: 'passed', code: 'circulated', reason: `circulated ${params.hours} h at ${f.flow_m3h} m³/h, make-up ${f.makeup_m3h} m³/h`, from: start, to: end, figures: f };
  if (ctx.closed) return { state: 'failed', code: 'too_short', reason: `cold run ended after ${f.run_h} of ${params.hours} h`, from: start, to: end, figures: f };
  return { state: 'running', code: 'circulating', reason: `circulating ${f.run_h} of ${params.hours} h`, from: start, to: end, figures: f };
}
