import { describe, expect, it } from 'vitest';
import { causeText, decisionReason, REASON_EN, type Cause, type ReasonKey, type Wording } from './reason.ts';

const cold: Cause = { kind: 'coldest_home', indoorC: 16.8, targetC: 18.3, liftK: null };
const c: Cause = { kind: 'no_indoor', offK: -1.24, liftK: null };

describe('the one-line reason of a decision', () => {
  it('says the cause and the action, valve moves in % and setpoints from → to', () => {
    expect(decisionReason({ kind: 'write', cause: cold, tag: 'primary.valve_setpoint', from: 40, to: 44 })).toBe('coldest home 16.8 °C < 18.3 °C: open valve 4.0 %');
    expect(decisionReason({ kind: 'write', cause: c, tag: 'primary.valve_setpoint', from: 40, to: 38 })).toBe("no indoor sensors: return 1.2 K below the curve's: close valve 2.0 %");
    expect(decisionReason({ kind: 'write', cause: c, tag: 'primary.valve_setpoint', from: 40, to: 40 })).toMatch(/: rewrite valve 40 % \(keep-alive\)$/);
    expect(decisionReason({ kind: 'write', cause: c, tag: 'secondary.supply_temp_setpoint', from: 50, to: 52.25 })).toMatch(/: supply setpoint 50\.0 → 52\.3 °C$/);
    expect(decisionReason({ kind: 'write', cause: c, tag: 'secondary.supply_temp_setpoint', from: null, to: 52.25 })).toMatch(/: supply setpoint 52\.3 °C$/);
  });

  it('words the cause from its figures: the comparison at the precision shown, the return either side, the lift', () => {
    expect(causeText({ ...cold, indoorC: 18.26 })).toBe('coldest home 18.3 °C = 18.3 °C');
    expect(causeText({ ...cold, indoorC: 19.5 })).toBe('coldest home 19.5 °C > 18.3 °C');
    expect(causeText({ kind: 'no_indoor', offK: 0.96, liftK: null })).toBe("no indoor sensors: return 1.0 K above the curve's");
    expect(causeText({ ...cold, liftK: 2.04 })).toBe("coldest home 16.8 °C < 18.3 °C; return below the network's floor: lifted +2.0 K");
    expect(causeText({ ...cold, indoorC: 18.6, snap: { forecastC: -24.96, inH: 5.5 } })).toBe('coldest home 18.6 °C > 18.3 °C; cold snap forecast (-25.0 °C in 5.5 h): homes warmed ahead');
  });

  it('says why nothing is written', () => {
    expect(decisionReason({ kind: 'hold', cause: { ...cold, indoorC: 18.3 } })).toBe('coldest home 18.3 °C = 18.3 °C: setpoint already at the target, hold');
    expect(decisionReason({ kind: 'waiting', cause: cold, tag: 'primary.valve_setpoint', from: 40, to: 43, because: 'last write 60 s ago' })).toBe('coldest home 16.8 °C < 18.3 °C: open valve 3.0 %, waiting (last write 60 s ago)');
    expect(decisionReason({ kind: 'stale', ageS: 400 })).toBe('stale data (400 s old): frozen');
    expect(decisionReason({ kind: 'held', note: 'HS_ERR_PLC_MODE: refused' })).toBe('write refused: held (HS_ERR_PLC_MODE: refused)');
    expect(decisionReason({ kind: 'manual', by: 'person' })).toMatch(/by hand/);
    expect(decisionReason({ kind: 'manual', by: 'plc' })).toMatch(/^PLC in manual/);
  });

  it('words every part through the wording given, so another language needs only its templates', () => {
    const used = new Set<ReasonKey>();
    const tagged: Wording = (key, vars) => (used.add(key), `<${key}${Object.entries(vars ?? {}).map(([k, v]) => ` ${k}=${v}`).join('')}>`);
    expect(decisionReason({ kind: 'write', cause: { ...cold, liftK: 1 }, tag: 'primary.valve_setpoint', from: 40, to: 44 }, tagged)).toBe(
      '<reason.write cause=<reason.cause.lifted need=<reason.cause.coldest_home indoor=16.8 cmp=< target=18.3> k=1.0> action=<reason.valve.open d=4.0>>',
    );
    expect(decisionReason({ kind: 'hold', cause: { ...c, snap: { forecastC: -25, inH: 4 } } }, tagged)).toBe('<reason.hold cause=<reason.cause.snap need=<reason.cause.no_indoor.below k=1.2> t=-25.0 h=4.0>>');
    for (const d of [
      { kind: 'waiting', cause: c, tag: 'primary.valve_setpoint', from: 40, to: 39, because: 'b' },
      { kind: 'write', cause: { ...c, offK: 1 }, tag: 'primary.valve_setpoint', from: 40, to: 40 },
      { kind: 'hold', cause: c },
      { kind: 'write', cause: c, tag: 'secondary.supply_temp_setpoint', from: 50, to: 51 },
      { kind: 'write', cause: c, tag: 'secondary.supply_temp_setpoint', from: null, to: 51 },
      { kind: 'write', cause: c, tag: 'pump.frequency_setpoint', from: null, to: 40 },
      { kind: 'write', cause: c, tag: 'source.supply_offset_setpoint', from: null, to: 2 },
      { kind: 'stale', ageS: 1 },
      { kind: 'held', note: 'n' },
      { kind: 'manual', by: 'person' },
      { kind: 'manual', by: 'plc' },
    ] as const) expect(decisionReason(d, tagged)).toMatch(/^<reason\.[^>]*(<[^<>]*>[^<>]*)*>$/);
    // Every template is reached: none is dead, and a translation of them all covers every decision.
    expect([...used].sort()).toEqual((Object.keys(REASON_EN) as ReasonKey[]).sort());
  });
});
