import type { WeatherSpec } from '../network/schema.ts';

const HOUR = 3600;

/** How far below the seasonal curve a cold snap holds the weather at a given time, K. */
function snapDrop(spec: WeatherSpec, elapsedS: number): number {
  let drop = 0;
  for (const snap of spec.cold_snaps) {
    const t = elapsedS / HOUR - snap.start_h;
    if (t <= 0) continue;
    const ramp = snap.ramp_h;
    let share: number;
    if (t < ramp) share = t / ramp;
    else if (t < ramp + snap.duration_h) share = 1;
    else if (t < 2 * ramp + snap.duration_h) share = 1 - (t - ramp - snap.duration_h) / ramp;
    else share = 0;
    drop = Math.max(drop, share * snap.drop_k);
  }
  return drop;
}

/**
 * Outdoor temperature, °C: the seasonal mean with a daily swing (coldest about 03:00, warmest
 * about 15:00 local solar time) and the scheduled cold snaps. A pure function of time.
 * @param epochMs wall-clock time being simulated (sets the hour of day)
 * @param elapsedS seconds since the simulation started (sets where the cold snaps are)
 */
export function outdoorTemperature(spec: WeatherSpec, epochMs: number, elapsedS: number): number {
  const hourOfDay = ((epochMs / 1000 / HOUR + 8) % 24 + 24) % 24; // China Standard Time, UTC+8
  const daily = (spec.daily_swing_k / 2) * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
  return spec.mean_c + daily - snapDrop(spec, elapsedS);
}
