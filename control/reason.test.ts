import { describe, expect, it } from 'vitest';
import { decisionReason } from './reason.ts';

describe('the one-line reason of a decision', () => {
  it('says the cause and the action, valve moves in % and setpoints from → to', () => {
    expect(decisionReason({ kind: 'write', cause: 'coldest home 16.8 °C < 18.3 °C', tag: 'primary.valve_setpoint', from: 40, to: 44 })).toBe('coldest home 16.8 °C < 18.3 °C: open valve 4.0 %');
    expect(decisionReason({ kind: 'write', cause: 'c', tag: 'primary.valve_setpoint', from: 40, to: 38 })).toBe('c: close valve 2.0 %');
    expect(decisionReason({ kind: 'write', cause: 'c', tag: 'primary.valve_setpoint', from: 40, to: 40 })).toBe('c: rewrite valve 40 % (keep-alive)');
    expect(decisionReason({ kind: 'write', cause: 'c', tag: 'secondary.supply_temp_setpoint', from: 50, to: 52.25 })).toBe('c: supply setpoint 50.0 → 52.3 °C');
  });

  it('says why nothing is written', () => {
    expect(decisionReason({ kind: 'hold', cause: 'coldest home 18.3 °C = 18.3 °C' })).toBe('coldest home 18.3 °C = 18.3 °C: setpoint already at the target, hold');
    expect(decisionReason({ kind: 'waiting', cause: 'c', tag: 'primary.valve_setpoint', from: 40, to: 43, because: 'last write 60 s ago' })).toBe('c: open valve 3.0 %, waiting (last write 60 s ago)');
    expect(decisionReason({ kind: 'stale', ageS: 400 })).toBe('stale data (400 s old): frozen');
    expect(decisionReason({ kind: 'held', note: 'HS_ERR_PLC_MODE: refused' })).toBe('write refused: held (HS_ERR_PLC_MODE: refused)');
    expect(decisionReason({ kind: 'manual', by: 'person' })).toMatch(/by hand/);
  });
});
