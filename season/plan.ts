import { CHECK_PHASES, type CheckPhase } from '../model/season.ts';
import { deadlineMs, type SeasonConfig } from './config-schema.ts';

// The season's plan as the board reads it: for every substation its company, its area and the
// deadline of each phase (the area's, else its company's, else the plan's), in ms UTC.

export interface PlanEntry {
  substation: string;
  company: string | null;
  area: string | null;
  deadlines: Record<CheckPhase, number>;
}

export interface SeasonPlan {
  season: string;
  /** The plan's own deadlines (a substation in no area has these). */
  deadlines: Record<CheckPhase, number>;
  companies: { id: string; name: string; areas: { id: string; name: string; substations: string[]; deadlines: Record<CheckPhase, number> }[] }[];
  entries: PlanEntry[];
}

export function buildPlan(config: SeasonConfig, substations: readonly string[]): SeasonPlan {
  const resolve = (layers: Partial<Record<CheckPhase, string>>[], at: string): Record<CheckPhase, number> =>
    Object.fromEntries(
      CHECK_PHASES.map((p) => {
        const text = layers.map((l) => l[p]).find((t) => t !== undefined) ?? config.deadlines[p];
        return [p, deadlineMs(text, config.utc_offset, `${at}/deadlines/${p}`)];
      }),
    ) as Record<CheckPhase, number>;
  const deadlines = resolve([], '');
  const companies = config.companies.map((c, i) => ({
    id: c.id,
    name: c.name ?? c.id,
    areas: c.areas.map((a, k) => ({ id: a.id, name: a.name ?? a.id, substations: a.substations, deadlines: resolve([a.deadlines, c.deadlines], `/companies/${i}/areas/${k}`) })),
  }));
  const placed = new Map<string, PlanEntry>();
  for (const c of companies) for (const a of c.areas) for (const s of a.substations) placed.set(s, { substation: s, company: c.id, area: a.id, deadlines: a.deadlines });
  const all = [...new Set([...substations, ...placed.keys()])].sort();
  return { season: config.season, deadlines, companies, entries: all.map((s) => placed.get(s) ?? { substation: s, company: null, area: null, deadlines }) };
}
