import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { AlarmService } from '../alarms/alarms.ts';
import type { WorkOrders } from '../alarms/work-orders.ts';
import { isActive } from '../alarms/states.ts';
import { startLiveFeed, type LiveFeed } from '../api/live/live-feed.ts';
import type { BrokerUrls } from '../model/broker-urls.ts';
import type { AuditTrail } from '../model/audit.ts';
import { HeatScadaError } from '../model/errors.ts';
import type { MqttLogin } from '../model/mqtt-client.ts';
import type { TimeSeriesStore } from '../model/store.ts';
import { buildBoard, type SeasonBoard } from './board.ts';
import type { CheckPhase, PhaseCheck } from '../model/season.ts';
import { Checklist } from './checklist.ts';
import type { SeasonConfig } from './config-schema.ts';
import { buildPlan, type SeasonPlan } from './plan.ts';
import { checklistCsv, phaseReportHtml } from './report.ts';
import { SeasonWatcher, type SubstationDesign } from './watcher.ts';
import { seasonOrderOpener } from './work-orders.ts';

// `startSeason`: the season role — the watcher fed from MQTT by the live feed's Sparkplug host
// code (as the alarm engine is), judged on a timer, its checklist in the store's SQLite file,
// failed checks as work orders of the alarm service's crews. What the API serves comes from here.

export interface SeasonDeps {
  mqttUrl: BrokerUrls;
  mqttLogin?: MqttLogin;
  group?: string;
  /** What the live feed seeds its table from, and where the plan finds the substations. */
  store: Pick<TimeSeriesStore, 'latest' | 'statuses'>;
  /** The store's SQLite handle: the checklist lives in the same file. */
  database: Database.Database;
  /** The substations of the plan; those the store knows when absent (and any that report later). */
  substations?: readonly string[];
  /** Static pressure and design flow per substation (the network description), where known. */
  designs?: ReadonlyMap<string, SubstationDesign>;
  /** The alarm service: work orders for failed checks, and its leak alarm during the cold run. */
  alarms?: AlarmService;
  audit?: AuditTrail;
  /** The role's clock, ms; the simulated time in tests. */
  now?: () => number;
  logger: Logger;
}

export interface SeasonRole {
  readonly config: SeasonConfig;
  readonly watcher: SeasonWatcher;
  plan(): SeasonPlan;
  checks(substation?: string): PhaseCheck[];
  board(): SeasonBoard;
  csv(): string;
  report(phase: CheckPhase, lang: 'en' | 'zh'): string;
  /** An engineer's tick of a phase data cannot judge (inspection). */
  tick(substation: string, phase: CheckPhase, state: 'passed' | 'failed' | 'pending', actor: string, note: string): PhaseCheck;
  /** One judgement now (the timer does this every evaluate_every_s). */
  evaluate(): PhaseCheck[];
  close(): Promise<void>;
}

const LEAK_ALARM = 'leak';

/** The role without its inputs: the watcher is fed by whoever holds it (the live feed, a test, the bench). */
export interface SeasonRoleDeps {
  database: Database.Database;
  substations: readonly string[];
  designs?: ReadonlyMap<string, SubstationDesign>;
  /** Where failed checks become orders for the crews. */
  workOrders?: WorkOrders;
  /** Whether a leak alarm stands at the substation now. */
  leakAlarm?: (substation: string) => boolean;
  audit?: AuditTrail;
  now?: () => number;
  logger: Logger;
}

export function createSeasonRole(config: SeasonConfig, deps: SeasonRoleDeps): SeasonRole {
  const log = deps.logger;
  const now = deps.now ?? Date.now;
  const checklist = new Checklist(deps.database, config.season);
  const { workOrders, leakAlarm } = deps;
  const watcher = new SeasonWatcher({
    config,
    checklist,
    substations: deps.substations,
    ...(deps.designs ? { designs: deps.designs } : {}),
    now,
    ...(workOrders ? { openOrder: seasonOrderOpener(workOrders, config.work_order_priority, deps.audit, log.child({ part: 'work-orders' })) } : {}),
    ...(leakAlarm ? { leakAlarm } : {}),
    logger: log,
  });
  if (!workOrders) log.warn({ code: 'HS_SEASON_NO_WORK_ORDERS' }, 'season role without the alarm service: failed checks open no work order');
  const evaluate = (): PhaseCheck[] => {
    try {
      return watcher.evaluate();
    } catch (e) {
      log.error({ code: 'HS_ERR_INTERNAL', reason: (e as Error).message }, 'season judgement failed');
      return [];
    }
  };
  const plan = () => buildPlan(config, watcher.substations());
  const board = () => buildBoard(plan(), watcher.checks(), now());
  return {
    config,
    watcher,
    plan,
    checks: (substation) => watcher.checks().filter((c) => substation === undefined || c.substation === substation),
    board,
    csv: () => checklistCsv(plan(), watcher.checks(), board()),
    report: (phase, lang) => phaseReportHtml(board(), watcher.checks(), phase, lang),
    tick(substation, phase, state, actor, note) {
      if (!watcher.substations().includes(substation)) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', `no substation ${substation} in the season's plan`, 'substation');
      const check = checklist.tick(substation, phase, state, actor, note, now());
      watcher.record(check);
      log.info({ code: 'HS_SEASON_TICK', substation, phase, state, actor }, 'season check ticked by hand');
      return check;
    },
    evaluate,
    close: async () => undefined,
  };
}

export async function startSeason(config: SeasonConfig, deps: SeasonDeps): Promise<SeasonRole> {
  const log = deps.logger;
  // Without a list, the substations the store knows with a secondary loop (not the heat source).
  const substations = deps.substations ?? [...new Set((await deps.store.latest({ tags: ['makeup.running'] })).map((p) => p.substation))];
  const engine = deps.alarms?.engine;
  const role = createSeasonRole(config, {
    database: deps.database,
    substations,
    ...(deps.designs ? { designs: deps.designs } : {}),
    ...(deps.alarms ? { workOrders: deps.alarms.workOrders } : {}),
    ...(engine ? { leakAlarm: (s: string) => engine.records().some((r) => r.substation === s && r.alarm === LEAK_ALARM && isActive(r.state)) } : {}),
    ...(deps.audit ? { audit: deps.audit } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    logger: log,
  });
  const feedOptions = { mqttUrl: deps.mqttUrl, mqttLogin: deps.mqttLogin, store: deps.store, staleAfterMs: 30_000, logger: log.child({ part: 'live-feed' }) };
  const feed: LiveFeed = await startLiveFeed(deps.group === undefined ? feedOptions : { ...feedOptions, group: deps.group });
  const unlisten = feed.listen({ points: (substation, points) => role.watcher.ingest(substation, points), link: () => undefined });
  const timer = setInterval(role.evaluate, config.evaluate_every_s * 1000);
  log.info({ code: 'HS_SEASON_STARTED', season: config.season, substations: substations.length, workOrders: deps.alarms !== undefined }, 'season role started');
  return {
    ...role,
    async close() {
      clearInterval(timer);
      unlisten();
      await feed.close();
      log.info({ code: 'HS_SEASON_STOPPED' }, 'season role stopped');
    },
  };
}
