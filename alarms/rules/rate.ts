import type { RuleFactory } from './rule.ts';

// Rate of change: the change of a tag over the last window, per minute (a pressure falling
// faster than a pump can explain, a sensor jumping, the outdoor temperature dropping).

export const rateRule: RuleFactory<'rate'> = (cfg) => ({
  aboutLink: false,
  evaluate({ view, now }) {
    const v = view.number(cfg.tag);
    const before = view.numberAt(cfg.tag, now - cfg.window_s * 1000);
    if (v === undefined || before === undefined) return null;
    const perMin = ((v - before) * 60) / cfg.window_s;
    if (cfg.direction === 'rise') return perMin > cfg.per_min;
    if (cfg.direction === 'fall') return -perMin > cfg.per_min;
    return Math.abs(perMin) > cfg.per_min;
  },
});
