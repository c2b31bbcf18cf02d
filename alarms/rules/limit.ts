import type { RuleFactory } from './rule.ts';

// HH/H/L/LL on a tag (or on tag − minus, a deviation from a setpoint). The deadband keeps a value
// sitting on the limit from chattering: an active alarm returns only once the value is the
// deadband back inside.

export const limitRule: RuleFactory<'limit'> = (cfg) => {
  const above = cfg.level === 'HH' || cfg.level === 'H';
  return {
    aboutLink: false,
    evaluate({ view, active }) {
      const v = view.number(cfg.tag);
      const minus = cfg.minus === undefined ? 0 : view.number(cfg.minus);
      if (v === undefined || minus === undefined) return null;
      if (cfg.only_if) {
        const g = view.number(cfg.only_if.tag);
        if (g === undefined) return null;
        if ((cfg.only_if.above !== undefined && !(g > cfg.only_if.above)) || (cfg.only_if.below !== undefined && !(g < cfg.only_if.below))) return false;
      }
      const x = v - minus;
      const band = active ? cfg.deadband : 0;
      return above ? x > cfg.threshold - band : x < cfg.threshold + band;
    },
  };
};
