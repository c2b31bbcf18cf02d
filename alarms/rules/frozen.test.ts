import { describe, expect, it } from 'vitest';
import { validateDocument } from '../../model/validate.ts';
import { FrozenRuleSchema } from '../config-schema.ts';
import { SubstationView } from '../view.ts';
import { frozenRule } from './frozen.ts';

const MIN = 60_000;

/** A valve rule as config/alarm-rules.yaml has it: position frozen to 0.01 % for 30 min while its command travelled 0.5 %. */
function valveRule() {
  const cfg = validateDocument(FrozenRuleSchema, { kind: 'frozen', tags: ['primary.valve_position'], digits: 2, for_s: 1800, moving: 'primary.valve_setpoint', moving_by: 0.5, between: [5.5, 99.5] }, 'HS_ERR_CONFIG_INVALID');
  return frozenRule(cfg);
}

/** Feeds 40 minutes, a sample a minute, and says whether the rule held at the end. */
function run(position: (m: number) => number, command: (m: number) => number): boolean | null {
  const rule = valveRule();
  const view = new SubstationView('S1', new Set(), 0);
  let held: boolean | null = null;
  for (let m = 0; m <= 40; m++) {
    view.set('primary.valve_position', position(m), m * MIN);
    view.set('primary.valve_setpoint', command(m), m * MIN);
    held = rule.evaluate({ view, now: m * MIN, active: false, pollPeriodMs: MIN, neighboursReporting: 0 });
  }
  return held;
}

describe('frozen rule with moving_by', () => {
  it('holds for a valve that stays put while its command walks away', () => {
    expect(run(() => 59.3, (m) => 59.3 + m * 0.05)).toBe(true);
  });

  it('does not hold at the turn of a slow swing, where the command barely moves and the valve follows it', () => {
    const turning = (m: number) => 59.32 + 0.000002 * (m - 20) ** 2;
    expect(run(turning, turning)).toBe(false);
  });
});
