// The collector process: a driver per configured device, all served by one Sparkplug B edge
// node. Devices that do not answer at start do not hold the others up: their drivers keep
// reconnecting on their own, and the edge node births them when they answer.

import { pino, type Logger } from 'pino';
import type { DriverState } from '../model/driver.ts';
import type { CollectConfig } from './collector-config.ts';
import { createDrivers } from './drivers.ts';
import { EdgeNode, type EdgeNodeStats } from './sparkplug/edge-node.ts';

export interface CollectorStats extends EdgeNodeStats {
  devices: { substation: string; state: DriverState }[];
}

export interface Collector {
  /** Publishes NDEATH, disconnects, keeps the unsent points on disk, closes the drivers. */
  stop(): Promise<void>;
  stats(): CollectorStats;
}

export async function startCollector(config: CollectConfig, log: Logger = pino({ name: 'collector' })): Promise<Collector> {
  const drivers = createDrivers(config.devices, log);
  const closeDrivers = () => Promise.all(drivers.map((d) => d.close()));
  let edge: EdgeNode;
  try {
    // Each connect() returns after its first attempt, whether the device answered or not.
    await Promise.all(drivers.map((d) => d.connect()));
    edge = new EdgeNode(config, drivers, log);
    await edge.start();
  } catch (e) {
    await closeDrivers();
    throw e;
  }
  const connected = drivers.filter((d) => d.state === 'connected').length;
  log.info({ event: 'collector_started', devices: drivers.length, connected, broker: config.mqtt.url }, 'collector started');
  return {
    async stop() {
      await edge.stop();
      await closeDrivers();
    },
    stats: () => ({ ...edge.stats(), devices: drivers.map((d) => ({ substation: d.substation, state: d.state })) }),
  };
}
