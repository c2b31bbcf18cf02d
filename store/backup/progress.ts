import type { CommandOutput } from '../audit/audit-command.ts';

// Progress lines on stderr for long copies and checks: every tenth of the work, and only for
// work large enough to make someone wonder whether it hangs.

/** Below this many units (SQLite pages of 4 KiB, or bytes / 4096) nothing is reported. */
const QUIET_BELOW = 16_384;

export function progressReporter(label: string, output: CommandOutput): (done: number, total: number) => void {
  let lastTenth = 0;
  return (done, total) => {
    if (total < QUIET_BELOW) return;
    const tenth = Math.floor((10 * done) / total);
    if (tenth <= lastTenth || tenth >= 10) return;
    lastTenth = tenth;
    output.progress(`${label} ${tenth * 10}%`);
  };
}
