import { describe, expect, it } from 'vitest';
import { validateDocument } from '../model/validate.ts';
import { ControlConfigSchema } from './config-schema.ts';
import { effectiveOutdoorC, returnTargetC, supplyTargetC, trimForSupply } from './curve.ts';

const { curve } = validateDocument(ControlConfigSchema, {}, 'HS_ERR_CONFIG_INVALID');

describe('weather compensation curve', () => {
  it('gives the design supply and return at the design outdoor temperature, per emitter type', () => {
    expect(supplyTargetC(curve, 'radiator', curve.design_outdoor_c)).toBeCloseTo(60, 6);
    expect(returnTargetC(curve, 'radiator', curve.design_outdoor_c)).toBeCloseTo(45, 6);
    expect(supplyTargetC(curve, 'floor', curve.design_outdoor_c)).toBeCloseTo(45, 6);
    expect(returnTargetC(curve, 'floor', curve.design_outdoor_c)).toBeCloseTo(35, 6);
  });

  it('falls to the indoor temperature when no heat is needed and rises as it gets colder', () => {
    expect(supplyTargetC(curve, 'radiator', 18)).toBeCloseTo(18, 6);
    expect(supplyTargetC(curve, 'radiator', 25)).toBeCloseTo(18, 6);
    let previous = -Infinity;
    for (let t = 15; t >= -30; t -= 1) {
      const s = supplyTargetC(curve, 'radiator', t);
      expect(s).toBeGreaterThan(previous);
      previous = s;
    }
  });

  it('matches the DOMAIN.md formula half-way (φ = 0.5, b = 0.3)', () => {
    const t = 18 - 0.5 * (18 - curve.design_outdoor_c);
    expect(supplyTargetC(curve, 'radiator', t)).toBeCloseTo(18 + 0.5 * (105 - 36) * Math.pow(0.5, 1 / 1.3) + 0.5 * 15 * 0.5, 6);
  });

  it('takes a trim as a colder day and inverts it', () => {
    expect(supplyTargetC(curve, 'radiator', -5, 2)).toBeCloseTo(supplyTargetC(curve, 'radiator', -7), 9);
    const trim = trimForSupply(curve, 'radiator', -5, supplyTargetC(curve, 'radiator', -5, 1.7), 10);
    expect(trim).toBeCloseTo(1.7, 4);
  });

  it('blends a forecast in by its weight', () => {
    expect(effectiveOutdoorC(-5, undefined, 0.5)).toBe(-5);
    expect(effectiveOutdoorC(-5, -15, 0.5)).toBe(-10);
  });
});
