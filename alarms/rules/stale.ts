import type { RuleFactory } from './rule.ts';

// Stale: no data from the substation for some poll periods, whatever the link state says.

export const staleRule: RuleFactory<'stale'> = (cfg) => ({
  aboutLink: true,
  evaluate({ view, now, pollPeriodMs }) {
    if (view.lastDataAt === undefined) return null;
    return now - view.lastDataAt > cfg.polls * pollPeriodMs;
  },
});
