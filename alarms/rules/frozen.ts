import type { RuleFactory } from './rule.ts';

// Frozen value: a measurement unchanged to the last digit for a long time while the substation
// is plainly alive (its `moving` tag keeps changing). Holds if any of the tags is frozen. The
// same rule finds a stuck valve: its position stops following a loop that keeps working.

export const frozenRule: RuleFactory<'frozen'> = (cfg) => {
  const scale = 10 ** cfg.digits;
  const since = new Map<string, { value: number; at: number }>();
  return {
    aboutLink: false,
    evaluate({ view, now }) {
      const moving = view.tag(cfg.moving);
      if (moving === undefined) return null;
      const alive = now - moving.changedAt < cfg.for_s * 1000;
      let frozen = false;
      for (const tag of cfg.tags) {
        const v = view.number(tag);
        if (v === undefined) continue;
        if (cfg.between && !(v > cfg.between[0] && v < cfg.between[1])) {
          since.delete(tag);
          continue;
        }
        const rounded = Math.round(v * scale);
        const held = since.get(tag);
        if (held === undefined || held.value !== rounded) since.set(tag, { value: rounded, at: now });
        else if (now - held.at >= cfg.for_s * 1000) frozen = true;
      }
      return alive && frozen;
    },
  };
};
