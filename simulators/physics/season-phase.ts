import { SEASON_PHASES, type SeasonPhase } from '../../model/season.ts';

/** A phase as the number kept in the state's `seasonPhase` array (its place in SEASON_PHASES). */
export const PHASE_CODE = Object.fromEntries(SEASON_PHASES.map((p, k) => [p, k])) as Record<SeasonPhase, number>;

export function phaseOfCode(code: number): SeasonPhase {
  return SEASON_PHASES[code];
}
