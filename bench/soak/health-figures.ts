// The soak's health figures from each role's process_health lines: memory growth per simulated
// day and the event loop's delay. A leak is a rising floor: V8's collections swing RSS by a fifth
// within a minute (a 250–380 MB sawtooth in the collector), so a straight fit through every
// sample reads where in that swing a short life began and ended. The growth is therefore the
// slope of each quarter day's lowest RSS. A restart resets it, so each role is judged on its
// longest life, after the run's first simulated day.

import type { HealthSample, RoleProcess } from './role-process.ts';

/** Fewer windows than this give no slope worth reporting. */
const MIN_WINDOWS = 3;
/** The floor is each window's lowest RSS: a quarter of a simulated day. */
const WINDOWS_PER_SIM_DAY = 4;

export interface RoleHealth {
  role: string;
  samples: number;
  rss_max_bytes: number;
  open_fds_max: number | null;
  /** Growth of the RSS floor per simulated day, as a share of the floor's mean; null when the life is too short. */
  rss_growth_pct_per_day: number | null;
  /** The same life's straight fit through every sample, sawtooth included (for comparison). */
  rss_fit_all_samples_pct_per_day: number | null;
  /** The event loop's delay p99 over a whole life (the worst life), and its longest stall. */
  event_loop_p99_ms: number;
  event_loop_max_ms: number;
}

/** Least-squares slope of y over x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** A slope in bytes per wall ms as a percentage of `mean` per simulated day. */
const pctPerDay = (bytesPerMs: number, mean: number, wallMsPerSimDay: number): number => Math.round(((bytesPerMs * wallMsPerSimDay) / mean) * 10_000) / 100;

/** Growth of the lowest RSS of each quarter simulated day; null with fewer than 3 quarters. */
export function rssGrowthPctPerDay(samples: readonly HealthSample[], wallMsPerSimDay: number): number | null {
  if (samples.length === 0) return null;
  const windowMs = wallMsPerSimDay / WINDOWS_PER_SIM_DAY;
  const floors = new Map<number, [number, number]>();
  for (const h of samples) {
    const w = Math.floor((h.ms - samples[0].ms) / windowMs);
    const floor = floors.get(w);
    if (!floor || h.rss_bytes < floor[1]) floors.set(w, [h.ms, h.rss_bytes]);
  }
  // A last window cut short by the end of the life has not seen its collection yet.
  const whole = [...floors.entries()].filter(([w]) => (w + 1) * windowMs <= samples[samples.length - 1].ms - samples[0].ms).map(([, f]) => f);
  if (whole.length < MIN_WINDOWS) return null;
  return pctPerDay(slope(whole), whole.reduce((s, [, y]) => s + y, 0) / whole.length, wallMsPerSimDay);
}

/** A straight fit through every sample; null with fewer than 3. */
export function rssFitAllSamplesPctPerDay(samples: readonly HealthSample[], wallMsPerSimDay: number): number | null {
  if (samples.length < MIN_WINDOWS) return null;
  const meanRss = samples.reduce((s, h) => s + h.rss_bytes, 0) / samples.length;
  return pctPerDay(slope(samples.map((h) => [h.ms, h.rss_bytes])), meanRss, wallMsPerSimDay);
}

export function roleHealth(role: RoleProcess, runStartMs: number, wallMsPerSimDay: number): RoleHealth {
  const all = role.samples;
  // The longest life, without the run's first simulated day (start-up: caches, JIT, pools filling).
  const byLife = new Map<number, HealthSample[]>();
  for (const s of all) {
    const life = byLife.get(s.life);
    if (life) life.push(s);
    else byLife.set(s.life, [s]);
  }
  const settled = [...byLife.values()].map((life) => life.filter((s) => s.ms >= runStartMs + wallMsPerSimDay));
  const longest = settled.reduce<HealthSample[]>((a, b) => (b.length > a.length ? b : a), []);
  const fds = all.flatMap((s) => (s.open_fds === undefined ? [] : [s.open_fds]));
  return {
    role: role.role,
    samples: all.length,
    rss_max_bytes: Math.max(0, ...all.map((s) => s.rss_bytes)),
    open_fds_max: fds.length === 0 ? null : Math.max(...fds),
    rss_growth_pct_per_day: rssGrowthPctPerDay(longest, wallMsPerSimDay),
    rss_fit_all_samples_pct_per_day: rssFitAllSamplesPctPerDay(longest, wallMsPerSimDay),
    // Each life's last line holds its p99 since it started serving.
    event_loop_p99_ms: Math.max(0, ...[...byLife.values()].map((life) => life[life.length - 1].event_loop_p99_total_ms)),
    event_loop_max_ms: Math.max(0, ...all.map((s) => s.event_loop_max_ms)),
  };
}
