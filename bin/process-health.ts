// A role's own health, logged as one line every few seconds: memory, open file descriptors and
// how late its event loop ran. A season-long run is judged from these lines (bench/soak), and
// an operator's log shipper can alert on them the same way.

import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Type, type Static } from '@sinclair/typebox';

export const HealthConfigSchema = Type.Object(
  {
    every_s: Type.Number({ minimum: 0, maximum: 86_400, default: 60, description: 'log a process_health line this often; 0: never' }),
  },
  { additionalProperties: false, default: {} },
);
export type HealthConfig = Static<typeof HealthConfigSchema>;

export interface ProcessHealth {
  rss_bytes: number;
  heap_used_bytes: number;
  /** Undefined where /proc is absent (not Linux). */
  open_fds: number | undefined;
  /** Over the interval since the line before. */
  event_loop_p99_ms: number;
  event_loop_max_ms: number;
  /** Since the role started serving. */
  event_loop_p99_total_ms: number;
}

function openFds(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/** Samples every `every_s` seconds, hands each sample to `report`; returns the stop. */
export function watchProcessHealth(config: HealthConfig, report: (health: ProcessHealth) => void): () => void {
  if (config.every_s === 0) return () => undefined;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const total = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  total.enable();
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    report({
      rss_bytes: memory.rss,
      heap_used_bytes: memory.heapUsed,
      open_fds: openFds(),
      // The histograms count nanoseconds.
      event_loop_p99_ms: ms(delay.percentile(99)),
      event_loop_max_ms: ms(delay.max),
      event_loop_p99_total_ms: ms(total.percentile(99)),
    });
    delay.reset();
  }, config.every_s * 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    delay.disable();
    total.disable();
  };
}
