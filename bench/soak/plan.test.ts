import { describe, expect, it } from 'vitest';
import { SOAK_FAULTS } from './fault-kinds.ts';
import { planSoak, type SoakPlanOptions } from './plan.ts';
import { SOAK_ROLES } from './role-process.ts';

const substations = ['S001', 'S002', 'S003', 'S004'].map((id, k) => ({ id, protocol: k % 2 === 0 ? ('opcua' as const) : ('modbus' as const) }));
const options: SoakPlanOptions = { durationS: 600, holdS: 10, gapS: 5, restartS: 5, roles: SOAK_ROLES, killsPerRole: 2, faults: SOAK_FAULTS, substations, seed: 3 };

describe('soak plan', () => {
  it('kills every role as often as asked and plays every fault with its expected alarms', () => {
    const steps = planSoak(options);
    const kills = steps.flatMap((s) => (s.kind === 'kill' ? [s.role] : []));
    for (const role of SOAK_ROLES) expect(kills.filter((r) => r === role)).toHaveLength(2);
    const faults = steps.flatMap((s) => (s.kind === 'fault' ? [s] : []));
    expect(new Set(faults.map((f) => f.request.kind))).toEqual(new Set(SOAK_FAULTS.map((f) => f.request.kind)));
    for (const f of faults) expect(f.expect.length).toBeGreaterThan(0);
    // fills the duration: (600 - 14 × 10) / 15 = 30 fault slots
    expect(faults).toHaveLength(30);
    expect(steps[steps.length - 1].kind).toBe('kill');
  });

  it('spreads substation faults over the substations, least recently used first', () => {
    const faults = planSoak(options).flatMap((s) => (s.kind === 'fault' && s.request.substation ? [s.request.substation] : []));
    // Never the same substation twice running (each protocol has two), and every one used about as
    // often: the Modbus-only faults (stuck valve, frozen sensor, half answer) add to the two Modbus ones.
    for (let k = 1; k < faults.length; k++) expect(faults[k], `fault ${k}`).not.toBe(faults[k - 1]);
    const uses = substations.map((s) => faults.filter((f) => f === s.id).length);
    expect(Math.max(...uses) - Math.min(...uses)).toBeLessThanOrEqual(3);
  });

  it('is the same plan for the same seed and another for another seed', () => {
    expect(planSoak(options)).toEqual(planSoak(options));
    const order = (seed: number) => planSoak({ ...options, seed }).flatMap((s) => (s.kind === 'kill' ? [s.role] : []));
    expect(order(3)).not.toEqual(order(4));
  });

  it('needs a substation of the protocol a fault asks for', () => {
    expect(() => planSoak({ ...options, faults: [{ request: { kind: 'leak' }, on: 'modbus' }], substations: substations.filter((s) => s.protocol === 'opcua') })).toThrow(/no modbus substation/);
  });
});
