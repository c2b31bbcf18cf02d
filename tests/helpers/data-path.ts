// The data path over loopback: the substations' PLCs on Modbus TCP or OPC UA (the heat source's
// on OPC UA) → collector → aedes → historian → SQLite. The plant is the test's: a clock runs it
// when a speed is given, otherwise the test advances it itself.

import path from 'node:path';
import { expect } from 'vitest';
import type { Logger } from 'pino';
import type { BrokerAuth } from '../../broker/auth.ts';
import { startBroker, type Broker } from '../../broker/broker.ts';
import { resolveCollectConfig } from '../../collectors/collector-config.ts';
import { startCollector, type Collector } from '../../collectors/collector.ts';
import { loadDevices, type DeviceConfig } from '../../collectors/config.ts';
import { SimClock } from '../../simulators/clock.ts';
import { startEndpoints, writeCollectorConfig, writeManifest, type SimEndpoints } from '../../simulators/manifest.ts';
import { generateCity } from '../../simulators/network/generate.ts';
import type { Network } from '../../simulators/network/schema.ts';
import type { Plant } from '../../simulators/plant.ts';
import { startHistorian, type Historian } from '../../store/historian/historian.ts';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { eventually } from './eventually.ts';
import { freePort } from './ports.ts';
import { startRestartable } from './restartable.ts';

export const DATA_PATH_GROUP = 'heatscada';

export interface DataPathOptions {
  plant: Plant;
  /** Manifest, collector config, store file (store.db) and store-and-forward buffer go here. */
  dir: string;
  edgeNodeId: string;
  hostId: string;
  pollIntervalS: number;
  /** How often the collector republishes every metric; the collector's default when left out. */
  refreshIntervalS?: number;
  /** How often the OPC UA servers sample a tag for the collector; the device default when left out. */
  opcuaSamplingMs?: number;
  /** Simulated seconds per wall second of a clock that runs the plant; no clock when left out. */
  speed?: number;
  logger: Logger;
  /** The collector's logger, when the test reads what it logs; a child of `logger` otherwise. */
  collectorLogger?: Logger;
  /** Who the broker lets in and what they may do; everyone everything when left out (the roles here log in with no name). */
  brokerAuth?: BrokerAuth;
  /** Modbus units behind one endpoint; all on one when left out (1: each PLC its own port and link). */
  modbusUnitsPerEndpoint?: number;
  /** Changes each device of the generated collector config (a shorter reconnect back-off, say). */
  tuneDevice?: (device: DeviceConfig) => DeviceConfig;
}

export interface DataPath {
  endpoints: SimEndpoints;
  /** The simulator manifest: substations with names and places, and the heat source. */
  manifestFile: string;
  store: SqliteStore;
  historian: Historian;
  /** The broker running now (the last one while stopped): another one after stopBroker and startBroker. */
  readonly broker: Broker;
  /** The collector running now: another one after restartCollector. */
  readonly collector: Collector;
  /** Advances the plant and waits until the store has the heartbeat every PLC shows now, and one poll more. */
  advance(seconds: number): Promise<void>;
  stopBroker(): Promise<void>;
  /** Starts a broker again on the same port. */
  startBroker(): Promise<void>;
  /** Stops the collector and starts another on the same configuration and buffer directory. */
  restartCollector(): Promise<void>;
  stop(): Promise<void>;
}

/** A city whose substations alternate between OPC UA and Modbus TCP, so one run covers both drivers. */
export function mixedProtocolCity(substations: number, seed: number): Network {
  const city = generateCity({ substations, seed });
  city.substations.forEach((s, k) => (s.protocol = k % 2 === 0 ? 'opcua' : 'modbus'));
  return city;
}

export async function startDataPath(options: DataPathOptions): Promise<DataPath> {
  const { plant, dir, logger } = options;
  const endpoints = await startEndpoints(plant, {
    host: '127.0.0.1',
    opcua: { base_port: await freePort(), plcs_per_endpoint: 1 },
    // Modbus allows 247 units an endpoint: one port, where more endpoints take ports nobody checked are free.
    modbus: { base_port: await freePort(), units_per_endpoint: options.modbusUnitsPerEndpoint ?? 247 },
    admin_port: 0,
  });
  const { file: manifestFile, manifest } = writeManifest(dir, endpoints);
  writeCollectorConfig(dir, manifest);
  const clock = options.speed === undefined ? undefined : new SimClock(plant, { speed: options.speed });
  clock?.start();

  const brokerPort = await freePort();
  const broker = await startRestartable(() => startBroker({ host: '127.0.0.1', tcpPort: brokerPort, wsPort: 0, auth: options.brokerAuth, logger: logger.child({ role: 'broker' }) }));
  const store = openSqliteStore({ file: path.join(dir, 'store.db') });
  const historian = await startHistorian({ mqttUrl: broker.current.tcpUrl, hostId: options.hostId, store, batchMaxPoints: 1000, batchMaxMs: 50, logger: logger.child({ role: 'historian' }) });
  const config = resolveCollectConfig({
    mqtt: { url: broker.current.tcpUrl, keepalive_s: 2, reconnect_s: 0.2 },
    group_id: DATA_PATH_GROUP,
    edge_node_id: options.edgeNodeId,
    // Publish only while the historian says it is online: nothing goes out that nobody stores.
    primary_host_id: options.hostId,
    data_dir: dir,
    poll_interval_s: options.pollIntervalS,
    ...(options.refreshIntervalS === undefined ? {} : { refresh_interval_s: options.refreshIntervalS }),
    command_min_interval_s: { default: 0 },
  });
  const launchCollector = () => {
    const devices = loadDevices(path.join(dir, 'collectors.generated.yaml'))
      .map((d) => (d.protocol === 'opcua' && options.opcuaSamplingMs !== undefined ? { ...d, sampling_interval_ms: options.opcuaSamplingMs } : d))
      .map((d) => options.tuneDevice?.(d) ?? d);
    return startCollector({ ...config, devices }, options.collectorLogger ?? logger.child({ role: 'collector' }));
  };
  let collector = await launchCollector();
  return {
    endpoints,
    manifestFile,
    store,
    historian,
    get broker() {
      return broker.current;
    },
    get collector() {
      return collector;
    },
    async advance(seconds) {
      plant.advance(seconds);
      await eventually(async () => {
        const beats = await store.latest({ tags: ['plc.heartbeat'] });
        for (const id of plant.substationIds) expect(beats.find((p) => p.substation === id)?.value).toBe(plant.read(id, 'plc.heartbeat'));
      });
      // One more poll so every tag of that scan is in, not only the heartbeat.
      await new Promise((resolve) => setTimeout(resolve, 4 * options.pollIntervalS * 1000));
    },
    stopBroker: broker.stop,
    startBroker: broker.start,
    async restartCollector() {
      await collector.stop();
      collector = await launchCollector();
    },
    async stop() {
      await collector.stop();
      clock?.stop();
      await historian.stop();
      await broker.stop();
      await endpoints.close();
      await store.close();
    },
  };
}
