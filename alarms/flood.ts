// Flood detection (EEMUA 191): `count` or more annunciated alarms within `window` is a flood. The
// alarms of the burst that started it and every one raised while it lasts go into one group, so
// the operator sees one flood line, not dozens. The flood ends when the rate falls back below.

export interface FloodDecision {
  /** The group the new alarm belongs to, if a flood is on. */
  group: number | null;
  /** Alarms raised earlier in the window that the newly opened group takes in. */
  joined: number[];
  opened: boolean;
}

export class FloodDetector {
  private recent: { at: number; alarmId: number }[] = [];
  private group: { id: number; size: number } | null = null;

  constructor(
    private readonly count: number,
    private readonly windowMs: number,
    private readonly openGroup: (at: number) => number,
    private readonly closeGroup: (id: number, size: number, at: number) => void,
  ) {}

  /** Called for every annunciated activation, in time order. */
  activation(alarmId: number, at: number): FloodDecision {
    this.expire(at);
    this.recent.push({ at, alarmId });
    if (this.group) {
      this.group.size++;
      return { group: this.group.id, joined: [], opened: false };
    }
    if (this.recent.length < this.count) return { group: null, joined: [], opened: false };
    this.group = { id: this.openGroup(at), size: this.recent.length };
    return { group: this.group.id, joined: this.recent.slice(0, -1).map((r) => r.alarmId), opened: true };
  }

  /** Ends a flood whose rate has fallen below the threshold; returns its id if it ended. */
  tick(at: number): number | null {
    this.expire(at);
    if (!this.group || this.recent.length >= this.count) return null;
    const ended = this.group;
    this.group = null;
    this.closeGroup(ended.id, ended.size, at);
    return ended.id;
  }

  get current(): number | null {
    return this.group?.id ?? null;
  }

  private expire(at: number): void {
    while (this.recent.length > 0 && this.recent[0].at <= at - this.windowMs) this.recent.shift();
  }
}
