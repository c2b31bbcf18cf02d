import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { AlarmsConfig } from '../config-schema.ts';
import type { AlarmEngine } from '../engine.ts';
import { emailDelivery } from './email.ts';
import { localTime, type LocalTime } from './local-time.ts';
import { Outbox, type Deliver } from './outbox.ts';
import { NotifyRouter } from './router.ts';
import { deliverByTarget } from './targets.ts';
import { webhookDelivery } from './webhook.ts';

// The notification side of the engine put together: the configured time zone, the channels
// (webhook, SMTP), the durable outbox and the router listening to the engine. `heatscada alarms`
// and the tests with an injected clock build it the same way.

export interface NotifierDeps {
  database: Database.Database;
  engine: AlarmEngine;
  areaOf(substation: string): string | null;
  /** Delivery of every notification; a real HTTP POST, or SMTP for `mailto:` targets, by default. */
  deliver?: Deliver;
  /** The outbox's clock for back-off, ms; the wall clock by default. */
  wallNow?: () => number;
  logger: Logger;
}

export interface Notifier {
  readonly outbox: Outbox;
  readonly clock: LocalTime;
  /** Escalates what has waited too long; after every evaluation. */
  escalate(): void;
}

export function createNotifier(config: AlarmsConfig, deps: NotifierDeps): Notifier {
  const clock = localTime(config.time_zone);
  const deliver = deps.deliver ?? deliverByTarget({ webhook: webhookDelivery(), email: config.email && emailDelivery(config.email, clock) });
  const outbox = new Outbox(deps.database, deliver, {
    firstRetryS: config.retry.first_s,
    maxRetryS: config.retry.max_s,
    ...(deps.wallNow ? { now: deps.wallNow } : {}),
    logger: deps.logger,
  });
  const { engine } = deps;
  const titles = new Map(engine.definitions.map((d) => [d.id, d.title]));
  const router = new NotifyRouter(config, outbox, { areaOf: deps.areaOf, titleOf: (a) => titles.get(a), clock });
  engine.listen((change) => router.onChange(change, engine.now()));
  return { outbox, clock, escalate: () => router.escalate(engine.records(), engine.now()) };
}
