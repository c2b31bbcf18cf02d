import { tagDefinition } from '../model/tags.ts';
import type { Envelope } from './config-schema.ts';

// The safety envelope of DOMAIN.md, applied to every write the loop makes: a pure function, so
// a seeded property test can throw anything at it. Values are clamped into range and into one
// step of the current value; a write too soon after the previous one, or that cannot reach the
// range within one step, is not made at all.

export type EnvelopedTag = 'primary.valve_setpoint' | 'secondary.supply_temp_setpoint' | 'pump.frequency_setpoint' | 'source.supply_offset_setpoint';

export interface EnvelopeInput {
  tag: EnvelopedTag;
  /** What the loop would like to write. */
  proposed: number;
  /** The setpoint as the PLC has it now. */
  current: number;
  /** When this tag of this substation was last written, ms; undefined: never. */
  lastWriteMs: number | undefined;
  nowMs: number;
}

export type EnvelopeResult = { ok: true; value: number; limited: string[] } | { ok: false; reason: string };

interface Limits {
  min: number;
  max: number;
  /** Largest move of one write; Infinity: no step limit. */
  step: number;
}

export function limitsOf(env: Envelope, tag: EnvelopedTag): Limits {
  switch (tag) {
    case 'primary.valve_setpoint':
      return { min: env.valve_min_pct, max: env.valve_max_pct, step: env.valve_step_pct };
    case 'secondary.supply_temp_setpoint':
      return { min: env.supply_min_c, max: env.supply_max_c, step: env.supply_step_k };
    case 'pump.frequency_setpoint':
      return { min: env.pump_min_hz, max: env.pump_max_hz, step: Infinity };
    case 'source.supply_offset_setpoint': {
      // The heat source's range is the catalogue's; a step is the same as a substation's supply step.
      const def = tagDefinition(tag);
      return { min: def.min, max: def.max, step: env.supply_step_k };
    }
  }
}

/** Rounds to the PLC registers' resolution (0.1) unless rounding would leave the limits. */
function round(value: number, lo: number, hi: number): number {
  const r = Math.round(value * 10) / 10;
  return r < lo || r > hi ? value : r;
}

export function applyEnvelope(env: Envelope, input: EnvelopeInput): EnvelopeResult {
  const { tag, proposed, current, lastWriteMs, nowMs } = input;
  if (!Number.isFinite(proposed) || !Number.isFinite(current)) return { ok: false, reason: `${tag}: no finite value to step from or to` };
  if (lastWriteMs !== undefined && nowMs - lastWriteMs < env.min_step_interval_s * 1000) {
    return { ok: false, reason: `${tag}: last write ${Math.round((nowMs - lastWriteMs) / 1000)} s ago, steps are ≥ ${env.min_step_interval_s} s apart` };
  }
  const { min, max, step } = limitsOf(env, tag);
  const lo = Math.max(min, current - step);
  const hi = Math.min(max, current + step);
  if (lo > hi) return { ok: false, reason: `${tag}: ${current} is more than one step (${step}) from the range ${min}–${max}` };
  const limited: string[] = [];
  let value = proposed;
  if (value < min || value > max) limited.push(`range ${min}–${max}`);
  if (value < current - step || value > current + step) limited.push(`step ±${step}`);
  value = round(Math.min(hi, Math.max(lo, value)), lo, hi);
  return { ok: true, value, limited };
}
