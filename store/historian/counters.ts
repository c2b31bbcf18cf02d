import type { Logger } from 'pino';
import { ERRORS, type ErrorCode } from '../../model/errors.ts';

// Malformed traffic, counted by its HS_ERR code. Every occurrence counts; the log gets one line
// per code and second at most (with how many it left out), so a flood from one broken edge
// node cannot drown the log or the historian.

const LOG_INTERVAL_MS = 1000;

export type LogFields = Record<string, string | number | undefined>;

export class MalformedCounters {
  private readonly counts = new Map<ErrorCode, number>();
  private readonly logged = new Map<ErrorCode, { at: number; suppressed: number }>();

  constructor(private readonly log: Logger) {}

  count(code: ErrorCode, n: number, fields: LogFields): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + n);
    const now = Date.now();
    const last = this.logged.get(code);
    if (last && now - last.at < LOG_INTERVAL_MS) {
      last.suppressed += n;
      return;
    }
    this.log.warn({ code, count: n, suppressed: last?.suppressed || undefined, ...fields }, ERRORS[code].message);
    this.logged.set(code, { at: now, suppressed: 0 });
  }

  get(code: ErrorCode): number {
    return this.counts.get(code) ?? 0;
  }

  snapshot(): Partial<Record<ErrorCode, number>> {
    return Object.fromEntries(this.counts);
  }
}
