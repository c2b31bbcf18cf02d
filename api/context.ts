import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';
import { HeatScadaError } from '../model/errors.ts';
import type { TimeSeriesStore } from '../model/store.ts';
import { TopologySchema, type NetworkTopology } from '../model/topology.ts';
import { validateDocument } from '../model/validate.ts';
import { initialsOf } from './initials.ts';
import type { LiveFeed } from './live/live-feed.ts';
import type { SubstationState } from './live/latest-table.ts';
import type { HttpCounters } from './metrics.ts';

// What every route plugin is given: the live picture, the store for history, the site list
// and, when the sites file describes it, the network's tree.

/** The simulator manifest carries the tree as its `network`. */
const ManifestTree = Type.Object({ network: TopologySchema });

export interface Site {
  id: string;
  name?: string;
  name_en?: string;
  /** Pinyin initials of the name (实验中学换热站 → syzxhrz), for search; absent for a name without Han characters. */
  initials?: string;
  location?: { lat: number; lon: number };
  /** The heat source's PLC reports through the same data path but is not a substation. */
  kind?: 'substation' | 'source';
}

export interface ApiContext {
  store: TimeSeriesStore;
  feed: LiveFeed;
  sites: ReadonlyMap<string, Site>;
  /** The network's tree and places, when the sites file describes them. */
  topology?: NetworkTopology;
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

/**
 * The sites, and the network's tree when the file has it: the simulator manifest (whose
 * `network` is the tree), a network description (YAML, or JSON with `junctions`) as a company
 * keeps it for its plant, or any JSON { substations: [{ id, name?, location? }] }.
 */
export function loadSiteFile(file: string): { sites: Site[]; topology?: NetworkTopology } {
  let doc: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    doc = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new HeatScadaError('HS_ERR_CONFIG_READ', (e as Error).message, file);
  }
  const record = (doc ?? {}) as Record<string, unknown>;
  const topology =
    'network' in record
      ? validateDocument(ManifestTree, doc, 'HS_ERR_CONFIG_INVALID', file).network
      : /\.ya?ml$/i.test(file) || 'junctions' in record
        ? validateDocument(TopologySchema, doc, 'HS_ERR_CONFIG_INVALID', file)
        : undefined;
  const { substations: rows, source } = record as { substations?: unknown; source?: { id?: unknown } };
  if (!Array.isArray(rows)) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'expected { substations: [...] }', file);
  const named = new Map(topology?.substations.map((s) => [s.id, s]));
  const sources: Site[] = typeof source?.id === 'string' ? [{ id: source.id, name: 'heat source', kind: 'source' }] : [];
  const sites = [...sources, ...rows.map((row: unknown, i): Site => {
    const { id, name, location } = (row ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string') throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'id must be a string', `${file}:substations[${i}].id`);
    const site: Site = { id };
    const entry = named.get(id);
    const siteName = typeof name === 'string' ? name : entry?.name;
    if (siteName !== undefined) site.name = siteName;
    if (entry?.name_en) site.name_en = entry.name_en;
    const initials = siteName === undefined ? undefined : initialsOf(siteName);
    if (initials) site.initials = initials;
    const loc = location as { lat?: unknown; lon?: unknown } | undefined;
    if (typeof loc?.lat === 'number' && typeof loc.lon === 'number') site.location = { lat: loc.lat, lon: loc.lon };
    return site;
  })];
  return topology ? { sites, topology } : { sites };
}
