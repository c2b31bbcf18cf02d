import type { TagName } from '../../model/tags.ts';
import type { RuleFactory } from './rule.ts';

// Frozen value: a measurement unchanged to the last digit for a long time while the substation
// is plainly alive (its `moving` tag keeps changing). Holds if any of the tags is frozen. The
// same rule finds a stuck valve: its position stops following a loop that keeps working; with
// `moving_by` the loop's command must have travelled that far since the position froze, so a
// command that turns slowly (the top of a daily swing) does not look like a stuck valve.

export const frozenRule: RuleFactory<'frozen'> = (cfg) => {
  const scale = 10 ** cfg.digits;
  const since = new Map<TagName, { value: number; at: number; movingFrom: number | undefined }>();
  return {
    aboutLink: false,
    evaluate({ view, now }) {
      const moving = view.tag(cfg.moving);
      if (moving === undefined) return null;
      const alive = now - moving.changedAt < cfg.for_s * 1000;
      const movingValue = typeof moving.value === 'number' ? moving.value : undefined;
      const travelled = (from: number | undefined): boolean =>
        cfg.moving_by === undefined || (from !== undefined && movingValue !== undefined && Math.abs(movingValue - from) >= cfg.moving_by);
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
        if (held === undefined || held.value !== rounded) since.set(tag, { value: rounded, at: now, movingFrom: movingValue });
        else if (now - held.at >= cfg.for_s * 1000 && travelled(held.movingFrom)) frozen = true;
      }
      return alive && frozen;
    },
    /** The tag that has sat still longest. */
    explain(view) {
      const [tag] = [...since].sort((a, b) => a[1].at - b[1].at)[0] ?? [cfg.tags[0]];
      return { tag, value: view.number(tag) };
    },
  };
};
