import type { RuleOf } from '../config-schema.ts';
import type { View } from '../view.ts';
import type { RuleFactory } from './rule.ts';

// Composite: holds when every clause of any one group holds (pump.fault; or pump not running
// while the mode is not manual). A clause on a tag with no value yet cannot be decided.

type Clauses = RuleOf<'composite'>['any'][number];

/** True when every clause holds, null when one cannot be decided yet. */
function holds(group: Clauses, view: View): boolean | null {
  for (const clause of group) {
    const v = view.tag(clause.tag)?.value;
    if (v === undefined) return null;
    // Booleans and numbers compare by value: a status bit may arrive as 0/1.
    const x = Number(v);
    if ((clause.eq !== undefined && x !== Number(clause.eq)) || (clause.ne !== undefined && x === Number(clause.ne))) return false;
  }
  return true;
}

export const compositeRule: RuleFactory<'composite'> = (cfg) => ({
  aboutLink: false,
  evaluate({ view }) {
    let unknown = false;
    for (const group of cfg.any) {
      const h = holds(group, view);
      if (h === true) return true;
      unknown ||= h === null;
    }
    return unknown ? null : false;
  },
  /** The first clause of the group that holds: pump.fault, or pump.running before the mode. */
  explain(view) {
    const tag = (cfg.any.find((g) => holds(g, view) === true) ?? cfg.any[0])[0].tag;
    return { tag, value: view.tag(tag)?.value };
  },
});
