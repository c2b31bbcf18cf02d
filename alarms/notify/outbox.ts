import type Database from 'better-sqlite3';
import type { Logger } from 'pino';

// The notification outbox: a message is a row before anyone is told, keyed so that the same
// event to the same target is queued once (an engine restart re-deciding it adds nothing), and
// marked delivered only once the target has taken it (or withdrawn unsent when it is no longer
// news). Delivery retries with exponential back-off; the receiver also gets the row id as
// Idempotency-Key (a webhook header, an e-mail's Message-ID).

export type Deliver = (target: string, body: string, key: string) => Promise<void>;

export interface OutboxOptions {
  firstRetryS: number;
  maxRetryS: number;
  /** Wall clock for back-off, ms. */
  now?: () => number;
  pollMs?: number;
  logger: Logger;
}

interface Row {
  id: number;
  key: string;
  target: string;
  body: string;
  attempts: number;
}

export class Outbox {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly db: Database.Database,
    private readonly deliver: Deliver,
    private readonly options: OutboxOptions,
  ) {
    this.now = options.now ?? Date.now;
    db.exec(`CREATE TABLE IF NOT EXISTS notify_outbox (
      id INTEGER PRIMARY KEY, key TEXT NOT NULL, target TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, delivered_at INTEGER, last_error TEXT,
      UNIQUE (key, target));`);
  }

  /** Queues a message; false if the same key already went (or is going) to that target. */
  enqueue(key: string, target: string, body: unknown): boolean {
    const now = this.now();
    const r = this.db
      .prepare('INSERT OR IGNORE INTO notify_outbox (key, target, body, created_at, next_at) VALUES (?, ?, ?, ?, ?)')
      .run(key, target, JSON.stringify(body), now, now);
    return r.changes === 1;
  }

  /** Takes back a message not yet delivered (an escalation nobody needs once the alarm is acknowledged). */
  withdraw(key: string): number {
    const r = this.db.prepare('DELETE FROM notify_outbox WHERE key = ? AND delivered_at IS NULL').run(key);
    if (r.changes > 0) this.options.logger.info({ code: 'HS_NOTIFY_WITHDRAWN', key, messages: r.changes }, 'notification withdrawn');
    return r.changes;
  }

  pending(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM notify_outbox WHERE delivered_at IS NULL').get() as { n: number }).n;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.pollMs ?? 200);
  }

  /** Sends what is due, one at a time in order; a second call while one runs waits for it. */
  flush(): Promise<void> {
    this.running ??= this.sendDue().finally(() => (this.running = undefined));
    return this.running;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async sendDue(): Promise<void> {
    const due = this.db.prepare('SELECT id, key, target, body, attempts FROM notify_outbox WHERE delivered_at IS NULL AND next_at <= ? ORDER BY id LIMIT 50').all(this.now()) as Row[];
    for (const row of due) {
      try {
        await this.deliver(row.target, row.body, String(row.id));
        this.db.prepare('UPDATE notify_outbox SET delivered_at = ?, attempts = attempts + 1 WHERE id = ?').run(this.now(), row.id);
        this.options.logger.info({ code: 'HS_NOTIFY_SENT', id: row.id, key: row.key, target: row.target, attempts: row.attempts + 1 }, 'notification delivered');
      } catch (e) {
        const backoffS = Math.min(this.options.maxRetryS, this.options.firstRetryS * 2 ** row.attempts);
        this.db.prepare('UPDATE notify_outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?').run(this.now() + backoffS * 1000, (e as Error).message, row.id);
        this.options.logger.warn({ code: 'HS_ERR_NOTIFY_FAILED', id: row.id, target: row.target, attempts: row.attempts + 1, retryInS: backoffS, reason: (e as Error).message }, 'notification failed, will retry');
      }
    }
  }
}
