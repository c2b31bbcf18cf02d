// Where the cores go: CPU seconds of named processes over a span, read from /proc/<pid>/stat
// (user + system time of all a process's threads). On a machine where every server shares the
// same cores, this says which part of a pipeline is its limit.

import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux Node supports). */
const TICKS_PER_S = 100;

/** CPU seconds a process has used so far, or undefined once it is gone. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

export interface CpuShare {
  name: string;
  /** CPU seconds used in the span. */
  seconds: number;
  /** Of one core over the span, %. */
  percentOfCore: number;
}

/** Starts counting; `stop()` gives each named process's CPU over the span, most first. Several pids may share a name. */
export function countCpu(processes: ReadonlyArray<{ name: string; pid: number | undefined }>): { stop(): CpuShare[] } {
  const started = performance.now();
  const first = processes.map((p) => (p.pid === undefined ? undefined : cpuSeconds(p.pid)));
  return {
    stop() {
      const spanS = (performance.now() - started) / 1000;
      const byName = new Map<string, number>();
      processes.forEach((p, i) => {
        const now = p.pid === undefined ? undefined : cpuSeconds(p.pid);
        const used = now === undefined || first[i] === undefined ? 0 : now - first[i];
        byName.set(p.name, (byName.get(p.name) ?? 0) + used);
      });
      return [...byName]
        .map(([name, seconds]) => ({ name, seconds, percentOfCore: (100 * seconds) / spanS }))
        .sort((a, b) => b.seconds - a.seconds);
    },
  };
}
