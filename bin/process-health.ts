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
  event_loop_p99_ms: number;
  event_loop_max_ms: number;
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
  delay.enable();
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    report({
      rss_bytes: memory.rss,
      heap_used_bytes: memory.heapUsed,
      open_fds: openFds(),
      // The histogram counts nanoseconds; each line covers the interval since the one before.
      event_loop_p99_ms: Math.round(delay.percentile(99) / 1e4) / 100,
      event_loop_max_ms: Math.round(delay.max / 1e4) / 100,
    });
    delay.reset();
  }, config.every_s * 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    delay.disable();
  };
}
