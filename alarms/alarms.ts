import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { Lease, leaseKey, leaseOptions } from '../cluster/lease.ts';
import { startLiveFeed, type LiveFeed } from '../api/live/live-feed.ts';
import type { BrokerUrls } from '../model/broker-urls.ts';
import type { AuditTrail } from '../model/audit.ts';
import type { MqttLogin } from '../model/mqtt-client.ts';
import type { TimeSeriesStore } from '../model/store.ts';
import { AlarmStore } from './alarm-store.ts';
import { loadRuleSet, type AlarmDefinition, type AlarmsConfig } from './config-schema.ts';
import { followComplaints } from './complaint-feed.ts';
import { followControlState } from './control-feed.ts';
import { followRoleStatus, type RoleStatusFeed } from './role-status-feed.ts';
import { AlarmEngine } from './engine.ts';
import type { LearnsFrom, Sample } from './rules/rule.ts';
import { createNotifier } from './notify/notifier.ts';
import type { Deliver, Outbox } from './notify/outbox.ts';
import { WorkOrders } from './work-orders.ts';

// `heatscada alarms`: the engine fed from MQTT by the same Sparkplug host code the API's live feed
// uses (store/historian handlers and alias tables), the balancing loop's state and the residents'
// complaints (when a rule counts them), evaluated on a timer, with its tables in the
// store's SQLite file, work orders opened from alarms and notifications through the outbox.
// With `standby` it is one of a pair: both follow everything, only the lease's holder evaluates,
// journals, opens work orders and notifies; a standby that takes over resumes from the tables.

export interface AlarmsDeps {
  mqttUrl: BrokerUrls;
  /** User name, password, trusted CA (model/mqtt-client.ts). */
  mqttLogin?: MqttLogin;
  group?: string;
  /** What the live feed seeds its table from, and the past a baseline learns from at start. */
  store: Pick<TimeSeriesStore, 'latest' | 'statuses' | 'range'>;
  /** The store's SQLite handle (SqliteStore.database): alarm tables live in the same file. */
  database: Database.Database;
  /** The engine's clock, ms; the simulated time in tests. Date.now by default. */
  now?: () => number;
  /** Delivery of every notification; a real HTTP POST, or SMTP for `mailto:` targets, by default. */
  deliver?: Deliver;
  /** Where the engine's own changes (work orders it opens) are recorded; people's acts are audited by the API. */
  audit?: AuditTrail;
  logger: Logger;
}

export interface AlarmService {
  readonly engine: AlarmEngine;
  readonly alarms: AlarmStore;
  readonly workOrders: WorkOrders;
  readonly outbox: Outbox;
  readonly definitions: readonly AlarmDefinition[];
  /** The roles' status feed, when a `scope: role` alarm is defined. */
  readonly roleStatus: RoleStatusFeed | undefined;
  /** The hot-standby lease, when alarms.standby is configured. */
  readonly lease: Lease | undefined;
  /** One evaluation now (the timer does this every evaluate_every_s). */
  evaluate(): void;
  close(): Promise<void>;
}

/** Critical and high open a work order by themselves unless the rule set says otherwise. */
const autoOrder = (def: AlarmDefinition): boolean => (def.work_order ?? (def.priority === 'critical' || def.priority === 'high' ? 'auto' : 'manual')) === 'auto';

/** The engine's name in the audit trail and on the orders it opens. */
const ACTOR = 'alarms';

/**
 * Opens a work order when an alarm that takes one is raised (cold homes: before anyone calls),
 * and appends it to the audit trail: a change nobody asked for must still say who made it.
 */
export function openOrdersFromAlarms(engine: AlarmEngine, workOrders: WorkOrders, audit: AuditTrail | undefined, log: Logger): () => void {
  const byId = new Map(engine.definitions.map((d) => [d.id, d]));
  return engine.listen((change) => {
    const def = byId.get(change.record.alarm);
    if (change.event !== 'activate' || !change.annunciated || !def || !autoOrder(def)) return;
    const r = change.record;
    const { order, opened } = workOrders.openFor(r, ACTOR);
    if (!opened || !audit) return;
    try {
      audit.append({
        ts: order.openedAt,
        actor: ACTOR,
        source: 'engine',
        action: 'work_order.change',
        target: `work_order:${order.id}`,
        oldValue: null,
        newValue: order.state,
        outcome: 'ok',
        detail: `opened by itself for ${r.priority} alarm ${r.alarm} #${r.id} at ${r.substation}${order.crew === null ? '' : `, crew ${order.crew}`}`,
      });
    } catch (e) {
      // The order stands either way: a crew is not held back by a failed audit write.
      log.error({ code: 'HS_ERR_INTERNAL', order: order.id, reason: (e as Error).message }, 'work order not audited');
    }
  });
}

export async function startAlarms(config: AlarmsConfig, deps: AlarmsDeps): Promise<AlarmService> {
  const log = deps.logger;
  const now = deps.now ?? Date.now;
  const definitions = loadRuleSet(config.rules_file);
  const alarms = new AlarmStore(deps.database);
  const lease = config.standby ? await Lease.start(leaseOptions(config.standby, leaseKey('alarms', deps.group ?? 'all', config.standby), log)) : undefined;
  const history = async (substation: string, h: LearnsFrom, to: number): Promise<Sample[]> => {
    const [range] = await deps.store.range({ series: [{ substation, tag: h.tag }], from: to - h.windowMs, to, stepMs: h.stepMs, agg: 'avg' });
    return (range?.points ?? []).filter((p) => p.quality === 'good').map((p) => ({ at: p.ts, value: p.value }));
  };
  const engine = new AlarmEngine({ definitions, config, store: alarms, now, history, logger: log.child({ part: 'engine' }), ...(lease ? { active: () => lease.isActive() } : {}) });
  const workOrders = new WorkOrders(deps.database, config, now, log.child({ part: 'work-orders' }));
  const notifier = createNotifier(config, {
    database: deps.database,
    engine,
    areaOf: (s) => workOrders.areaOf(s),
    ...(deps.deliver ? { deliver: deps.deliver } : {}),
    logger: log.child({ part: 'notify' }),
  });
  const { outbox } = notifier;
  openOrdersFromAlarms(engine, workOrders, deps.audit, log.child({ part: 'work-orders' }));

  const feedOptions = { mqttUrl: deps.mqttUrl, mqttLogin: deps.mqttLogin, store: deps.store, staleAfterMs: config.poll_period_s * 3000, logger: log.child({ part: 'live-feed' }) };
  const feed: LiveFeed = await startLiveFeed(deps.group === undefined ? feedOptions : { ...feedOptions, group: deps.group });
  const unlisten = feed.listen({
    points: (substation, points) => engine.ingest(substation, points),
    link: (substation, online) => engine.link(substation, online),
  });
  const controlFeed = await followControlState({ ...feedOptions, group: deps.group, engine, logger: log.child({ part: 'control-feed' }) });
  const countsComplaints = definitions.some((d) => d.rules.some((r) => r.kind === 'complaint-cluster'));
  const complaintFeed = countsComplaints
    ? await followComplaints({ ...feedOptions, group: deps.group, engine, logger: log.child({ part: 'complaint-feed' }) })
    : undefined;
  const roleStatus = definitions.some((d) => d.scope === 'role')
    ? await followRoleStatus({ mqttUrl: deps.mqttUrl, mqttLogin: deps.mqttLogin, engine, logger: log.child({ part: 'role-status-feed' }) })
    : undefined;

  const evaluate = (): void => {
    if (!engine.active) return;
    try {
      engine.evaluate();
      notifier.escalate();
    } catch (e) {
      log.error({ code: 'HS_ERR_INTERNAL', reason: (e as Error).message }, 'alarm evaluation failed');
    }
  };
  const timer = setInterval(evaluate, config.evaluate_every_s * 1000);
  if (engine.active) outbox.start();
  // The active one's last word is in the tables: a standby taking over starts from there, its views already full.
  lease?.listen((state) => {
    if (state.role === 'active') {
      engine.resume();
      outbox.start();
      log.info({ code: 'HS_ALARMS_TAKEOVER', epoch: state.epoch, alarms: engine.records().length }, 'alarm engine active: resumed from the alarm tables');
    } else {
      void outbox.close();
    }
  });
  log.info({ code: 'HS_ALARMS_STARTED', alarms: definitions.length, rules: definitions.reduce((n, d) => n + d.rules.length, 0), webhooks: config.webhooks.length, emailRoutes: config.email?.routes.length ?? 0, timeZone: notifier.clock.zone, audit: deps.audit !== undefined, ...(lease ? { lease: lease.state } : {}) }, 'alarm engine started');

  return {
    engine,
    alarms,
    workOrders,
    outbox,
    definitions,
    roleStatus,
    lease,
    evaluate,
    async close() {
      clearInterval(timer);
      unlisten();
      await feed.close();
      await controlFeed.close();
      await complaintFeed?.close();
      await roleStatus?.close();
      await outbox.close();
      await lease?.stop();
      log.info({ code: 'HS_ALARMS_STOPPED' }, 'alarm engine stopped');
    },
  };
}
