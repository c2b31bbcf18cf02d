import { CHECK_PHASES, type CheckPhase, type PhaseCheck } from '../model/season.ts';
import type { SeasonPlan } from './plan.ts';

// The season board: for every phase how many substations are done of how many, against the
// deadline; the late ones first (not passed by their deadline, or failed), and when the last one
// will be done at the pace so far (passes per hour since the phase's first one began).

export interface BoardRow {
  substation: string;
  company: string | null;
  area: string | null;
  state: PhaseCheck['state'];
  deadline: number;
  late: boolean;
  code: string;
  reason: string;
  at: number | null;
  workOrder: number | null;
}

export interface PhaseBoard {
  phase: CheckPhase;
  total: number;
  passed: number;
  failed: number;
  running: number;
  pending: number;
  late: number;
  /** passed / total. */
  share: number;
  /** The earliest and latest deadline of the phase over the plan's areas, ms UTC. */
  deadline: number;
  lastDeadline: number;
  /** When the last substation will be done at the pace so far; null without a pass yet. */
  forecastDoneAt: number | null;
  /** The forecast is after the last deadline. */
  atRisk: boolean;
  /** Every substation not yet passed: late ones first, then by deadline. */
  open: BoardRow[];
}

export interface SeasonBoard {
  season: string;
  at: number;
  phases: PhaseBoard[];
}

export function buildBoard(plan: SeasonPlan, checks: readonly PhaseCheck[], now: number): SeasonBoard {
  const byKey = new Map(checks.map((c) => [`${c.substation}/${c.phase}`, c]));
  const phases = CHECK_PHASES.map((phase): PhaseBoard => {
    const rows: BoardRow[] = plan.entries.map((e) => {
      const c = byKey.get(`${e.substation}/${phase}`);
      const state = c?.state ?? 'pending';
      const deadline = e.deadlines[phase];
      return {
        substation: e.substation,
        company: e.company,
        area: e.area,
        state,
        deadline,
        late: state === 'failed' || (state !== 'passed' && now > deadline),
        code: c?.code ?? '',
        reason: c?.reason ?? '',
        at: c?.at ?? null,
        workOrder: c?.workOrder ?? null,
      };
    });
    const count = (s: PhaseCheck['state']) => rows.filter((r) => r.state === s).length;
    const passed = count('passed');
    const total = rows.length;
    const deadlines = rows.map((r) => r.deadline);
    const deadline = Math.min(...deadlines);
    const lastDeadline = Math.max(...deadlines);
    const forecastDoneAt = forecast(rows, checks.filter((c) => c.phase === phase), now);
    return {
      phase,
      total,
      passed,
      failed: count('failed'),
      running: count('running'),
      pending: count('pending'),
      late: rows.filter((r) => r.late).length,
      share: total === 0 ? 0 : passed / total,
      deadline,
      lastDeadline,
      forecastDoneAt,
      atRisk: forecastDoneAt === null ? now > deadline : forecastDoneAt > lastDeadline,
      open: rows.filter((r) => r.state !== 'passed').sort((a, b) => Number(b.late) - Number(a.late) || a.deadline - b.deadline || a.substation.localeCompare(b.substation)),
    };
  });
  return { season: plan.season, at: now, phases };
}

/** The last pass at the pace so far: (passed) over (now − the phase's first start), extended over what is left. */
function forecast(rows: readonly BoardRow[], checks: readonly PhaseCheck[], now: number): number | null {
  const passes = rows.filter((r) => r.state === 'passed');
  if (passes.length === 0) return null;
  const lastPass = Math.max(...passes.map((r) => r.at ?? now));
  const left = rows.length - passes.length;
  if (left === 0) return lastPass;
  const begun = Math.min(...checks.map((c) => c.startedAt ?? c.at ?? now));
  const perMs = passes.length / Math.max(1, now - begun);
  return now + left / perMs;
}
