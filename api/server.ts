import { existsSync, mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Controller } from '../control/controller.ts';
import type { BrokerUrls } from '../model/broker-urls.ts';
import type { MqttLogin } from '../model/mqtt-client.ts';
import type { TimeSeriesStore } from '../model/store.ts';
import { loadSiteFile, type ApiContext, type Site, knows, substationIds } from './context.ts';
import type { NetworkTopology } from '../model/topology.ts';
import { frameworkError, notFound, registerErrorHandlers } from './errors.ts';
import { startLiveFeed, type LiveFeedStats } from './live/live-feed.ts';
import { PlatformStatus } from './live/platform-status.ts';
import { attachRooms } from './live/rooms.ts';
import { HttpCounters } from './metrics.ts';
import { controlRoutes } from './routes/control.ts';
import { registerDocs } from './routes/docs.ts';
import { healthRoutes, type PlantInfo } from './routes/health.ts';
import { DEFAULT_DISPLAY_ZONE } from '../model/time-zone.ts';
import { historyRoutes } from './routes/history.ts';
import { networkRoutes } from './routes/network.ts';
import { platformRoutes } from './routes/platform.ts';
import { substationRoutes } from './routes/substations.ts';
import { alarmRoutes } from './routes/alarms.ts';
import { workOrderRoutes } from './routes/work-orders.ts';
import { seasonRoutes } from './routes/season.ts';
import type { SeasonRole } from '../season/start.ts';
import type { AlarmService } from '../alarms/alarms.ts';
import type { AuditTrail } from '../model/audit.ts';
import { HeatScadaError } from '../model/errors.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { restrictToOwner } from '../store/sqlite/owner-only.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { installAuditHook } from './auth/audit-hook.ts';
import { AUTH_DEFAULTS, createAuth, type Auth, type AuthOptions } from './auth/auth.ts';
import { authRoutes } from './auth/auth-routes.ts';
import { registerCors } from './auth/cors.ts';
import { ensureFirstAdmin, type FirstAdmin } from './auth/first-admin.ts';
import { installGuard, type RouteAccess } from './auth/guard.ts';
import { proxyTrust, type TrustProxySetting } from './auth/trust-proxy.ts';
import { registerSecurityHeaders } from './auth/security-headers.ts';
import { userRoutes } from './auth/user-routes.ts';
import { auditRoutes } from './routes/audit.ts';
import { serviceRoutes } from './routes/service.ts';
import type { ServiceRole } from '../service/start.ts';
import { authSync } from './cluster/auth-sync.ts';
import { connectCluster, type ClusterLink, type ClusterOptions } from './cluster/cluster-link.ts';
import { answerForEngine, forwardToEngine } from './cluster/engine-forward.ts';

// `heatscada serve`: REST (one plugin per resource), socket.io live push fed from MQTT, the
// OpenAPI document and its UI, and the built web app, on one HTTP server.

export interface ApiOptions {
  host: string;
  /** 0 picks a free port (see url). */
  port: number;
  store: TimeSeriesStore;
  mqttUrl: BrokerUrls;
  /** The live feed's user name, password, trusted CA (model/mqtt-client.ts). */
  mqttLogin?: MqttLogin;
  group?: string;
  /** The built web app (web/dist); not served when absent. */
  webDir?: string;
  /** Names and locations of the substations; merged over those of sitesFile. */
  sites?: Site[];
  /** The simulator manifest (data/sim-endpoints.json), a network description (YAML), or any JSON { substations: [{ id, name?, location? }] }. */
  sitesFile?: string;
  /** Default 10 s. */
  staleAfterS?: number;
  /** Default 250 ms. */
  overviewIntervalMs?: number;
  logger?: Logger;
  /** The balancing loop, when it runs in this process; /api/control answers 503 without it. */
  control?: Controller;
  /** What the process steers, when it knows (the all-in-one: its simulator); GET /api/health says it. */
  plant?: PlantInfo;
  /** The zone the control room shows times in (display.time_zone); Asia/Shanghai when absent. */
  displayZone?: string;
  /** The alarm engine in this process; /api/alarms and /api/work-orders answer 503 HS_ERR_ALARMS_OFF without it. */
  alarms?: AlarmService;
  /** The residents' service in this process; /api/service answers 503 HS_ERR_SERVICE_OFF without it. */
  service?: ServiceRole;
  /** The season role in this process; /api/season answers 503 HS_ERR_SEASON_OFF without it. */
  season?: SeasonRole;
  /**
   * Where users, sessions and the token key live: the store's SQLite file by default, else
   * authDatabaseFile (serve.auth.database) — one of them is needed.
   */
  database?: Database.Database;
  authDatabaseFile?: string;
  /** The audit trail people's changes go to; an SqliteAuditTrail over the database by default. */
  audit?: AuditTrail;
  auth?: AuthOptions;
  /** Origins other web pages may call from (CORS); none by default. */
  corsOrigins?: readonly string[];
  /** Default 256 KiB. */
  bodyLimitBytes?: number;
  /** A bearer token that opens /metrics (Prometheus) without signing in. */
  metricsToken?: string;
  /** Reverse proxies whose X-Forwarded-For names the client (serve.trust_proxy); none by default. */
  trustProxy?: TrustProxySetting;
  /** Several API nodes meeting in one Redis (serve.cluster): one node when absent. README "Several nodes". */
  cluster?: ClusterOptions & { signingKeyFile?: string };
}

export interface ApiStats {
  httpRequests: number;
  liveClients: number;
  pointsPushed: number;
  mqtt: LiveFeedStats;
}

export interface Api {
  /** http://host:port as bound. */
  readonly url: string;
  /** For tests (inject) and for plugins added by later issues. */
  readonly app: FastifyInstance;
  /** Users, tokens, the audit trail: for tests and `heatscada user`. */
  readonly auth: Auth;
  /** The admin made at first start (empty users table), with its password: print it once. */
  readonly firstAdmin: FirstAdmin | undefined;
  /** Every route with the access it declares. */
  routes(): readonly RouteAccess[];
  stats(): ApiStats;
  close(): Promise<void>;
}

const VERSION = '0.1.0';
const STATUS_SWEEP_MS = 1000;
const BODY_LIMIT_BYTES = 256 * 1024;
/** Paths that are never the web app: their 404 is an API error, not index.html. */
const NOT_WEB = /^\/(api|socket\.io|metrics)(\/|$)/;

function siteMap(options: ApiOptions): { sites: Map<string, Site>; topology?: NetworkTopology } {
  const file = options.sitesFile ? loadSiteFile(options.sitesFile) : { sites: [] };
  const sites = new Map([...file.sites, ...(options.sites ?? [])].map((s) => [s.id, s]));
  return file.topology ? { sites, topology: file.topology } : { sites };
}

/** The built web app with SPA fallback: a GET outside the API that matches no file gets index.html. */
async function registerWeb(app: FastifyInstance, webDir: string | undefined, log: Logger): Promise<void> {
  const root = webDir ? path.resolve(webDir) : undefined;
  const hasWeb = root !== undefined && existsSync(path.join(root, 'index.html'));
  if (root && !hasWeb) log.warn({ webDir: root }, 'no built web app (index.html) there: serving the API only');
  if (hasWeb) await app.register(fastifyStatic, { root, wildcard: true });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    if (hasWeb && (request.method === 'GET' || request.method === 'HEAD') && !NOT_WEB.test(request.url)) return reply.sendFile('index.html');
    return notFound(request, reply);
  });
}

function openAuthDatabase(file: string): Database.Database {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    restrictToOwner(file);
    const db = new Database(file, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    return db;
  } catch (e) {
    throw new HeatScadaError('HS_ERR_STORE_OPEN', (e as Error).message, '/serve/auth/database');
  }
}

/** The SQLite database for users and sessions, and whether startApi opened it (and so closes it). */
function authDatabase(options: ApiOptions): { db: Database.Database; owned: boolean } {
  if (options.database) {
    // Handed in open: its file and the -wal and -shm SQLite holds open are made private now.
    restrictToOwner(options.database.name);
    return { db: options.database, owned: false };
  }
  if (options.store instanceof SqliteStore) return { db: options.store.database, owned: false };
  if (options.authDatabaseFile) return { db: openAuthDatabase(options.authDatabaseFile), owned: true };
  throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'the store is not SQLite: name a SQLite file for users and sessions', '/serve/auth/database');
}

export async function startApi(options: ApiOptions): Promise<Api> {
  const log = options.logger ?? pino({ name: 'api' });
  const trustProxy = proxyTrust(options.trustProxy);
  const { db, owned } = authDatabase(options);
  const trail = options.audit ?? new SqliteAuditTrail(db);
  const sync = options.cluster && authSync(log.child({ part: 'cluster' }));
  const auth = createAuth(db, trail, { ...options.auth, ...(sync ? { changed: sync.changed } : {}), ...(options.cluster?.signingKeyFile ? { signingKeyFile: options.cluster.signingKeyFile } : {}) });
  const { sites, topology } = siteMap(options);
  let link: ClusterLink | undefined;
  try {
    link = options.cluster && (await connectCluster(options.cluster, log.child({ part: 'cluster' })));
  } catch (e) {
    if (owned) db.close();
    throw e;
  }
  const platform = new PlatformStatus(log.child({ part: 'platform-status' }));
  const feedOptions = { mqttUrl: options.mqttUrl, mqttLogin: options.mqttLogin, store: options.store, staleAfterMs: 1000 * (options.staleAfterS ?? 10), followers: [platform], logger: log.child({ part: 'live-feed' }) };
  const feed = await startLiveFeed(options.group === undefined ? feedOptions : { ...feedOptions, group: options.group }).catch(async (e: unknown) => {
    await link?.close();
    if (owned) db.close();
    throw e;
  });
  const app: FastifyInstance = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: options.bodyLimitBytes ?? BODY_LIMIT_BYTES, trustProxy, frameworkErrors: frameworkError, ajv: { customOptions: { coerceTypes: true, allErrors: false } } });

  const http = new HttpCounters();
  let rooms: ReturnType<typeof attachRooms> | undefined;
  // A node of a cluster without the engine hands alarm requests to the node that runs it.
  const forward = link && !options.alarms ? forwardToEngine(() => rooms?.io) : undefined;
  const engineRoutes = { alarms: options.alarms, ...(forward ? { forward: forward.preHandler } : {}) };
  const ctx: ApiContext = {
    store: options.store,
    feed,
    sites,
    ...(topology ? { topology } : {}),
    http,
    startedAt: Date.now(),
    liveClients: () => rooms?.clients() ?? 0,
    pointsPushed: () => rooms?.pointsPushed() ?? 0,
  };
  try {
    registerErrorHandlers(app);
    // Before any route: the guard must see every one of them.
    const routeTable = installGuard(app, auth.authenticator, options.metricsToken);
    installAuditHook(app, trail);
    sync?.holdAnswers(app);
    await registerSecurityHeaders(app);
    await registerCors(app, options.corsOrigins ?? []);
    app.addHook('onResponse', async (request, reply) => {
      http.count(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
    });
    await registerDocs(app, VERSION);
    await app.register(networkRoutes, { ctx });
    await app.register(substationRoutes, { ctx });
    await app.register(historyRoutes, { ctx });
    await app.register(platformRoutes, { platform });
    await app.register(healthRoutes, { ctx, displayZone: options.displayZone ?? DEFAULT_DISPLAY_ZONE, ...(options.plant ? { plant: options.plant } : {}), ...(options.control ? { control: options.control } : {}) });
    await app.register(alarmRoutes, engineRoutes);
    await app.register(workOrderRoutes, engineRoutes);
    await app.register(serviceRoutes, { service: options.service, ctx, alarms: options.alarms });
    await app.register(seasonRoutes, { season: options.season });
    await app.register(controlRoutes, { controller: options.control });
    await app.register(authRoutes, { auth });
    await app.register(userRoutes, { auth });
    await app.register(auditRoutes, { trail });
    await registerWeb(app, options.webDir, log);
    await app.ready();
    rooms = attachRooms(app.server, feed, {
      overviewIntervalMs: options.overviewIntervalMs ?? 250,
      statusSweepMs: STATUS_SWEEP_MS,
      knows: (id) => knows(ctx, id),
      substations: () => substationIds(ctx),
      logger: log.child({ part: 'rooms' }),
      authenticator: auth.authenticator,
      authRecheckMs: options.auth?.liveRecheckMs ?? AUTH_DEFAULTS.liveRecheckMs,
      trustProxy,
      trail,
      platform,
      ...(options.alarms ? { alarms: options.alarms.engine } : {}),
      ...(forward ? { peerAlarms: forward.records } : {}),
      ...(link ? { adapter: link.adapter } : {}),
    });
    if (link) {
      sync?.attach(rooms.io, auth);
      answerForEngine(rooms.io, app, options.alarms, log.child({ part: 'cluster' }));
    }
    const address = await app.listen({ host: options.host, port: options.port });
    log.info({ url: address, substations: substationIds(ctx).length }, 'api listening');
    // Only once the API answers: a start that fails must not leave an admin nobody was shown.
    const firstAdmin = await ensureFirstAdmin(auth.users, log);
    const liveRooms = rooms;
    return {
      url: address,
      app,
      auth,
      firstAdmin,
      routes: () => routeTable,
      stats: () => ({ httpRequests: http.total(), liveClients: liveRooms.clients(), pointsPushed: liveRooms.pointsPushed(), mqtt: feed.stats() }),
      async close() {
        await liveRooms.close();
        await app.close();
        await feed.close();
        await link?.close();
        if (owned) db.close();
        log.info({}, 'api stopped');
      },
    };
  } catch (e) {
    await rooms?.close();
    await app.close();
    await feed.close();
    await link?.close();
    if (owned) db.close();
    throw e;
  }
}
