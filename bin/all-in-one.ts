// `heatscada start`: every role in one process, wired to each other — broker, then store and
// historian, then the simulated plant, then a collector reading every simulated PLC over its
// real protocol, then the API and web control room. Each role still talks to the others only through MQTT
// and the store, exactly as when they run as separate processes.

import type { Logger } from 'pino';
import { serveOptions } from '../api/config-schema.ts';
import { firstAdminSummary } from '../api/auth/first-admin.ts';
import { startApi } from '../api/server.ts';
import { startAlarms } from '../alarms/alarms.ts';
import { demoAddressBook } from '../service/demo-address-book.ts';
import { startService } from '../service/start.ts';
import { areasForSimulatedCity } from './simulated-areas.ts';
import { designsOf } from '../season/designs.ts';
import { startSeason } from '../season/start.ts';
import { allInOnePrincipals, ensureRoleLogins, secretsFileOf } from '../broker/role-logins.ts';
import { startConfiguredBroker } from '../broker/start.ts';
import { ensureSelfSignedTls } from '../broker/tls.ts';
import { heatingWithDefaults } from '../control/heating.ts';
import { startControl } from '../control/start.ts';
import { transportDelayH } from '../control/transport-delay.ts';
import { loadDevices } from '../collectors/config.ts';
import { startCollector } from '../collectors/collector.ts';
import type { Config } from './config.ts';
import { openStore, openStoreWriter } from '../store/open-store.ts';
import { scheduleRetention } from '../store/retention.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { auditConfigLoad } from '../store/audit/config-load.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { historianOptions } from '../store/historian/config-schema.ts';
import { startHistorian } from '../store/historian/historian.ts';
import { runSimulator, type Log, type SimulatorHandle } from '../simulators/run.ts';

export interface AllInOne {
  summary: string[];
  /** The simulated plant the roles run on (tests read its time). */
  simulator: SimulatorHandle;
  /** http://host:port of the control room and its API. */
  url: string;
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
    // Each role logs in with its own password (generated at first start, data/secrets/mqtt.json)
    // and the broker holds it to its topic rules; TLS with a self-signed pair unless one exists.
    if (config.broker.tls && (await ensureSelfSignedTls(config.broker.tls))) {
      log.info({ event: 'tls_generated', cert: config.broker.tls.cert_file, key: config.broker.tls.key_file }, 'self-signed broker certificate generated');
    }
    // The simulated PLCs first: the collector's login may publish for their substations only.
    const simulator = await runSimulator(config.simulate, simLog);
    stops.push(() => simulator.stop());
    const devices = loadDevices(simulator.collectorConfigFile);
    const logins = await ensureRoleLogins(
      config.broker.credentials_file,
      allInOnePrincipals({ group: config.collect.group_id, edgeNodeId: config.collect.edge_node_id, hostId: config.historian.host_id, devices: devices.map((d) => d.id) }),
    );
    const broker = await startConfiguredBroker(config.broker, log.child({ role: 'broker' }));
    stops.push(() => broker.close());

    const store = await openStore(config.store);
    stops.push(() => store.close());
    // One audit trail for every role here that records changes (the loop keeps its own over the same table).
    const trail = store instanceof SqliteStore ? new SqliteAuditTrail(store.database) : undefined;
    if (trail && auditConfigLoad(trail, config, 'heatscada start')) {
      log.info({ event: 'config_changed' }, 'configuration differs from the last start: recorded in the audit log');
    }
    const stopRetention = scheduleRetention(store, config.store, log.child({ role: 'store' }));
    stops.push(async () => stopRetention());
    const writer = await openStoreWriter(config.store);
    stops.push(() => writer.close());
    // The historian subscribes to the broker we just started, wherever its section pointed.
    const historian = await startHistorian({ ...historianOptions(config.historian), mqttUrl: broker.tcpUrl, mqttLogin: logins.historian, store: writer, logger: log.child({ role: 'historian' }) });
    stops.push(() => historian.stop());

    const collector = await startCollector(
      // The generated login replaces any password_file of the section.
      { ...config.collect, mqtt: { ...config.collect.mqtt, url: broker.tcpUrl, ...logins.collector, password_file: undefined }, devices },
      log.child({ role: 'collector' }),
    );
    stops.push(() => collector.stop());

    // The simulated city comes without areas or crews: unless configured, one area per district
    // and a crew for each, so that alarms, orders and complaints reach someone.
    const cityAreas = areasForSimulatedCity(config.alarms, simulator.endpoints.network);
    const areas = cityAreas ?? config.alarms;
    // Alarm tables live beside the time series in the SQLite file; with InfluxDB there is none.
    const alarms =
      store instanceof SqliteStore && trail
        ? await startAlarms(cityAreas ? { ...config.alarms, ...cityAreas } : config.alarms, { mqttUrl: broker.tcpUrl, mqttLogin: logins.alarms, store, database: store.database, audit: trail, logger: log.child({ role: 'alarms' }) })
        : undefined;
    if (alarms) stops.push(() => alarms.close());
    else log.warn({ event: 'alarms_off', reason: 'the store is not SQLite' }, 'alarm engine not started');

    // The season's checklist lives in the SQLite file too; it reads what the alarm engine reads
    // (with its login), on the plant's time, against the simulated network's design figures.
    const season =
      config.season.enabled && store instanceof SqliteStore
        ? await startSeason(config.season, {
            mqttUrl: broker.tcpUrl,
            mqttLogin: logins.season,
            store,
            database: store.database,
            substations: simulator.plant.substationIds,
            designs: designsOf(simulator.plant.spec),
            ...(alarms ? { alarms } : {}),
            ...(trail ? { audit: trail } : {}),
            now: () => simulator.plant.timeMs,
            logger: log.child({ role: 'season' }),
          })
        : undefined;
    if (season) stops.push(() => season.close());

    // The residents' service keeps its complaints in the same file and dispatches through the
    // engine's work orders; its address book is the simulated city's unless the company's file is named.
    const service =
      config.service.enabled && alarms && trail && store instanceof SqliteStore
        ? await startService(config.service, {
            database: store.database,
            workOrders: alarms.workOrders,
            audit: trail,
            mqttUrl: broker.tcpUrl,
            mqttLogin: logins.service,
            group: config.collect.group_id,
            ...(config.service.address_book_file === undefined ? { addressBook: demoAddressBook(simulator.plant.spec.substations) } : {}),
            substations: simulator.plant.substationIds,
            coldHomeAlarm: config.alarms.cold_home_alarm,
            logger: log.child({ role: 'service' }),
          })
        : undefined;
    if (service) stops.push(() => service.close());

    // The balancing loop writes only through DCMD, so it follows the same broker. The plant is
    // simulated, so it starts in auto unless the configuration says otherwise (bin/config.ts),
    // and its time is the plant's: the envelope's 5-min spacing and its integrals count simulated
    // minutes, however fast the simulator runs.
    // Its curve follows each substation's emitters as the simulated network has them, unless control.heating says otherwise.
    const heating = heatingWithDefaults(config.control.heating, simulator.endpoints.substations);
    const control = config.control.enabled
      ? await startControl(
          { ...config, control: { ...config.control, mqtt_url: broker.tcpUrl, mqtt_login: logins.control, heating } },
          {
            store,
            ...(store instanceof SqliteStore ? { database: store.database } : {}),
            clock: () => simulator.plant.timeMs,
            speed: () => simulator.clock.speed,
            // A forecast's lead_h 'transport' is the simulated network's own transport delay.
            transportDelayH: () => transportDelayH(simulator.plant),
            logger: log.child({ role: 'control' }),
          },
        )
      : undefined;
    if (control) stops.push(() => control.stop());

    // The control room follows the same broker and names and places substations from the manifest.
    const api = await startApi({
      ...(control ? { control: control.controller } : {}),
      plant: { kind: 'simulator', startMode: config.control.start_mode },
      ...(alarms ? { alarms } : {}),
      ...(season ? { season } : {}),
      ...(service ? { service } : {}),
      ...(trail ? { audit: trail } : {}),
      ...serveOptions(config.serve),
      displayZone: config.display.time_zone,
      mqttUrl: broker.tcpUrl,
      mqttLogin: logins.api,
      sitesFile: simulator.manifestFile,
      store,
      logger: log.child({ role: 'api' }),
    });
    stops.push(() => api.close());

    const storeWhere =
      config.store.kind === 'sqlite'
        ? config.store.sqlite.file
        : config.store.kind === 'clickhouse'
          ? `ClickHouse ${config.store.clickhouse?.urls.join(', ') ?? ''}`
          : `InfluxDB ${config.store.influxdb?.url ?? ''}`;
    return {
      summary: [
        ...simulator.summary,
        `  broker   ${broker.tcpUrl}  (MQTT 3.1.1; WebSocket ${broker.wsUrl}${broker.tlsUrl ? `; TLS ${broker.tlsUrl}` : ''}; logins in ${secretsFileOf(config.broker.credentials_file)})`,
        `  collect  ${devices.length} PLCs → Sparkplug B group "${config.collect.group_id}", edge node "${config.collect.edge_node_id}"`,
        `  historian host "${config.historian.host_id}" → ${storeWhere}`,
        `  control  ${control ? `balancing loop on in ${config.control.start_mode} on the simulated plant, group "${config.control.group}"` : 'balancing loop off (control.enabled: true to run it)'}`,
        `  alarms   ${alarms ? `${alarms.definitions.length} rules from ${config.alarms.rules_file}; ${Object.keys(areas.groups).length} areas, ${areas.crews.length} crews${cityAreas ? ' (one per district of the simulated city)' : ''}` : 'off'}`,
        `  service  ${service ? `residents' service: ${service.addressBook.size} buildings ${config.service.address_book_file === undefined ? 'of the simulated city' : `from ${config.service.address_book_file}`}; import 12345 tickets with heatscada service import FILE` : `off${config.service.enabled ? ' (it needs the alarm engine and the SQLite store)' : ''}`}`,
        `  season   ${season ? `season ${config.season.season}: ${season.plan().entries.length} substations judged from telemetry (filling, pressure test, cold run, hot run)` : 'off'}`,
        `  control room ${api.url}  (API ${api.url}/api, docs ${api.url}/api/docs, metrics ${api.url}/metrics)`,
        ...firstAdminSummary(api.firstAdmin),
      ],
      simulator,
      url: api.url,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
