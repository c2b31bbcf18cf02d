import { describe, expect, it } from 'vitest';
import { seededRandom } from '../simulators/network/random.ts';
import { ControlConfigSchema } from './config-schema.ts';
import { applyEnvelope, limitsOf, type EnvelopedTag } from './envelope.ts';
import { validateDocument } from '../model/validate.ts';

const env = validateDocument(ControlConfigSchema, {}, 'HS_ERR_CONFIG_INVALID').envelope;
const TAGS: EnvelopedTag[] = ['primary.valve_setpoint', 'secondary.supply_temp_setpoint', 'pump.frequency_setpoint'];

describe('safety envelope', () => {
  it('never lets a write out of range, past one step, or sooner than the spacing (seeded property test)', () => {
    const rnd = seededRandom(42);
    for (let k = 0; k < 20_000; k++) {
      const tag = TAGS[Math.floor(rnd() * TAGS.length)];
      const current = -50 + rnd() * 200;
      const proposed = rnd() < 0.05 ? Number.NaN : -200 + rnd() * 400;
      const nowMs = 1e12 + rnd() * 1e7;
      const lastWriteMs = rnd() < 0.3 ? undefined : nowMs - rnd() * 900_000;
      const r = applyEnvelope(env, { tag, proposed, current, lastWriteMs, nowMs });
      if (!r.ok) continue;
      const { min, max, step } = limitsOf(env, tag);
      expect(r.value).toBeGreaterThanOrEqual(min);
      expect(r.value).toBeLessThanOrEqual(max);
      expect(Math.abs(r.value - current)).toBeLessThanOrEqual(step + 1e-9);
      if (lastWriteMs !== undefined) expect(nowMs - lastWriteMs).toBeGreaterThanOrEqual(env.min_step_interval_s * 1000);
    }
  });

  it('clamps a valve to 5 % a step and refuses a step within 5 min', () => {
    expect(applyEnvelope(env, { tag: 'primary.valve_setpoint', proposed: 90, current: 50, lastWriteMs: undefined, nowMs: 0 })).toEqual({ ok: true, value: 55, limited: ['step ±5'] });
    expect(applyEnvelope(env, { tag: 'primary.valve_setpoint', proposed: 52, current: 50, lastWriteMs: 0, nowMs: 299_000 }).ok).toBe(false);
    expect(applyEnvelope(env, { tag: 'secondary.supply_temp_setpoint', proposed: 90, current: 74, lastWriteMs: undefined, nowMs: 0 })).toMatchObject({ ok: true, value: 75 });
  });
});
