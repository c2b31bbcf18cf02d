import { isSilent, type RuleFactory } from './rule.ts';

// Communication loss: a Sparkplug DEATH (NDEATH for the edge node, DDEATH for the PLC) or no data
// for some poll periods. With while_neighbours_report it holds only when others still report:
// one PLC silent among live neighbours is a local cause (the power-loss rule uses it).

export const commLossRule: RuleFactory<'comm-loss'> = (cfg) => ({
  aboutLink: true,
  evaluate({ view, now, pollPeriodMs, neighboursReporting }) {
    if (view.lastDataAt === undefined && view.online) return null;
    const silent = isSilent(view, now, pollPeriodMs, cfg.polls);
    return cfg.while_neighbours_report ? silent && neighboursReporting > 0 : silent;
  },
});
