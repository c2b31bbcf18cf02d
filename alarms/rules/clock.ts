import type { View } from '../view.ts';
import type { RuleFactory } from './rule.ts';

// PLC clock: the PLC's own clock (plc.clock, whole seconds) against the time the collector
// stamped on that very reading, its own clock. Stored times never come from the PLC (collectors
// stamp points themselves), so a wrong PLC clock corrupts no data: it is a maintenance matter,
// but its trend logs and schedules are wrong, and a jump often means a reset PLC.

export const clockRule: RuleFactory<'clock'> = (cfg) => {
  /** The PLC's clock minus the collector's, s; undefined without a trustworthy reading. */
  const offsetS = (view: View): number | undefined => {
    const clock = view.tag(cfg.tag);
    if (clock === undefined || clock.quality === 'bad' || typeof clock.value !== 'number') return undefined;
    return clock.value - clock.ts / 1000;
  };
  return {
    aboutLink: false,
    evaluate({ view }) {
      const offset = offsetS(view);
      // The clock counts whole seconds: a true clock reads up to 1 s behind.
      return offset === undefined ? null : Math.abs(offset + 0.5) > cfg.max_offset_s;
    },
    /** The offset in seconds, PLC ahead positive: what the crew sets the clock by. */
    explain(view) {
      const offset = offsetS(view);
      return { tag: cfg.tag, value: offset === undefined ? undefined : Math.round(offset) };
    },
  };
};
