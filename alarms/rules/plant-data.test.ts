import { describe, expect, it } from 'vitest';
import { SubstationView } from '../view.ts';
import { badQualityRule } from './bad-quality.ts';
import { clockRule } from './clock.ts';

const ctx = (view: SubstationView) => ({ view, now: 0, active: false, pollPeriodMs: 1000, neighboursReporting: 1 });
const delays = { on_delay_s: 0, off_delay_s: 0 };

describe('bad-quality and clock rules', () => {
  it('bad-quality holds while a watched tag stands bad, and names it; its value is judged by no value rule', () => {
    const view = new SubstationView('S1', new Set(), 0);
    const rule = badQualityRule({ kind: 'bad-quality', ...delays });
    view.set('primary.flow', 120, 1, 'good');
    expect(rule.evaluate(ctx(view))).toBe(false);
    view.set('primary.flow', 120, 2, 'bad');
    expect(rule.evaluate(ctx(view))).toBe(true);
    expect(rule.explain?.(view)).toMatchObject({ tag: 'primary.flow' });
    expect(view.number('primary.flow')).toBeUndefined();
    expect(badQualityRule({ kind: 'bad-quality', tags: ['secondary.supply_temp'], ...delays }).evaluate(ctx(view))).toBe(false);
  });

  it("clock holds when the PLC's clock is further off the point's time than allowed, either way", () => {
    const rule = clockRule({ kind: 'clock', tag: 'plc.clock', max_offset_s: 30, ...delays });
    const view = new SubstationView('S1', new Set(), 0);
    expect(rule.evaluate(ctx(view))).toBeNull();
    const ts = Date.UTC(2026, 0, 15, 6, 0, 0, 900);
    view.set('plc.clock', Math.floor(ts / 1000), 5, 'good', ts);
    expect(rule.evaluate(ctx(view))).toBe(false);
    view.set('plc.clock', ts / 1000 + 3600, 6, 'good', ts);
    expect(rule.evaluate(ctx(view))).toBe(true);
    expect(rule.explain?.(view)).toEqual({ tag: 'plc.clock', value: 3600 });
    view.set('plc.clock', ts / 1000 - 31, 7, 'good', ts);
    expect(rule.evaluate(ctx(view))).toBe(true);
    view.set('plc.clock', ts / 1000 - 31, 8, 'bad', ts);
    expect(rule.evaluate(ctx(view))).toBeNull();
  });
});
