import type { RuleFactory } from './rule.ts';

// Composite: holds when every clause of any one group holds (pump.fault; or pump not running
// while the mode is not manual). A clause on a tag with no value yet cannot be decided.

export const compositeRule: RuleFactory<'composite'> = (cfg) => ({
  aboutLink: false,
  evaluate({ view }) {
    let unknown = false;
    for (const group of cfg.any) {
      let all = true;
      for (const clause of group) {
        const v = view.tag(clause.tag)?.value;
        if (v === undefined) {
          unknown = true;
          all = false;
          break;
        }
        // Booleans and numbers compare by value: a status bit may arrive as 0/1.
        const x = Number(v);
        if ((clause.eq !== undefined && x !== Number(clause.eq)) || (clause.ne !== undefined && x === Number(clause.ne))) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
    return unknown ? null : false;
  },
});
