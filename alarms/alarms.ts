import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { startLiveFeed, type LiveFeed } from '../api/live/live-feed.ts';
import type { TimeSeriesStore } from '../model/store.ts';
import { AlarmStore } from './alarm-store.ts';
import { loadRuleSet, type AlarmDefinition, type AlarmsConfig } from './config-schema.ts';
import { AlarmEngine } from './engine.ts';
import { Outbox, type Deliver } from './notify/outbox.ts';
import { NotifyRouter } from './notify/router.ts';
import { webhookDelivery } from './notify/webhook.ts';
import { WorkOrders } from './work-orders.ts';

// `heatscada alarms`: the engine fed from MQTT by the same Sparkplug host code the API's live feed
// uses (store/historian handlers and alias tables), evaluated on a timer, with its tables in the
// store's SQLite file, work orders opened from alarms and notifications through the outbox.

export interface AlarmsDeps {
  mqttUrl: string;
  group?: string;
  /** What the live feed seeds its table from. */
  store: Pick<TimeSeriesStore, 'latest' | 'statuses'>;
  /** The store's SQLite handle (SqliteStore.database): alarm tables live in the same file. */
  database: Database.Database;
  /** The engine's clock, ms; the simulated time in tests. Date.now by default. */
  now?: () => number;
  /** Webhook delivery; a real HTTP POST by default. */
  deliver?: Deliver;
  logger: Logger;
}

export interface AlarmService {
  readonly engine: AlarmEngine;
  readonly alarms: AlarmStore;
  readonly workOrders: WorkOrders;
  readonly outbox: Outbox;
  readonly definitions: readonly AlarmDefinition[];
  /** One evaluation now (the timer does this every evaluate_every_s). */
  evaluate(): void;
  close(): Promise<void>;
}

/** Critical and high open a work order by themselves unless the rule set says otherwise. */
const autoOrder = (def: AlarmDefinition): boolean => (def.work_order ?? (def.priority === 'critical' || def.priority === 'high' ? 'auto' : 'manual')) === 'auto';

/** Opens a work order when an alarm that takes one is raised (cold homes: before anyone calls). */
export function openOrdersFromAlarms(engine: AlarmEngine, workOrders: WorkOrders): () => void {
  const byId = new Map(engine.definitions.map((d) => [d.id, d]));
  return engine.listen((change) => {
    const def = byId.get(change.record.alarm);
    if (change.event === 'activate' && change.annunciated && def && autoOrder(def)) workOrders.open(change.record, 'system');
  });
}

export async function startAlarms(config: AlarmsConfig, deps: AlarmsDeps): Promise<AlarmService> {
  const log = deps.logger;
  const now = deps.now ?? Date.now;
  const definitions = loadRuleSet(config.rules_file);
  const alarms = new AlarmStore(deps.database);
  const engine = new AlarmEngine({ definitions, config, store: alarms, now, logger: log.child({ part: 'engine' }) });
  const workOrders = new WorkOrders(deps.database, config, now, log.child({ part: 'work-orders' }));
  const outbox = new Outbox(deps.database, deps.deliver ?? webhookDelivery(), { firstRetryS: config.retry.first_s, maxRetryS: config.retry.max_s, logger: log.child({ part: 'notify' }) });
  const router = new NotifyRouter(config, outbox, (s) => workOrders.areaOf(s));
  engine.listen((change) => router.onChange(change, now()));
  openOrdersFromAlarms(engine, workOrders);

  const feedOptions = { mqttUrl: deps.mqttUrl, store: deps.store, staleAfterMs: config.poll_period_s * 3000, logger: log.child({ part: 'live-feed' }) };
  const feed: LiveFeed = await startLiveFeed(deps.group === undefined ? feedOptions : { ...feedOptions, group: deps.group });
  const unlisten = feed.listen({
    points: (substation, points) => engine.ingest(substation, points),
    link: (substation, online) => engine.link(substation, online),
  });

  const evaluate = (): void => {
    try {
      engine.evaluate();
      router.escalate(engine.records().filter((r) => r.state === 'unack_active'), now());
    } catch (e) {
      log.error({ code: 'HS_ERR_INTERNAL', reason: (e as Error).message }, 'alarm evaluation failed');
    }
  };
  const timer = setInterval(evaluate, config.evaluate_every_s * 1000);
  outbox.start();
  log.info({ code: 'HS_ALARMS_STARTED', alarms: definitions.length, rules: definitions.reduce((n, d) => n + d.rules.length, 0), webhooks: config.webhooks.length }, 'alarm engine started');

  return {
    engine,
    alarms,
    workOrders,
    outbox,
    definitions,
    evaluate,
    async close() {
      clearInterval(timer);
      unlisten();
      await feed.close();
      await outbox.close();
      log.info({ code: 'HS_ALARMS_STOPPED' }, 'alarm engine stopped');
    },
  };
}
