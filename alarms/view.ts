import type { RoleStatus } from '../model/role-status.ts';
import type { Quality } from '../model/point.ts';
import type { Category, ComplaintEvent } from '../model/service.ts';
import type { TagName } from '../model/tags.ts';

// What the rules see of one substation (or, for network alarms, of the median substation):
// the latest value of each tag with when it arrived and when it last changed, a short history
// of the tags that rate rules need, the Sparkplug link state, and the residents' complaints of
// the last hours (model/service.ts). Times are the engine's clock; a complaint's is its receivedAt,
// a point's own time (ts: the collector's clock when it read the PLC) is kept beside. A value of bad
// quality is kept with its quality but judged by no value rule: number() has none for it.

export type Value = number | boolean;

export interface TagState {
  value: Value;
  /** When the value last arrived (a refresh of the same value counts). */
  at: number;
  /** When the value last differed from the one before. */
  changedAt: number;
  quality: Quality;
  /** The point's own time (ms UTC, the collector's clock); the arrival time when it came without one. */
  ts: number;
}

export interface View {
  readonly id: string;
  tag(tag: TagName): TagState | undefined;
  /** The numeric value of a tag, if it has one of good or uncertain quality. */
  number(tag: TagName): number | undefined;
  /** The tag's value as it was at t (the last sample at or before t), from the kept history. */
  numberAt(tag: TagName, t: number): number | undefined;
  /** When any data of the substation last arrived. */
  readonly lastDataAt: number | undefined;
  /** The Sparkplug link: false after a DEATH until the next BIRTH. */
  readonly online: boolean;
  /** The balancing loop's stale-data guard holds this substation (model/control-state.ts); undefined: no word from the loop. */
  readonly controlFrozen?: boolean;
  /** Complaints received at or after t (of these categories only, when given), each counted once. */
  complaintsSince(t: number, categories?: readonly Category[]): number;
  /** Since when complaints are heard (the engine's start): before it the count may miss some. */
  readonly complaintsHeardFrom: number;
  /** A platform role's own word on its health (model/role-status.ts): only in the views of `scope: role` alarms. */
  readonly roleStatus?: RoleStatus;
}

interface Sample {
  at: number;
  value: number;
}

type HeardComplaint = Pick<ComplaintEvent, 'complaint' | 'receivedAt' | 'category'>;

/** Keeps samples of the history tags for `keepMs`, dropping older ones as new ones come. */
export class SubstationView implements View {
  private readonly tags = new Map<TagName, TagState>();
  private readonly history = new Map<TagName, Sample[]>();
  /** Only those received within the engine's longest complaint window (a few, even in a cold spell). */
  private complaints: HeardComplaint[] = [];
  lastDataAt: number | undefined;
  online = true;
  controlFrozen: boolean | undefined;
  roleStatus: RoleStatus | undefined;

  constructor(
    readonly id: string,
    private readonly historyTags: ReadonlySet<TagName>,
    private readonly keepMs: number,
    readonly complaintsHeardFrom = Number.NEGATIVE_INFINITY,
  ) {}

  /** Keeps a complaint received at or after `keepFrom`, once (QoS 1 may deliver it twice); drops those before it. */
  complaint(event: HeardComplaint, keepFrom: number): void {
    // By receivedAt, not arrival: a late or imported complaint may come after newer ones.
    this.complaints = this.complaints.filter((c) => c.receivedAt >= keepFrom);
    if (event.receivedAt < keepFrom || this.complaints.some((c) => c.complaint === event.complaint)) return;
    this.complaints.push({ complaint: event.complaint, receivedAt: event.receivedAt, category: event.category });
  }

  complaintsSince(t: number, categories?: readonly Category[]): number {
    let n = 0;
    for (const c of this.complaints) if (c.receivedAt >= t && (categories === undefined || categories.includes(c.category))) n++;
    return n;
  }

  set(tag: TagName, value: Value, at: number, quality: Quality = 'good', ts: number = at): void {
    const held = this.tags.get(tag);
    this.tags.set(tag, { value, at, changedAt: held === undefined || held.value !== value ? at : held.changedAt, quality, ts });
    this.lastDataAt = at;
    if (typeof value === 'number' && quality !== 'bad' && this.historyTags.has(tag)) {
      let samples = this.history.get(tag);
      if (!samples) this.history.set(tag, (samples = []));
      samples.push({ at, value });
      // Keep one sample older than the window so a change over the whole window can be measured.
      let drop = 0;
      while (drop + 1 < samples.length && samples[drop + 1].at <= at - this.keepMs) drop++;
      if (drop > 0) samples.splice(0, drop);
    }
  }

  tag(tag: TagName): TagState | undefined {
    return this.tags.get(tag);
  }

  number(tag: TagName): number | undefined {
    const held = this.tags.get(tag);
    return held !== undefined && held.quality !== 'bad' && typeof held.value === 'number' ? held.value : undefined;
  }

  numberAt(tag: TagName, t: number): number | undefined {
    const samples = this.history.get(tag);
    if (!samples) return undefined;
    let found: number | undefined;
    for (const s of samples) {
      if (s.at > t) break;
      found = s.value;
    }
    return found;
  }
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
