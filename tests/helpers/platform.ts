// The whole platform in one process, for tests that need it running end to end: simulated PLCs
// on Modbus TCP → collector → aedes → historian → SQLite, and the API (REST, socket.io, web app)
// over both. The plant runs in real time unless a speed is given. The test users of
// helpers/auth.ts (one per role) can sign in.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { UserStore } from '../../api/auth/user-store.ts';
import { startApi, type Api } from '../../api/server.ts';
import { startBroker, type Broker } from '../../broker/broker.ts';
import { resolveCollectConfig } from '../../collectors/collector-config.ts';
import { startCollector, type Collector } from '../../collectors/collector.ts';
import { loadDevices } from '../../collectors/config.ts';
import type { StoredPoint, TimeSeriesStore } from '../../model/store.ts';
import { TAGS } from '../../model/tags.ts';
import { SimClock } from '../../simulators/clock.ts';
import { startEndpoints, writeCollectorConfig, writeManifest, type SimEndpoints } from '../../simulators/manifest.ts';
import { generateCity } from '../../simulators/network/generate.ts';
import { Plant } from '../../simulators/plant.ts';
import { startHistorian, type Historian } from '../../store/historian/historian.ts';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { seedTestUsers } from './auth.ts';
import { freePort } from './ports.ts';

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
  const store = openSqliteStore({ file: path.join(dir, 'store.db') });
  await backfill(plant, store, backfillH);

  const endpoints: SimEndpoints = await startEndpoints(plant, {
    host: '127.0.0.1',
    opcua: { base_port: await freePort(), plcs_per_endpoint: 1 },
    // Modbus allows 247 units an endpoint: one port, where more endpoints take ports nobody checked are free.
    modbus: { base_port: await freePort(), units_per_endpoint: 247 },
    admin_port: 0,
  });
  const { file: sitesFile, manifest } = writeManifest(dir, endpoints);
  writeCollectorConfig(dir, manifest);
  const clock = new SimClock(plant, { speed: options.speed ?? 1 });
  clock.start();

  const broker: Broker = await startBroker({ host: '127.0.0.1', tcpPort: await freePort(), wsPort: 0, logger: log.child({ role: 'broker' }) });
  const historian: Historian = await startHistorian({ mqttUrl: broker.tcpUrl, hostId: HOST_ID, store, batchMaxPoints: 1000, batchMaxMs: 50, logger: log.child({ role: 'historian' }) });
  const config = resolveCollectConfig({
    mqtt: { url: broker.tcpUrl, keepalive_s: 2, reconnect_s: 0.2 },
    group_id: 'heatscada',
    edge_node_id: 'edge-test',
    primary_host_id: HOST_ID,
    data_dir: dir,
    poll_interval_s: 0.25,
    command_min_interval_s: { default: 0 },
  });
  const collector: Collector = await startCollector({ ...config, devices: loadDevices(path.join(dir, 'collectors.generated.yaml')) }, log.child({ role: 'collector' }));

  // Before the API starts, so it finds users and makes no first-start admin.
  await seedTestUsers(new UserStore(store.database));
  const port = await freePort();
  const launch = () => startApi({ host: '127.0.0.1', port, store, mqttUrl: broker.tcpUrl, webDir: options.webDir, sitesFile, logger: log.child({ role: 'api' }) });
  let api: Api | undefined = await launch();

  return {
    plant,
    store,
    database: store.database,
    brokerUrl: broker.tcpUrl,
    sitesFile,
    apiUrl: `http://127.0.0.1:${port}`,
    async stopApi() {
      await api?.close();
      api = undefined;
    },
    async startApi() {
      api ??= await launch();
    },
    async stop() {
      await api?.close();
      await collector.stop();
      clock.stop();
      await historian.stop();
      await broker.close();
      await endpoints.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
