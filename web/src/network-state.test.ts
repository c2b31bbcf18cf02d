import { describe, expect, it } from 'vitest';
import type { Alarm } from './alarms-api.ts';
import { supplyStep, worstAlarms, worstState } from './network-state.ts';

describe('worst state', () => {
  it('takes the worst of alarm priority, live status and cold homes', () => {
    expect(worstState('online', undefined, 20)).toBe('ok');
    expect(worstState('online', undefined, 17.5)).toBe('cold');
    expect(worstState('stale', undefined, 17.5)).toBe('stale');
    expect(worstState('offline', undefined, null)).toBe('offline');
    expect(worstState('offline', 'low', null)).toBe('low');
    expect(worstState('alarm', 'medium', null)).toBe('alarm');
    expect(worstState('alarm', 'critical', 12)).toBe('critical');
  });

  it('counts only alarms active and annunciated, the worst per substation', () => {
    const alarm = (substation: string, priority: Alarm['priority'], state: Alarm['state'], extra: Partial<Alarm> = {}) =>
      ({ substation, priority, state, outOfService: false, shelvedUntil: null, ...extra }) as Alarm;
    const worst = worstAlarms([
      alarm('S1', 'low', 'unack_active'),
      alarm('S1', 'high', 'ack_active'),
      alarm('S2', 'critical', 'unack_returned'),
      alarm('S3', 'critical', 'unack_active', { shelvedUntil: Date.now() + 60_000 }),
      alarm('S4', 'medium', 'unack_active', { outOfService: true }),
    ]);
    expect(Object.fromEntries(worst)).toEqual({ S1: 'high' });
  });

  it('steps supply temperatures onto the scale, unknown apart', () => {
    expect(supplyStep(null)).toBe(-1);
    expect(supplyStep(20)).toBe(0);
    expect(supplyStep(119)).toBe(7);
    expect(supplyStep(200)).toBe(7);
  });
});
