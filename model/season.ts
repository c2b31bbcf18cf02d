// The heating season's phases of a substation's secondary loop (issue 13), shared by the
// simulator that plays them and the season role that judges them from telemetry.

/** In the order a season start runs them; `hot` is today's plant (the default, no season). */
export const SEASON_PHASES = ['empty', 'filling', 'pressure_test', 'cold_run', 'hot'] as const;
export type SeasonPhase = (typeof SEASON_PHASES)[number];

export function isSeasonPhase(value: unknown): value is SeasonPhase {
  return typeof value === 'string' && (SEASON_PHASES as readonly string[]).includes(value);
}

/**
 * One step of a season scenario (`season:` beside `faults:` in a scenario file, or the
 * simulator's admin endpoint): at `at_s` simulated seconds after the start, the named loops
 * (all of them when neither `substations` nor `area` is given) enter `phase`.
 */
export interface SeasonEvent {
  at_s: number;
  phase: SeasonPhase;
  substations?: string[];
  /** The substations of one area, by its zh or en name (the network's `area`). */
  area?: string;
}

// ── The season plan and its checks (season/, helper E) ──────────────────────────────────────
// Every substation's checklist: one check per phase, judged from telemetry where data can judge
// it (season/watcher.ts), ticked by an engineer where not (inspection, 检修).

/** The checks of a substation's season, in the order the plant goes through them. */
export const CHECK_PHASES = ['inspection', 'filling', 'pressure_test', 'cold_run', 'hot_run'] as const;
export type CheckPhase = (typeof CHECK_PHASES)[number];
/** The checks data judges; the rest need an engineer's tick with a note. */
export const JUDGED_PHASES = ['filling', 'pressure_test', 'cold_run', 'hot_run'] as const satisfies readonly CheckPhase[];

export const CHECK_STATES = ['pending', 'running', 'passed', 'failed'] as const;
export type CheckState = (typeof CHECK_STATES)[number];

/** One sample of a curve: time (ms UTC) and value. */
export type Sample = readonly [t: number, value: number];

/** The curves a judgement rests on (tag → samples) over [from, to], and its figures (drop_mpa, held_min …). */
export interface Evidence {
  from: number;
  to: number;
  curves: Record<string, Sample[]>;
  figures: Record<string, number>;
}

export interface PhaseCheck {
  substation: string;
  phase: CheckPhase;
  state: CheckState;
  /** The judge ('season') or the engineer who ticked it; null while pending. */
  who: string | null;
  /** When the state last changed, ms UTC. */
  at: number | null;
  /** When the phase began at the substation (the first sign of it in the data), ms UTC. */
  startedAt: number | null;
  /** A stable reason code (held, drop, too_short, …) and the reason in words. */
  code: string;
  reason: string;
  evidence: Evidence | null;
  /** The work order a failure opened. */
  workOrder: number | null;
  /** An engineer's note with a manual tick. */
  note: string;
}
