import type { RuleFactory } from './rule.ts';

// The balancing loop froze the substation: its inputs are stale, so the loop writes nothing
// there until fresh data returns and the PLC runs on alone. The loop says so over MQTT
// (model/control-state.ts). About the link: it holds while the substation is silent too —
// that is when it matters most.

export const controlStaleRule: RuleFactory<'control-stale'> = () => ({
  aboutLink: true,
  evaluate({ view }) {
    return view.controlFrozen ?? null;
  },
});
