// `heatscada start`: every role in one process, wired to each other — broker, then store and
// historian, then the simulated plant, then a collector reading every simulated PLC over its
// real protocol, then the API and web control room. Each role still talks to the others only through MQTT
// and the store, exactly as when they run as separate processes.

import type { Logger } from 'pino';
import { serveOptions } from '../api/config-schema.ts';
import { startApi } from '../api/server.ts';
import { startAlarms } from '../alarms/alarms.ts';
import { startBroker } from '../broker/broker.ts';
import { startControl } from '../control/start.ts';
import { brokerOptions } from '../broker/config-schema.ts';
import { loadDevices } from '../collectors/config.ts';
import { startCollector } from '../collectors/collector.ts';
import type { Config } from '../model/config.ts';
import { openStore, openStoreWriter } from '../store/open-store.ts';
import { scheduleRetention } from '../store/retention.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
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
    const stopRetention = scheduleRetention(store, config.store, log.child({ role: 'store' }));
    stops.push(async () => stopRetention());
    const writer = await openStoreWriter(config.store);
    stops.push(() => writer.close());
    // The historian subscribes to the broker we just started, wherever its section pointed.
    const historian = await startHistorian({ ...historianOptions(config.historian), mqttUrl: broker.tcpUrl, store: writer, logger: log.child({ role: 'historian' }) });
    stops.push(() => historian.stop());

    const simulator = await runSimulator(config.simulate, simLog);
    stops.push(() => simulator.stop());

    const devices = loadDevices(simulator.collectorConfigFile);
    const collector = await startCollector(
      { ...config.collect, mqtt: { ...config.collect.mqtt, url: broker.tcpUrl }, devices },
      log.child({ role: 'collector' }),
    );
    stops.push(() => collector.stop());

    // Alarm tables live beside the time series in the SQLite file; with InfluxDB there is none.
    const alarms =
      store instanceof SqliteStore
        ? await startAlarms(config.alarms, { mqttUrl: broker.tcpUrl, store, database: store.database, logger: log.child({ role: 'alarms' }) })
        : undefined;
    if (alarms) stops.push(() => alarms.close());
    else log.warn({ event: 'alarms_off', reason: 'the store is not SQLite' }, 'alarm engine not started');

    // The balancing loop writes only through DCMD, so it follows the same broker (off unless enabled).
    const control = config.control.enabled
      ? await startControl(
          { ...config, control: { ...config.control, mqtt_url: broker.tcpUrl } },
          { store, ...(store instanceof SqliteStore ? { database: store.database } : {}), logger: log.child({ role: 'control' }) },
        )
      : undefined;
    if (control) stops.push(() => control.stop());

    // The control room follows the same broker and names and places substations from the manifest.
    const api = await startApi({
      ...(control ? { control: control.controller } : {}),
      ...(alarms ? { alarms } : {}),
      ...serveOptions(config.serve),
      mqttUrl: broker.tcpUrl,
      sitesFile: simulator.manifestFile,
      store,
      logger: log.child({ role: 'api' }),
    });
    stops.push(() => api.close());

    const storeWhere = config.store.kind === 'sqlite' ? config.store.sqlite.file : `InfluxDB ${config.store.influxdb?.url ?? ''}`;
    return {
      summary: [
        ...simulator.summary,
        `  broker   ${broker.tcpUrl}  (MQTT 3.1.1; WebSocket ${broker.wsUrl})`,
        `  collect  ${devices.length} PLCs → Sparkplug B group "${config.collect.group_id}", edge node "${config.collect.edge_node_id}"`,
        `  historian host "${config.historian.host_id}" → ${storeWhere}`,
        `  control  ${control ? `balancing loop on, group "${config.control.group}"` : 'balancing loop off (control.enabled: true to run it)'}`,
        `  alarms   ${alarms ? `${alarms.definitions.length} rules from ${config.alarms.rules_file}` : 'off'}`,
        `  control room ${api.url}  (API ${api.url}/api, docs ${api.url}/api/docs, metrics ${api.url}/metrics)`,
      ],
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
