import type { PointValue, Quality } from '../../model/point.ts';
import type { StoredPoint, SubstationStatus } from '../../model/store.ts';
import type { TagName } from '../../model/tags.ts';

// The API's picture of the network: the newest value of every tag of every substation and its
// link state, seeded from the store at start and kept current by the live feed. REST reads it,
// socket.io pushes its changes; neither polls the store.

export type SubstationState = 'online' | 'offline' | 'stale' | 'alarm';

export interface LiveValue {
  value: PointValue;
  quality: Quality;
  ts: number;
}

export interface LivePoint extends LiveValue {
  tag: string;
}

interface Entry {
  /** From BIRTH/DEATH (or the store's statuses); undefined: never told. */
  online: boolean | undefined;
  values: Map<string, LiveValue>;
  /** When something was last heard of it, ms: receipt time for live data, the point's time for seeded data. */
  heardAt: number;
}

/** The tags of an overview row, in column order after [id, status]. */
export const OVERVIEW_TAGS = [
  'primary.supply_temp',
  'primary.return_temp',
  'secondary.supply_temp',
  'secondary.return_temp',
  'heat.power',
  'makeup.flow',
  'indoor.temp_min',
] as const satisfies readonly TagName[];

/** [id, status, t1s, t1r, t2s, t2r, heatKw, makeupM3h, indoorMinC]; null where no value is known. */
export type OverviewRow = [string, SubstationState, ...(number | null)[]];

const OVERVIEW_SET = new Set<string>(OVERVIEW_TAGS);
export const isOverviewTag = (tag: string): boolean => OVERVIEW_SET.has(tag);

export class LatestTable {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly staleAfterMs: number) {}

  /** The store's latest points and statuses: what a fresh API knows before MQTT says more. */
  seed(points: readonly StoredPoint[], statuses: readonly SubstationStatus[]): void {
    for (const p of points) this.set(p.substation, p.tag, { value: p.value, quality: p.quality, ts: p.ts }, p.ts);
    for (const s of statuses) this.setOnline(s.substation, s.online, s.ts);
  }

  /** Keeps the value unless an equal or newer one is held (a replay of old points does not go back in time). True when taken. */
  set(substation: string, tag: string, value: LiveValue, heardAt: number): boolean {
    const entry = this.entry(substation);
    entry.heardAt = Math.max(entry.heardAt, heardAt);
    const held = entry.values.get(tag);
    if (held && held.ts > value.ts) return false;
    entry.values.set(tag, value);
    return true;
  }

  setOnline(substation: string, online: boolean, heardAt: number): void {
    const entry = this.entry(substation);
    entry.online = online;
    entry.heardAt = Math.max(entry.heardAt, heardAt);
  }

  has(substation: string): boolean {
    return this.entries.has(substation);
  }

  substations(): string[] {
    return [...this.entries.keys()];
  }

  value(substation: string, tag: string): LiveValue | undefined {
    return this.entries.get(substation)?.values.get(tag);
  }

  points(substation: string): LivePoint[] {
    const entry = this.entries.get(substation);
    return entry ? [...entry.values].map(([tag, v]) => ({ tag, ...v })) : [];
  }

  /**
   * offline: its (or its edge node's) death was seen; stale: nothing heard for staleAfterMs;
   * alarm: mains power lost or pump drive fault; online otherwise (also for a substation never
   * heard of, which the network lists from its site list: offline then, as nothing is known).
   */
  status(substation: string, now: number): SubstationState {
    const entry = this.entries.get(substation);
    if (!entry || entry.online === false) return 'offline';
    if (now - entry.heardAt > this.staleAfterMs) return 'stale';
    if (entry.values.get('power.ok')?.value === false || entry.values.get('pump.fault')?.value === true) return 'alarm';
    return 'online';
  }

  overviewRow(substation: string, now: number): OverviewRow {
    const row: OverviewRow = [substation, this.status(substation, now)];
    for (const tag of OVERVIEW_TAGS) {
      const v = this.value(substation, tag)?.value;
      row.push(typeof v === 'number' ? v : null);
    }
    return row;
  }

  private entry(substation: string): Entry {
    let entry = this.entries.get(substation);
    if (!entry) {
      entry = { online: undefined, values: new Map(), heardAt: 0 };
      this.entries.set(substation, entry);
    }
    return entry;
  }
}
