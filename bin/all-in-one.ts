// `heatscada start`: every role of the data path in one process, wired to each other —
// broker, then store and historian, then the simulated plant, then a collector reading every
// simulated PLC over its real protocol. Each role still talks to the others only through MQTT
// and the store, exactly as when they run as separate processes.

import type { Logger } from 'pino';
import { startBroker } from '../broker/broker.ts';
import { brokerOptions } from '../broker/config-schema.ts';
import { loadDevices } from '../collectors/config.ts';
import { startCollector } from '../collectors/collector.ts';
import type { Config } from '../model/config.ts';
import { openStore } from '../store/open-store.ts';
import { historianOptions } from '../store/historian/config-schema.ts';
import { startHistorian } from '../store/historian/historian.ts';
import { runSimulator, type Log } from '../simulators/run.ts';

export interface AllInOne {
  summary: string[];
  stop(): Promise<void>;
}

export async function startAllInOne(config: Config, simLog: Log, log: Logger): Promise<AllInOne> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((e: unknown) => log.error({ event: 'stop_failed', err: (e as Error).message }));
    }
  };
  try {
    const broker = await startBroker({ ...brokerOptions(config.broker), logger: log.child({ role: 'broker' }) });
    stops.push(() => broker.close());

    const store = await openStore(config.store);
    stops.push(() => store.close());
    // The historian subscribes to the broker we just started, wherever its section pointed.
    const historian = await startHistorian({ ...historianOptions(config.historian), mqttUrl: broker.tcpUrl, store, logger: log.child({ role: 'historian' }) });
    stops.push(() => historian.stop());

    const simulator = await runSimulator(config.simulate, simLog);
    stops.push(() => simulator.stop());

    const devices = loadDevices(simulator.collectorConfigFile);
    const collector = await startCollector(
      { ...config.collect, mqtt: { ...config.collect.mqtt, url: broker.tcpUrl }, devices },
      log.child({ role: 'collector' }),
    );
    stops.push(() => collector.stop());

    const storeWhere = config.store.kind === 'sqlite' ? config.store.sqlite.file : `InfluxDB ${config.store.influxdb?.url ?? ''}`;
    return {
      summary: [
        ...simulator.summary,
        `  broker   ${broker.tcpUrl}  (MQTT 3.1.1; WebSocket ${broker.wsUrl})`,
        `  collect  ${devices.length} PLCs → Sparkplug B group "${config.collect.group_id}", edge node "${config.collect.edge_node_id}"`,
        `  historian host "${config.historian.host_id}" → ${storeWhere}`,
      ],
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
