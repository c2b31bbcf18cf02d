import type { SeasonPhase } from '../model/season.ts';
import type { DetectionParams } from './config-schema.ts';

// Which phase a substation's loop is in, read from its telemetry alone (pumps, make-up, pressure,
// supply temperature), so the season is judged from what the PLCs say and not from a plan that
// says what should be happening.

/** The simulator's phases are the plant's: here they are what the telemetry shows, whatever the plan says. */
export type ObservedPhase = SeasonPhase;

/** The tags the phase and the judges are read from. */
export const WATCHED_TAGS = [
  'secondary.supply_pressure',
  'secondary.flow',
  'pump.running',
  'makeup.running',
  'makeup.flow',
  'secondary.supply_temp',
  'secondary.supply_temp_setpoint',
  'indoor.temp_min',
] as const;
export type WatchedTag = (typeof WATCHED_TAGS)[number];

export type LoopReading = Partial<Record<WatchedTag, number | boolean>>;

const num = (v: number | boolean | undefined): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * Pump running: circulating, hot once the supply is warm (the source lit), cold otherwise.
 * Pump off: filling while make-up runs, a pressure test while the loop is isolated under
 * pressure, empty below empty_below_mpa. Undefined until the pumps and pressure have been seen.
 */
export function observePhase(r: LoopReading, p: DetectionParams): ObservedPhase | undefined {
  const pressure = num(r['secondary.supply_pressure']);
  if (r['pump.running'] === undefined || r['makeup.running'] === undefined || pressure === undefined) return undefined;
  if (r['pump.running'] === true) return (num(r['secondary.supply_temp']) ?? 0) > p.hot_above_c ? 'hot' : 'cold_run';
  if (r['makeup.running'] === true) return 'filling';
  return pressure >= p.empty_below_mpa ? 'pressure_test' : 'empty';
}
