// The data path under a plant the test owns and advances itself: the substations' PLCs on
// Modbus TCP (the heat source's on OPC UA) → collector → aedes → historian → SQLite, all on
// loopback, with nothing running the plant's clock.

import path from 'node:path';
import { expect } from 'vitest';
import type { Logger } from 'pino';
import { startBroker, type Broker } from '../../broker/broker.ts';
import { resolveCollectConfig } from '../../collectors/collector-config.ts';
import { startCollector, type Collector } from '../../collectors/collector.ts';
import { loadDevices } from '../../collectors/config.ts';
import { startEndpoints, writeCollectorConfig, writeManifest, type SimEndpoints } from '../../simulators/manifest.ts';
import type { Plant } from '../../simulators/plant.ts';
import { startHistorian, type Historian } from '../../store/historian/historian.ts';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { eventually } from './eventually.ts';
import { freePort } from './ports.ts';

export const DATA_PATH_GROUP = 'heatscada';

export interface DataPathOptions {
  plant: Plant;
  /** Manifest, collector config, store file and store-and-forward buffer go here. */
  dir: string;
  edgeNodeId: string;
  hostId: string;
  pollIntervalS: number;
  logger: Logger;
  /** The collector's logger, when the test reads what it logs; `logger` otherwise. */
  collectorLogger?: Logger;
}

export interface DataPath {
  endpoints: SimEndpoints;
  broker: Broker;
  store: SqliteStore;
  historian: Historian;
  collector: Collector;
  /** Advances the plant and waits until the store has the heartbeat every PLC shows now, and one poll more. */
  advance(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startDataPath(options: DataPathOptions): Promise<DataPath> {
  const { plant, dir, logger } = options;
  const endpoints = await startEndpoints(plant, {
    host: '127.0.0.1',
    opcua: { base_port: await freePort(), plcs_per_endpoint: 1 },
    modbus: { base_port: await freePort(), units_per_endpoint: plant.substationIds.length },
    admin_port: 0,
  });
  const { manifest } = writeManifest(dir, endpoints);
  writeCollectorConfig(dir, manifest);
  const broker = await startBroker({ host: '127.0.0.1', tcpPort: await freePort(), wsPort: 0, logger });
  const store = openSqliteStore({ file: path.join(dir, 'store.db') });
  const historian = await startHistorian({ mqttUrl: broker.tcpUrl, hostId: options.hostId, store, batchMaxPoints: 1000, batchMaxMs: 50, logger });
  const config = resolveCollectConfig({
    mqtt: { url: broker.tcpUrl, keepalive_s: 2, reconnect_s: 0.2 },
    group_id: DATA_PATH_GROUP,
    edge_node_id: options.edgeNodeId,
    primary_host_id: options.hostId,
    data_dir: dir,
    poll_interval_s: options.pollIntervalS,
    refresh_interval_s: 1,
    command_min_interval_s: { default: 0 },
  });
  const collector = await startCollector({ ...config, devices: loadDevices(path.join(dir, 'collectors.generated.yaml')) }, options.collectorLogger ?? logger);
  return {
    endpoints,
    broker,
    store,
    historian,
    collector,
    async advance(seconds) {
      plant.advance(seconds);
      await eventually(async () => {
        const beats = await store.latest({ tags: ['plc.heartbeat'] });
        for (const id of plant.substationIds) expect(beats.find((p) => p.substation === id)?.value).toBe(plant.read(id, 'plc.heartbeat'));
      });
      // One more poll so every tag of that scan is in, not only the heartbeat.
      await new Promise((resolve) => setTimeout(resolve, 4 * options.pollIntervalS * 1000));
    },
    async stop() {
      await collector.stop();
      await historian.stop();
      await broker.close();
      await endpoints.close();
      await store.close();
    },
  };
}
