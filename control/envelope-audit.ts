import type { AuditEntry } from './audit.ts';
import type { Envelope } from './config-schema.ts';
import { limitsOf, type EnvelopedTag } from './envelope.ts';

// Checks a record of plant writes against the safety envelope after the fact: each write in
// its tag's range, at most one step from the value it replaced, and writes of one tag of one
// substation at least min_step_interval_s apart (control time, as the audit records it). The
// cold-snap test and bench judge a whole run by it; the loop itself never needs it.

export interface EnvelopeBreach {
  target: string;
  ts: number;
  why: string;
}

const ENVELOPED: readonly string[] = ['primary.valve_setpoint', 'secondary.supply_temp_setpoint', 'pump.frequency_setpoint', 'source.supply_offset_setpoint'];
/** The registers' resolution: a value rounded on its way through a PLC may sit this far past a limit. */
const RESOLUTION = 0.05;

/** Every breach among the accepted writes of `entries` (any order). */
export function outsideEnvelope(env: Envelope, entries: readonly AuditEntry[]): EnvelopeBreach[] {
  const writes = entries.filter((e) => e.outcome === 'accepted' && e.newValue !== null).sort((a, b) => a.ts - b.ts);
  const breaches: EnvelopeBreach[] = [];
  const lastMs = new Map<string, number>();
  for (const w of writes) {
    const target = `${w.substation}/${w.tag}`;
    if (!ENVELOPED.includes(w.tag)) {
      breaches.push({ target, ts: w.ts, why: 'a tag the envelope does not cover' });
      continue;
    }
    const { min, max, step } = limitsOf(env, w.tag as EnvelopedTag);
    const value = w.newValue!;
    if (value < min - RESOLUTION || value > max + RESOLUTION) breaches.push({ target, ts: w.ts, why: `${value} outside ${min}–${max}` });
    if (w.oldValue !== null && Math.abs(value - w.oldValue) > step + RESOLUTION) breaches.push({ target, ts: w.ts, why: `step ${w.oldValue} → ${value} > ${step}` });
    const previous = lastMs.get(target);
    if (previous !== undefined && w.ts - previous < env.min_step_interval_s * 1000) breaches.push({ target, ts: w.ts, why: `${(w.ts - previous) / 1000} s after the previous write (< ${env.min_step_interval_s} s)` });
    lastMs.set(target, w.ts);
  }
  return breaches;
}
