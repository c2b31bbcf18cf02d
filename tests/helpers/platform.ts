// The whole platform in one process, for tests that need it running end to end: simulated PLCs
// on Modbus TCP → collector → aedes → historian → SQLite, and the API (REST, socket.io, web app)
// over both, and the alarm service when given its configuration. The plant runs in real time
// unless a speed is given. The test users of helpers/auth.ts (one per role) can sign in.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startAlarms, type AlarmService } from '../../alarms/alarms.ts';
import type { BrokerAuth } from '../../broker/auth.ts';
import type { AlarmsConfig } from '../../alarms/config-schema.ts';
import { UserStore } from '../../api/auth/user-store.ts';
import { startApi } from '../../api/server.ts';
import type { StoredPoint, TimeSeriesStore } from '../../model/store.ts';
import { TAGS } from '../../model/tags.ts';
import { generateCity } from '../../simulators/network/generate.ts';
import { Plant } from '../../simulators/plant.ts';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { SqliteAuditTrail } from '../../store/audit/sqlite-audit-trail.ts';
import { AddressBook } from '../../service/address-book.ts';
import { resolveServiceConfig } from '../../service/config-schema.ts';
import { demoBuildings } from '../../service/demo-address-book.ts';
import { startService, type ServiceRole } from '../../service/start.ts';
import { seedTestUsers } from './auth.ts';
import { startDataPath } from './data-path.ts';
import { freePort } from './ports.ts';
import { startRestartable, type Restartable } from './restartable.ts';

const HOST_ID = 'test-historian';
const BACKFILL_STEP_S = 60;

export interface PlatformOptions {
  substations: number;
  seed?: number;
  /** Hours of history simulated and stored before the start, so trends have a past. */
  backfillH?: number;
  /** The built web app the API serves. */
  webDir?: string;
  /** Simulated seconds per wall second; 1 by default. */
  speed?: number;
  /** Starts the alarm service with this configuration, on the plant's time. */
  alarms?: AlarmsConfig;
  /** The broker's logins and topic rules (the platform's own roles connect without a name); everyone everything when absent. */
  brokerAuth?: BrokerAuth;
  /**
   * Starts the residents' service (the `service:` section, defaults when absent) with the simulated
   * city's address book, on the alarm service's work orders (so it needs `alarms`), on the plant's
   * time unless `now` is given; the API serves it and the alarm service then.
   */
  service?: { config?: unknown; now?: () => number };
}

export interface TestPlatform {
  plant: Plant;
  store: TimeSeriesStore;
  /** The store's SQLite handle, for roles that keep their tables beside the points (alarms). */
  database: SqliteStore['database'];
  brokerUrl: string;
  /** The simulator manifest: substations with names and places, and the heat source. */
  sitesFile: string;
  /** http://127.0.0.1:port of the API; the same after restartApi. */
  apiUrl: string;
  /** Closes the API (HTTP and socket.io) only; the data path keeps running. */
  stopApi(): Promise<void>;
  /** Starts the API again on the same port. */
  startApi(): Promise<void>;
  /** The residents' service (with the `service` option only). */
  service: ServiceRole | undefined;
  /** The alarm service started last (with the `alarms` option only); still readable once stopped. */
  readonly alarms: AlarmService;
  stopAlarms(): Promise<void>;
  /** Starts another alarm service on the same configuration and database. */
  startAlarms(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs the plant through the past hours and stores every tag once a step, as the historian would. */
async function backfill(plant: Plant, store: TimeSeriesStore, hours: number): Promise<void> {
  for (let s = 0; s < hours * 3600; s += BACKFILL_STEP_S) {
    plant.advance(BACKFILL_STEP_S);
    const ts = plant.summary().timeMs;
    const points: StoredPoint[] = plant.spec.substations.flatMap(({ id }) =>
      TAGS.map((def) => ({ substation: id, tag: def.name, ts, value: plant.read(id, def.name), quality: 'good' as const })),
    );
    await store.write(points);
  }
}

export async function startTestPlatform(options: PlatformOptions): Promise<TestPlatform> {
  const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
  const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-platform-'));
  const backfillH = options.backfillH ?? 0;
  // Modbus only: a node-opcua server takes seconds to start, and the UI does not care which.
  const city = generateCity({ substations: options.substations, seed: options.seed ?? 7, opcuaShare: 0 });
  const plant = new Plant(city, { startMs: Date.now() - backfillH * 3_600_000, warmUpS: 1800 });
  if (backfillH > 0) {
    // Into the file the data path's store opens next.
    const history = openSqliteStore({ file: path.join(dir, 'store.db') });
    await backfill(plant, history, backfillH);
    await history.close();
  }
  const dataPath = await startDataPath({ plant, dir, edgeNodeId: 'edge-test', hostId: HOST_ID, pollIntervalS: 0.25, speed: options.speed ?? 1, brokerAuth: options.brokerAuth, logger: log });
  const { store, broker } = dataPath;
  const sitesFile = dataPath.manifestFile;

  // Before the API starts, so it finds users and makes no first-start admin.
  await seedTestUsers(new UserStore(store.database));
  const alarmsConfig = options.alarms;
  const alarms = alarmsConfig
    ? await startRestartable(() => startAlarms(alarmsConfig, { mqttUrl: broker.tcpUrl, store, database: store.database, now: () => plant.timeMs, logger: log.child({ role: 'alarms' }) }))
    : undefined;
  const withAlarms = (): Restartable<AlarmService> => {
    if (!alarms) throw new Error('startTestPlatform was given no alarms configuration');
    return alarms;
  };
  // One audit trail for the API and the service, as in the all-in-one.
  const audit = new SqliteAuditTrail(store.database);
  const service = options.service
    ? await startService(resolveServiceConfig(options.service.config ?? {}), {
        database: store.database,
        workOrders: withAlarms().current.workOrders,
        audit,
        mqttUrl: broker.tcpUrl,
        addressBook: new AddressBook(demoBuildings(plant.spec.substations)),
        now: options.service.now ?? (() => plant.timeMs),
        logger: log.child({ role: 'service' }),
      })
    : undefined;
  const serving = service ? { service, alarms: withAlarms().current, audit } : {};
  const port = await freePort();
  const api = await startRestartable(() => startApi({ host: '127.0.0.1', port, store, mqttUrl: broker.tcpUrl, webDir: options.webDir, sitesFile, ...serving, logger: log.child({ role: 'api' }) }));

  return {
    plant,
    store,
    database: store.database,
    brokerUrl: broker.tcpUrl,
    sitesFile,
    apiUrl: `http://127.0.0.1:${port}`,
    stopApi: api.stop,
    startApi: api.start,
    service,
    get alarms() {
      return withAlarms().current;
    },
    stopAlarms: () => withAlarms().stop(),
    startAlarms: () => withAlarms().start(),
    async stop() {
      await api.stop();
      await service?.close();
      await alarms?.stop();
      await dataPath.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
