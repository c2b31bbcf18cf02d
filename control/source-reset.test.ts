import { describe, expect, it } from 'vitest';
import type { SubstationInputs } from './balance.ts';
import { sourceReset } from './source-reset.ts';

const inputs = (valvePct: number, supplyC: number): SubstationInputs => ({ mode: 'local', outdoorC: -10, supplyC, returnC: 40, indoorMinC: 18, indoorAvgC: 19, valvePct, valveSetpointPct: valvePct, supplySetpointC: 55 });

describe('source trim and respond', () => {
  it('asks for more while a valve is wide open and short, up to the limit', () => {
    const demands = [{ inputs: inputs(100, 50), supplyTargetC: 55 }, { inputs: inputs(60, 55), supplyTargetC: 55 }];
    expect(sourceReset(0, demands, 20, 3600).offsetK).toBeCloseTo(3, 9);
    expect(sourceReset(19, demands, 20, 3600).offsetK).toBe(20);
  });

  it('holds while the widest valve has little room, gives back slowly when all have room, never below zero', () => {
    expect(sourceReset(5, [{ inputs: inputs(95, 55), supplyTargetC: 55 }], 20, 3600).offsetK).toBe(5);
    expect(sourceReset(5, [{ inputs: inputs(80, 55), supplyTargetC: 55 }], 20, 3600).offsetK).toBeCloseTo(3.8, 9);
    expect(sourceReset(0.5, [{ inputs: inputs(80, 55), supplyTargetC: 55 }], 20, 3600).offsetK).toBe(0);
  });
});
