// The soak's health figures from each role's process_health lines: memory growth per simulated
// day (a leak shows as a steady slope; a restart resets it, so each role is judged on its
// longest life, after the first simulated day) and the event loop's delay.

import type { HealthSample, RoleProcess } from './role-process.ts';

/** Fewer samples than this give no slope worth reporting. */
const MIN_SAMPLES = 3;

export interface RoleHealth {
  role: string;
  samples: number;
  rss_max_bytes: number;
  open_fds_max: number | null;
  /** Growth of RSS per simulated day, as a share of the life's mean RSS; null with too few samples. */
  rss_growth_pct_per_day: number | null;
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

export function rssGrowthPctPerDay(samples: readonly HealthSample[], wallMsPerSimDay: number): number | null {
  if (samples.length < MIN_SAMPLES) return null;
  const meanRss = samples.reduce((s, h) => s + h.rss_bytes, 0) / samples.length;
  const bytesPerMs = slope(samples.map((h) => [h.ms, h.rss_bytes]));
  return Math.round(((bytesPerMs * wallMsPerSimDay) / meanRss) * 10_000) / 100;
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
    // Each life's last line holds its p99 since it started serving.
    event_loop_p99_ms: Math.max(0, ...[...byLife.values()].map((life) => life[life.length - 1].event_loop_p99_total_ms)),
    event_loop_max_ms: Math.max(0, ...all.map((s) => s.event_loop_max_ms)),
  };
}
