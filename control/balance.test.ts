import { describe, expect, it } from 'vitest';
import { validateDocument } from '../model/validate.ts';
import { balanceStep, bumplessMemory, initialMemory, INITIAL_SLOPE_K_PER_PCT, returnDeviationK, type SubstationInputs } from './balance.ts';
import { ControlConfigSchema } from './config-schema.ts';
import { supplyTargetC } from './curve.ts';
import { causeText } from './reason.ts';

const cfg = validateDocument(ControlConfigSchema, {}, 'HS_ERR_CONFIG_INVALID');
const base: SubstationInputs = { mode: 'local', outdoorC: -8, supplyC: 50, returnC: 40, indoorMinC: 18.3, indoorAvgC: 18.3, valvePct: 60, valveSetpointPct: 60, supplySetpointC: 50 };

describe('balancing step', () => {
  it('local mode: asks for the curve when the coldest home is on target, more when it is cold, less when warm', () => {
    const onTarget = balanceStep(cfg, 'radiator', -8, base, initialMemory(), 300);
    // The curve holds the average home at its 18 °C; the coldest home's target is 18.3 °C.
    const aim = cfg.target_indoor_min_c - cfg.curve.indoor_c;
    expect(onTarget.trimK).toBeCloseTo(aim, 9);
    expect(onTarget.proposal).toMatchObject({ tag: 'secondary.supply_temp_setpoint' });
    expect(onTarget.proposal!.value).toBeCloseTo(supplyTargetC(cfg.curve, 'radiator', -8, aim), 6);
    const cold = balanceStep(cfg, 'radiator', -8, { ...base, indoorMinC: 17.3, indoorAvgC: 17.3 }, initialMemory(), 300);
    const warm = balanceStep(cfg, 'radiator', -8, { ...base, indoorMinC: 19.3, indoorAvgC: 19.3 }, initialMemory(), 300);
    expect(cold.proposal!.value).toBeGreaterThan(onTarget.proposal!.value);
    expect(warm.proposal!.value).toBeLessThan(onTarget.proposal!.value);
  });

  it('aims the average home above the target by how far the coldest home sits below it', () => {
    const spread = balanceStep(cfg, 'radiator', -8, { ...base, indoorAvgC: 19.8 }, initialMemory(), 0);
    expect(spread.trimK).toBeCloseTo(cfg.target_indoor_min_c - cfg.curve.indoor_c + 1.5, 9);
  });

  it('integrates a lasting error, within the trim limit', () => {
    let memory = initialMemory();
    const cold = { ...base, indoorMinC: 16, indoorAvgC: 16 };
    let trim = 0;
    for (let k = 0; k < 2000; k++) ({ memory, trimK: trim } = balanceStep(cfg, 'radiator', -8, cold, memory, 300));
    expect(trim).toBe(cfg.trim_limit_k);
    // Anti-windup: one step of a warm reading brings the trim off the limit at once.
    const back = balanceStep(cfg, 'radiator', -8, { ...base, indoorMinC: 19, indoorAvgC: 19 }, memory, 300);
    expect(back.trimK).toBeLessThan(cfg.trim_limit_k);
  });

  it('without indoor sensors, balances on the return against the curve return', () => {
    const noSensor = { ...base, indoorMinC: undefined, indoorAvgC: undefined };
    const lowReturn = balanceStep(cfg, 'radiator', -8, { ...noSensor, returnC: 30 }, initialMemory(), 300);
    const highReturn = balanceStep(cfg, 'radiator', -8, { ...noSensor, returnC: 50 }, initialMemory(), 300);
    expect(lowReturn.trimK).toBeGreaterThan(0);
    expect(highReturn.trimK).toBeLessThan(0);
  });

  it('remote mode: moves the valve towards the supply target by the identified response', () => {
    const target = supplyTargetC(cfg.curve, 'radiator', -8, cfg.target_indoor_min_c - cfg.curve.indoor_c);
    const remote = { ...base, mode: 'remote' as const, supplyC: target - 2 };
    const r = balanceStep(cfg, 'radiator', -8, remote, initialMemory(), 300);
    expect(r.proposal?.tag).toBe('primary.valve_setpoint');
    expect(r.proposal!.value).toBeCloseTo(60 + (0.5 * 2) / INITIAL_SLOPE_K_PER_PCT, 1);
    // After a 4 % move that raised the supply 4 K, it learns a steeper response and moves less.
    const learned = balanceStep(cfg, 'radiator', -8, { ...remote, supplyC: target - 2 }, { ...r.memory, lastMove: { deltaPct: 4, supplyC: target - 6 } }, 300);
    expect(learned.memory.slopeKPerPct).toBeGreaterThan(INITIAL_SLOPE_K_PER_PCT);
    expect(learned.proposal!.value - 60).toBeLessThan(r.proposal!.value - 60);
  });

  it('manual at the PLC: proposes nothing', () => {
    expect(balanceStep(cfg, 'radiator', -8, { ...base, mode: 'manual', indoorMinC: 15 }, initialMemory(), 300).proposal).toBeUndefined();
  });

  it('takes over without a bump: the first target is the setpoint the PLC has', () => {
    const inputs = { ...base, supplySetpointC: 57.3, indoorMinC: 17.5, indoorAvgC: 18.9 };
    const memory = bumplessMemory(cfg, 'radiator', -8, inputs, initialMemory());
    expect(balanceStep(cfg, 'radiator', -8, inputs, memory, 0).supplyTargetC).toBeCloseTo(57.3, 3);
  });

  it('lifts a substation whose return sits below the network floor, by at most return_bias_max_k, and lets go above it', () => {
    const warm = { ...base, indoorMinC: 19, indoorAvgC: 20 };
    const own = balanceStep(cfg, 'radiator', -8, warm, initialMemory(), 300);
    const floor = returnDeviationK(cfg, 'radiator', warm) + 2;
    let memory = initialMemory();
    let trimK = own.trimK;
    for (let k = 0; k < 200; k++) ({ memory, trimK } = balanceStep(cfg, 'radiator', -8, warm, memory, 300, floor));
    // Short of the floor for ever (the inputs do not move here): the bias saturates, the trim rises with it.
    expect(memory.returnBiasK).toBe(cfg.return_bias_max_k);
    expect(trimK).toBeGreaterThan(own.trimK);
    // Warmer than its homes need, yet the indoor integral did not wind down meanwhile.
    expect(memory.integralK).toBe(0);
    // Above the floor: the bias drains away.
    for (let k = 0; k < 200; k++) ({ memory } = balanceStep(cfg, 'radiator', -8, warm, memory, 300, floor - 4));
    expect(memory.returnBiasK).toBe(0);
  });

  it('names its cause as data, and keeps the indoor need apart from the return bias', () => {
    const cold = balanceStep(cfg, 'radiator', -8, { ...base, indoorMinC: 16.8, indoorAvgC: 17.5 }, initialMemory(), 300);
    expect(cold.cause).toEqual({ kind: 'coldest_home', indoorC: 16.8, targetC: 18.3, liftK: null });
    expect(causeText(cold.cause)).toBe('coldest home 16.8 °C < 18.3 °C');
    expect(cold.needK).toBe(cold.trimK);
    expect(causeText(balanceStep(cfg, 'radiator', -8, base, initialMemory(), 300).cause)).toBe('coldest home 18.3 °C = 18.3 °C');
    const blind = balanceStep(cfg, 'radiator', -8, { ...base, indoorMinC: undefined, indoorAvgC: undefined }, initialMemory(), 300).cause;
    expect(blind).toMatchObject({ kind: 'no_indoor', liftK: null });
    expect(blind.kind === 'no_indoor' && blind.offK).toBeCloseTo(returnDeviationK(cfg, 'radiator', base), 9);
    expect(causeText(blind)).toMatch(/^no indoor sensors: return \d+\.\d K (above|below) the curve's$/);
    const lifted = balanceStep(cfg, 'radiator', -8, base, { ...initialMemory(), returnBiasK: 2 }, 300, returnDeviationK(cfg, 'radiator', base) + 1);
    expect(lifted.cause.liftK).toBeCloseTo(lifted.memory.returnBiasK, 9);
    expect(causeText(lifted.cause)).toMatch(/; return below the network's floor: lifted \+2\.\d K$/);
    expect(lifted.trimK - lifted.needK).toBeCloseTo(lifted.memory.returnBiasK, 9);
  });

  it('without a floor (no coordination), the return bias stays at zero', () => {
    const r = balanceStep(cfg, 'radiator', -8, base, { ...initialMemory(), returnBiasK: 3 }, 300);
    expect(r.memory.returnBiasK).toBe(0);
  });
});
