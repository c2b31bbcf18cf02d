import { describe, expect, it } from 'vitest';
import { tagDefinition } from '../model/tags.ts';
import { readingFault } from './point-quality.ts';

describe('reading quality by the catalogue', () => {
  const supply = tagDefinition('secondary.supply_temp');

  it('takes a reading inside the range, its ends included', () => {
    expect(readingFault(supply, 55.2)).toBeUndefined();
    expect(readingFault(supply, supply.min)).toBeUndefined();
    expect(readingFault(supply, supply.max)).toBeUndefined();
    expect(readingFault(tagDefinition('pump.running'), true)).toBeUndefined();
  });

  it('refuses NaN and infinities, setpoints included', () => {
    expect(readingFault(supply, Number.NaN)).toBe('not_a_number');
    expect(readingFault(supply, Number.POSITIVE_INFINITY)).toBe('not_a_number');
    expect(readingFault(tagDefinition('primary.valve_setpoint'), Number.NaN)).toBe('not_a_number');
  });

  it("refuses a measurement outside its physical range, as a Modbus card's wire-break code", () => {
    expect(readingFault(supply, 100.1)).toBe('out_of_range');
    expect(readingFault(supply, -0.1)).toBe('out_of_range');
    expect(readingFault(supply, 0x7fff / 10)).toBe('out_of_range');
  });

  it("leaves a setpoint outside its write envelope alone: the PLC's own loop may go there", () => {
    expect(readingFault(tagDefinition('primary.valve_setpoint'), 0)).toBeUndefined();
  });
});
