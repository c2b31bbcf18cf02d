import type { Logger } from 'pino';
import { judgeColdRun } from './cold-run.ts';
import { CHECK_PHASES, type CheckPhase, type Evidence, type PhaseCheck, type Sample } from '../model/season.ts';
import { pendingCheck, type Checklist } from './checklist.ts';
import type { SeasonConfig } from './config-schema.ts';
import { thin } from './curve.ts';
import { judgeHotRun } from './hot-run.ts';
import { observePhase, WATCHED_TAGS, type LoopReading, type ObservedPhase, type WatchedTag } from './observed-phase.ts';
import { judgePressureTest, testPressureMpa } from './pressure-test.ts';
import { makeupLimitM3h, round, type Verdict } from './verdict.ts';

// Follows every substation's telemetry as it arrives (the live feed in `startSeason`, the plant
// straight in the bench), reads the loop's phase from it, keeps the curves of the phase under
// way, and has the judges decide each phase's check: running, passed, failed (with the curves as
// evidence and a work order). Points are stamped on the watcher's clock (the simulated time in
// tests), as the alarm engine does.

export interface SubstationDesign {
  /** Secondary static pressure held by make-up, MPa: sets the test pressure. Learned from filling when absent. */
  staticMpa?: number;
  /** Secondary design flow, m³/h: the cold run's reference. */
  designFlowM3h?: number;
  /** The loop's water volume, m³: the cold run's make-up limit grows with it. */
  volumeM3?: number;
}

export interface WatcherDeps {
  config: SeasonConfig;
  checklist: Checklist;
  substations: readonly string[];
  designs?: ReadonlyMap<string, SubstationDesign>;
  now: () => number;
  /** Opens (or joins) the work order for a failed check; its id. */
  openOrder?: (check: PhaseCheck) => number | null;
  /** Whether a leak alarm stands at the substation now (the alarm engine's). */
  leakAlarm?: (substation: string) => boolean;
  logger: Logger;
}

/** The phase the checklist judges during each phase the loop shows. */
const CHECK_OF: Partial<Record<ObservedPhase, CheckPhase>> = { filling: 'filling', pressure_test: 'pressure_test', cold_run: 'cold_run', hot: 'hot_run' };
const CURVES_OF: Record<CheckPhase, readonly WatchedTag[]> = {
  inspection: [],
  filling: ['secondary.supply_pressure'],
  pressure_test: ['secondary.supply_pressure'],
  cold_run: ['secondary.flow', 'makeup.flow'],
  hot_run: ['secondary.supply_temp', 'secondary.supply_temp_setpoint', 'indoor.temp_min'],
};
const EVIDENCE_SAMPLES = 400;
/** The tag that says a device has a secondary loop (a substation). */
const LOOP_TAG = 'makeup.running';
const JUDGE = 'season';

interface Segment {
  phase: ObservedPhase;
  check: CheckPhase | undefined;
  /** A filled loop on make-up before its test passed: watched for a loss make-up cannot beat (the check stays as it is until then). */
  raiseWatch?: boolean;
  startedAt: number;
  curves: Map<WatchedTag, Sample[]>;
  leakAlarmAt?: number;
}

interface LoopState {
  reading: LoopReading;
  segment: Segment | undefined;
  /** The filled loop's pressure (the last level while make-up held it): static when not given. */
  filledMpa?: number;
  checks: Map<CheckPhase, PhaseCheck>;
}

export class SeasonWatcher {
  private readonly loops = new Map<string, LoopState>();
  private readonly dirty = new Set<PhaseCheck>();

  constructor(private readonly deps: WatcherDeps) {
    const stored = new Map(deps.checklist.list().map((c) => [`${c.substation}/${c.phase}`, c]));
    for (const id of deps.substations) this.loopOf(id, stored);
  }

  private loopOf(id: string, stored?: Map<string, PhaseCheck>): LoopState {
    let loop = this.loops.get(id);
    if (!loop) {
      const checks = new Map(CHECK_PHASES.map((p) => [p, stored?.get(`${id}/${p}`) ?? this.deps.checklist.list(id).find((c) => c.phase === p) ?? pendingCheck(id, p)]));
      loop = { reading: {}, segment: undefined, checks };
      this.loops.set(id, loop);
    }
    return loop;
  }

  /** Every substation's checks, phase by phase. */
  checks(): PhaseCheck[] {
    return [...this.loops.values()].flatMap((l) => [...l.checks.values()]);
  }

  substations(): string[] {
    return [...this.loops.keys()];
  }

  /** The phase each substation's loop shows now. */
  observed(substation: string): ObservedPhase | undefined {
    return this.loops.get(substation)?.segment?.phase;
  }

  /** An engineer's tick, kept in the watcher's view too. */
  record(check: PhaseCheck): void {
    this.loopOf(check.substation).checks.set(check.phase, check);
  }

  /** The points of one message of one substation. */
  ingest(substation: string, points: readonly { tag: string; value: number | boolean }[]): void {
    // A device without a secondary loop (the heat source's PLC) has no season checklist.
    if (!this.loops.has(substation) && !points.some((p) => p.tag === LOOP_TAG)) return;
    const loop = this.loopOf(substation);
    const at = this.deps.now();
    let touched = false;
    for (const p of points) {
      if (!(WATCHED_TAGS as readonly string[]).includes(p.tag)) continue;
      loop.reading[p.tag as WatchedTag] = p.value;
      touched = true;
    }
    if (!touched) return;
    const phase = observePhase(loop.reading, this.deps.config.judges.detection);
    if (phase !== undefined && phase !== loop.segment?.phase) this.enter(substation, loop, phase, at);
    const seg = loop.segment;
    if (!seg) return;
    for (const p of points) {
      const curve = seg.curves.get(p.tag as WatchedTag);
      if (curve && typeof p.value === 'number' && curve.at(-1)?.[1] !== p.value) curve.push([at, p.value]);
    }
    if (phase === 'filling' && typeof loop.reading['secondary.supply_pressure'] === 'number') loop.filledMpa = loop.reading['secondary.supply_pressure'];
  }

  /** The loop shows another phase: the one under way is judged as over, the new one begins. */
  private enter(substation: string, loop: LoopState, phase: ObservedPhase, at: number): void {
    if (loop.segment) this.judge(substation, loop, at, true);
    // Make-up running on a loop already filled, its test not passed: being raised to test pressure, or losing water.
    const raiseWatch = phase === 'filling' && loop.checks.get('filling')!.state === 'passed' && loop.checks.get('pressure_test')!.state !== 'passed';
    const check = raiseWatch ? 'pressure_test' : CHECK_OF[phase];
    const current = check && loop.checks.get(check);
    // A passed check stays passed; a failed one is judged again (a repeated test after a repair).
    const judged = check !== undefined && current !== undefined && current.state !== 'passed' ? check : undefined;
    const curves = new Map<WatchedTag, Sample[]>();
    for (const tag of judged ? [...CURVES_OF[judged], ...(raiseWatch ? (['makeup.flow'] as const) : [])] : []) {
      const v = loop.reading[tag];
      curves.set(tag, typeof v === 'number' ? [[at, v]] : []);
    }
    loop.segment = { phase, check: judged, startedAt: at, curves, ...(raiseWatch ? { raiseWatch } : {}) };
    if (judged && current && !raiseWatch) this.update(loop, { ...current, state: 'running', who: JUDGE, at, startedAt: at, code: 'started', reason: `${phase} began`, evidence: null });
    // A loop under pressure has been filled, whether or not the filling was watched.
    if (phase !== 'empty' && phase !== 'filling') this.passFilling(loop, at);
  }

  private passFilling(loop: LoopState, at: number): void {
    const filling = loop.checks.get('filling')!;
    if (filling.state === 'passed') return;
    const p = loop.reading['secondary.supply_pressure'];
    this.update(loop, { ...filling, state: 'passed', who: JUDGE, at, startedAt: filling.startedAt ?? at, code: 'filled', reason: `loop filled and under pressure (${typeof p === 'number' ? p.toFixed(3) : '?'} MPa)`, evidence: filling.evidence });
  }

  private staticOf(substation: string, loop: LoopState): number | undefined {
    return this.deps.designs?.get(substation)?.staticMpa ?? loop.filledMpa;
  }

  /** One judgement of the phase under way at every substation; the checks that changed, saved. */
  evaluate(): PhaseCheck[] {
    const at = this.deps.now();
    for (const [id, loop] of this.loops) this.judge(id, loop, at, false);
    const changed = [...this.dirty];
    this.dirty.clear();
    if (changed.length > 0) this.deps.checklist.save(changed);
    return changed;
  }

  private judge(substation: string, loop: LoopState, at: number, closed: boolean): void {
    const seg = loop.segment;
    if (!seg?.check) return;
    const check = loop.checks.get(seg.check)!;
    if (check.state !== 'running' && !seg.raiseWatch) return;
    const verdict = this.verdictOf(substation, loop, seg, at, closed);
    if (verdict === undefined) return;
    if (verdict === 'no_test') {
      if (closed) this.update(loop, { ...check, state: 'pending', at, code: 'no_test', reason: 'the loop was isolated without being raised to its test pressure' });
      return;
    }
    if (verdict.state === 'running' && verdict.code === check.code && !closed) return;
    const evidence: Evidence = {
      from: verdict.from,
      to: verdict.to,
      figures: verdict.figures,
      curves: Object.fromEntries([...seg.curves].map(([tag, c]) => [tag, thin(c, EVIDENCE_SAMPLES)])),
    };
    let next: PhaseCheck = { ...check, state: verdict.state, who: JUDGE, at, code: verdict.code, reason: verdict.reason, evidence };
    if (verdict.state === 'failed') {
      next = { ...next, workOrder: this.deps.openOrder?.(next) ?? check.workOrder };
      this.deps.logger.warn({ code: 'HS_SEASON_CHECK_FAILED', substation, phase: seg.check, reason: verdict.code, detail: verdict.reason, workOrder: next.workOrder }, 'season check failed');
    } else if (verdict.state === 'passed') {
      this.deps.logger.info({ code: 'HS_SEASON_CHECK_PASSED', substation, phase: seg.check, detail: verdict.reason }, 'season check passed');
    }
    this.update(loop, next);
    if (verdict.state !== 'running') seg.check = undefined;
    // Filled: from now on the make-up of this loop is watched for a loss it cannot beat.
    if (seg.phase === 'filling' && next.phase === 'filling' && next.state === 'passed' && loop.checks.get('pressure_test')!.state !== 'passed') {
      const tagValue = (tag: WatchedTag): Sample[] => (typeof loop.reading[tag] === 'number' ? [[at, loop.reading[tag] as number]] : []);
      Object.assign(seg, { check: 'pressure_test', raiseWatch: true, startedAt: at, curves: new Map([['secondary.supply_pressure', tagValue('secondary.supply_pressure')], ['makeup.flow', tagValue('makeup.flow')]]) });
    }
  }

  private verdictOf(substation: string, loop: LoopState, seg: Segment, at: number, closed: boolean): Verdict | 'no_test' | undefined {
    const { judges } = this.deps.config;
    const curve = (tag: WatchedTag) => seg.curves.get(tag) ?? [];
    switch (seg.check) {
      case 'filling': {
        const staticMpa = this.staticOf(substation, loop);
        const p = curve('secondary.supply_pressure').at(-1)?.[1] ?? 0;
        const full = staticMpa !== undefined && p >= staticMpa - judges.detection.filled_within_mpa;
        if (!full) return { state: 'running', code: 'filling', reason: `filling: ${p.toFixed(3)} MPa`, from: seg.startedAt, to: at, figures: { pressure_mpa: p } };
        return { state: 'passed', code: 'filled', reason: `filled to ${p.toFixed(3)} MPa (static ${staticMpa.toFixed(3)} MPa)`, from: seg.startedAt, to: at, figures: { pressure_mpa: p, static_mpa: staticMpa } };
      }
      case 'pressure_test': {
        const staticMpa = this.staticOf(substation, loop);
        if (seg.raiseWatch) return this.raiseVerdict(seg, staticMpa, this.deps.designs?.get(substation)?.volumeM3, at);
        const v = judgePressureTest(curve('secondary.supply_pressure'), judges.pressure_test, { ...(staticMpa === undefined ? {} : { staticMpa }), asOf: at, closed });
        // Isolated but never raised (make-up pausing at static): that was no test, and proves nothing either way.
        return v.code === 'not_at_test_pressure' && testPressureMpa(judges.pressure_test, staticMpa) !== undefined ? 'no_test' : v;
      }
      case 'cold_run': {
        const settled = at >= seg.startedAt + judges.cold_run.settle_min * 60_000;
        if (seg.leakAlarmAt === undefined && settled && this.deps.leakAlarm?.(substation)) seg.leakAlarmAt = at;
        const design = this.deps.designs?.get(substation);
        return judgeColdRun({ flow: curve('secondary.flow'), makeup: curve('makeup.flow') }, judges.cold_run, {
          ...(design?.designFlowM3h === undefined ? {} : { designFlowM3h: design.designFlowM3h }),
          ...(design?.volumeM3 === undefined ? {} : { volumeM3: design.volumeM3 }),
          ...(seg.leakAlarmAt === undefined ? {} : { leakAlarmAt: seg.leakAlarmAt }),
          asOf: at,
          closed,
        });
      }
      case 'hot_run':
        return judgeHotRun({ supply: curve('secondary.supply_temp'), setpoint: curve('secondary.supply_temp_setpoint'), indoorMin: curve('indoor.temp_min') }, judges.hot_run, { asOf: at });
      default:
        return undefined;
    }
  }

  /**
   * A filled loop on make-up: failed once make-up has run over its limit (makeupLimitM3h) for raise_max_min (from
   * the filling's pass on) without the loop reaching its test pressure: a tight loop is raised in
   * minutes, one that creeps up or not at all loses nearly what make-up gives; else no verdict.
   */
  private raiseVerdict(seg: Segment, staticMpa: number | undefined, volumeM3: number | undefined, at: number): Verdict | undefined {
    const params = this.deps.config.judges.pressure_test;
    const makeup = seg.curves.get('makeup.flow') ?? [];
    const pressure = seg.curves.get('secondary.supply_pressure') ?? [];
    const target = testPressureMpa(params, staticMpa);
    const reached = target !== undefined && pressure.some(([, p]) => p >= target - params.tolerance_mpa);
    const limit = makeupLimitM3h(params, volumeM3);
    const since = makeup.findLast(([, f]) => f <= limit)?.[0];
    const overFrom = since === undefined ? seg.startedAt : makeup.find(([t]) => t > since)?.[0];
    if (reached || overFrom === undefined || at - overFrom < params.raise_max_min * 60_000) return undefined;
    const flow = makeup.at(-1)?.[1] ?? 0;
    const top = pressure.reduce((m, [, p]) => Math.max(m, p), 0);
    return {
      state: 'failed',
      code: 'cannot_raise',
      reason: `make-up ran at ${round(flow, 2)} m³/h for ${round((at - overFrom) / 60_000, 0)} min and the loop stayed at ${round(top)} MPa, under its test pressure ${round(target ?? 0)} MPa: it loses more water than make-up gives`,
      from: overFrom,
      to: at,
      figures: { makeup_m3h: round(flow, 2), max_mpa: round(top), test_pressure_mpa: round(target ?? 0) },
    };
  }

  private update(loop: LoopState, check: PhaseCheck): void {
    const before = loop.checks.get(check.phase);
    if (before) this.dirty.delete(before);
    loop.checks.set(check.phase, check);
    this.dirty.add(check);
  }
}
