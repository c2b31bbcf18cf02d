import { describe, expect, it } from 'vitest';
import { validateDocument } from '../model/validate.ts';
import type { AuditEntry } from './audit.ts';
import { EnvelopeSchema } from './config-schema.ts';
import { outsideEnvelope } from './envelope-audit.ts';

const env = validateDocument(EnvelopeSchema, {}, 'HS_ERR_CONFIG_INVALID');
const MIN = 60_000;
const write = (ts: number, tag: string, oldValue: number, newValue: number, outcome: AuditEntry['outcome'] = 'accepted'): AuditEntry => ({ ts, substation: 'S1', tag, actor: 'control', oldValue, newValue, why: '', outcome, code: null, requestId: 'r' });

describe('a record of writes against the envelope', () => {
  it('finds every write out of range, more than a step, or too soon after the last of its tag; refusals do not count', () => {
    const ok = [write(0, 'secondary.supply_temp_setpoint', 50, 53), write(5 * MIN, 'secondary.supply_temp_setpoint', 53, 55), write(MIN, 'primary.valve_setpoint', 50, 55), write(2 * MIN, 'source.supply_offset_setpoint', 0, 3)];
    expect(outsideEnvelope(env, ok)).toEqual([]);
    const bad = [
      write(10 * MIN, 'secondary.supply_temp_setpoint', 74, 76),
      write(20 * MIN, 'primary.valve_setpoint', 50, 56),
      write(21 * MIN, 'primary.valve_setpoint', 56, 57),
      write(22 * MIN, 'pump.frequency_setpoint', 40, 60),
      write(23 * MIN, 'control.mode_setpoint', 1, 2),
      write(24 * MIN, 'primary.valve_setpoint', 57, 90, 'refused'),
    ];
    expect(outsideEnvelope(env, [...ok, ...bad]).map((b) => `${b.target} ${b.why}`)).toEqual([
      'S1/secondary.supply_temp_setpoint 76 outside 20–75',
      'S1/primary.valve_setpoint step 50 → 56 > 5',
      'S1/primary.valve_setpoint 60 s after the previous write (< 300 s)',
      'S1/pump.frequency_setpoint 60 outside 25–50',
      'S1/control.mode_setpoint a tag the envelope does not cover',
    ]);
  });
});
