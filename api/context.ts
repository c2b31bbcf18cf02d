import { readFileSync } from 'node:fs';
import { HeatScadaError } from '../model/errors.ts';
import type { TimeSeriesStore } from '../model/store.ts';
import type { LiveFeed } from './live/live-feed.ts';
import type { SubstationState } from './live/latest-table.ts';
import type { HttpCounters } from './metrics.ts';

// What every route plugin is given: the live picture, the store for history, the site list.

export interface Site {
  id: string;
  name?: string;
  location?: { lat: number; lon: number };
  /** The heat source's PLC reports through the same data path but is not a substation. */
  kind?: 'substation' | 'source';
}

export interface ApiContext {
  store: TimeSeriesStore;
  feed: LiveFeed;
  sites: ReadonlyMap<string, Site>;
  http: HttpCounters;
  startedAt: number;
  liveClients(): number;
  pointsPushed(): number;
}

/** Every substation: those of the site list and those the data has named (the heat source left out), sorted by id. */
export function substationIds(ctx: ApiContext): string[] {
  const ids = new Set([...ctx.sites.keys(), ...ctx.feed.table.substations()]);
  for (const [id, site] of ctx.sites) if (site.kind === 'source') ids.delete(id);
  return [...ids].sort();
}

export const knows = (ctx: ApiContext, id: string): boolean => ctx.sites.has(id) || ctx.feed.table.has(id);

export function statusCounts(ctx: ApiContext, now: number): Record<SubstationState, number> {
  const counts: Record<SubstationState, number> = { online: 0, offline: 0, stale: 0, alarm: 0 };
  for (const id of substationIds(ctx)) counts[ctx.feed.table.status(id, now)]++;
  return counts;
}

/** Sites from the simulator manifest (data/sim-endpoints.json: substations with id and location). */
export function loadSites(file: string): Site[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new HeatScadaError('HS_ERR_CONFIG_READ', (e as Error).message, file);
  }
  const { substations: rows, source } = doc as { substations?: unknown; source?: { id?: unknown } };
  if (!Array.isArray(rows)) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'expected { substations: [...] }', file);
  const sources: Site[] = typeof source?.id === 'string' ? [{ id: source.id, name: 'heat source', kind: 'source' }] : [];
  return [...sources, ...rows.map((row: unknown, i): Site => {
    const { id, name, location } = (row ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string') throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'id must be a string', `${file}:substations[${i}].id`);
    const site: Site = { id };
    if (typeof name === 'string') site.name = name;
    const loc = location as { lat?: unknown; lon?: unknown } | undefined;
    if (typeof loc?.lat === 'number' && typeof loc.lon === 'number') site.location = { lat: loc.lat, lon: loc.lon };
    return site;
  })];
}
