#!/usr/bin/env -S npx tsx
// The `heatscada` command: one subcommand per role. A bad configuration prints one line with
// its code and the path of the bad field and exits 1; usage mistakes exit 2.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultStartMode, readConfigDocument, resolveConfig, type Config } from './config.ts';
import { HeatScadaError, isHeatScadaError } from '../model/errors.ts';
import { readMqttLogin } from '../model/mqtt-client.ts';
import { watchProcessHealth, type HealthConfig } from './process-health.ts';
import { pino } from 'pino';

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder for the value in the help text. */
  arg?: string;
  help: string;
}

type Values = Record<string, string | boolean | undefined>;

interface Command {
  summary: string;
  options: Record<string, OptionSpec>;
  /** Takes words after the command (`audit verify`). */
  positionals?: boolean;
  run: (values: Values, positionals: string[]) => Promise<number>;
}

/** Logs are one JSON line per event on stderr; stdout carries only the summary of what runs where. */
const log = pino({ name: 'heatscada', level: process.env.HEATSCADA_LOG_LEVEL ?? 'info' }, pino.destination(2));

/** The all-in-one configuration shipped with the package: what `npm start` runs. */
const DEFAULT_CONFIG = fileURLToPath(new URL('../config/default.yaml', import.meta.url));

const CONFIG_OPTION: Record<string, OptionSpec> = {
  config: { type: 'string', arg: 'FILE', help: 'configuration file (YAML; default: the shipped config/default.yaml)' },
};
const HELP_OPTION: Record<string, OptionSpec> = { help: { type: 'boolean', short: 'h', help: 'show this help' } };

const SIMULATE_OPTIONS: Record<string, OptionSpec> = {
  ...CONFIG_OPTION,
  network: { type: 'string', arg: 'FILE', help: 'simulate the network in this YAML file' },
  generate: { type: 'string', arg: 'N', help: 'simulate a generated city of N substations' },
  seed: { type: 'string', arg: 'S', help: 'seed of the generated city (implies generation; default 1)' },
  scenario: { type: 'string', arg: 'FILE', help: 'fault timeline to play (YAML)' },
  'season-start': { type: 'boolean', help: 'play the season start (simulators/scenarios/season-start.yaml): every loop empty, filled, pressure-tested, run cold, then heated' },
  speed: { type: 'string', arg: 'X', help: 'simulated seconds per wall second (default 1; 60 = a minute a second)' },
  'write-network': { type: 'string', arg: 'FILE', help: 'write the network as YAML to FILE and exit' },
  'plcs-per-endpoint': { type: 'string', arg: 'N', help: 'OPC UA PLCs served by one endpoint (port)' },
  'units-per-endpoint': { type: 'string', arg: 'N', help: 'Modbus units (ids 1…N) behind one endpoint (port)' },
};

const COLLECT_OPTIONS: Record<string, OptionSpec> = {
  ...CONFIG_OPTION,
  devices: { type: 'string', arg: 'FILE', help: 'read the device list from FILE (e.g. data/collectors.generated.yaml) instead of collect.devices' },
};

const MQTT_USER_OPTIONS: Record<string, OptionSpec> = {
  ...CONFIG_OPTION,
  kind: { type: 'string', arg: 'K', help: 'add: edge_node, historian, control, alarms, api, season or service (topic rules: broker/README.md)' },
  group: { type: 'string', arg: 'G', help: 'add, edge_node: its Sparkplug group id' },
  'edge-node-id': { type: 'string', arg: 'E', help: 'add, edge_node: its Sparkplug edge node id' },
  'host-id': { type: 'string', arg: 'H', help: 'add, historian: its Sparkplug host id' },
  devices: { type: 'string', arg: 'S001,S002', help: 'add, edge_node: the device ids (substations) it may publish for' },
  'share-groups': { type: 'string', arg: 'G1,G2', help: 'add, hosts: the $share groups it may join (default: its user name)' },
  'password-file': { type: 'string', arg: 'FILE', help: 'add: take the password from FILE instead of generating and printing one' },
};

const AUDIT_OPTIONS: Record<string, OptionSpec> = {
  ...CONFIG_OPTION,
  since: { type: 'string', arg: 'T', help: 'list: records from T on (24h, 30m, 7d back, ms since the epoch or ISO 8601)' },
  actor: { type: 'string', arg: 'NAME', help: 'list: records of this user or machine principal' },
  action: { type: 'string', arg: 'A', help: 'list: records of this action (plant.write, auth.login, …)' },
  target: { type: 'string', arg: 'PREFIX', help: "list: records whose target starts so ('S001')" },
  limit: { type: 'string', arg: 'N', help: 'list: at most N records, newest first (default 100, at most 1000)' },
};

const DEVICE_OPTIONS: Record<string, OptionSpec> = {
  ...CONFIG_OPTION,
  to: { type: 'string', arg: 'E', help: 'move: the Sparkplug edge node id that now carries the device' },
  group: { type: 'string', arg: 'G', help: 'move: its Sparkplug group id (default: collect.group_id)' },
  file: { type: 'string', arg: 'FILE', help: 'the device owners file the hosts read (default: ./data/device-owners.json)' },
};

const USER_OPTIONS: Record<string, OptionSpec> = {
  ...CONFIG_OPTION,
  role: { type: 'string', arg: 'R', help: 'add: viewer, operator, engineer, admin, hotline or crew' },
  crew: { type: 'string', arg: 'ID', help: 'add, with --role crew: the crew (alarms.crews[].id) whose orders the user moves' },
  'password-file': { type: 'string', arg: 'FILE', help: 'add, passwd: take the password from FILE instead of generating and printing one' },
};

const SERVICE_OPTIONS: Record<string, OptionSpec> = {
  ...CONFIG_OPTION,
  mapping: { type: 'string', arg: 'NAME', help: "import: the column mapping of service.import.mappings (default 12345: 工单编号, 受理时间, 小区 …)" },
};

const BACKUP_OPTIONS: Record<string, OptionSpec> = {
  ...CONFIG_OPTION,
  to: { type: 'string', arg: 'DIR', help: 'the backup folder: new or empty; made owner-only (it holds secrets)' },
};

const RESTORE_OPTIONS: Record<string, OptionSpec> = {
  from: { type: 'string', arg: 'DIR', help: 'a folder made by heatscada backup' },
  force: { type: 'boolean', help: 'replace existing files that differ from the backup' },
};

const COMMANDS: Record<string, Command> = {
  start: { summary: 'run the all-in-one platform: broker, simulator, collector, store and historian', options: CONFIG_OPTION, run: start },
  broker: { summary: 'run the MQTT broker (Sparkplug B namespace)', options: CONFIG_OPTION, run: broker },
  simulate: { summary: 'run the plant simulator: substations on OPC UA and Modbus TCP', options: SIMULATE_OPTIONS, run: simulate },
  collect: { summary: 'run a collector: poll OPC UA / Modbus PLCs, publish Sparkplug B', options: COLLECT_OPTIONS, run: collect },
  historian: { summary: 'write the MQTT data into the time-series store', options: CONFIG_OPTION, run: historian },
  control: { summary: 'run the balancing loop: weather curve and return-temperature balancing', options: CONFIG_OPTION, run: control },
  alarms: { summary: 'run the alarm engine and the crew workflow', options: CONFIG_OPTION, run: alarms },
  serve: { summary: 'serve the REST and live API and the control-room web UI', options: CONFIG_OPTION, run: serve },
  'mqtt-user': { summary: "MQTT principals of the broker: 'mqtt-user add USER --kind K …', 'mqtt-user remove USER', 'mqtt-user list'", options: MQTT_USER_OPTIONS, positionals: true, run: mqttUserCommand },
  device: { summary: "place a device on another edge node: 'device move S001 --to collector-2' (hosts refuse it elsewhere)", options: DEVICE_OPTIONS, positionals: true, run: deviceCommand },
  user: { summary: "people who sign in to the API: 'user add NAME --role R', 'user passwd NAME', 'user list'", options: USER_OPTIONS, positionals: true, run: userCommand },
  service: { summary: "residents' complaints: 'service import FILE.csv|FILE.xlsx [--mapping 12345]' takes a ticket export, all rows or none", options: SERVICE_OPTIONS, positionals: true, run: serviceCommand },
  audit: { summary: "check the audit trail: 'audit verify' walks the hash chain, 'audit list' prints records", options: AUDIT_OPTIONS, positionals: true, run: audit },
  backup: { summary: "copy the store, audit logs, users, secrets and configuration while the platform runs: 'backup --to DIR'", options: BACKUP_OPTIONS, run: backupCommand },
  restore: { summary: "bring a backup back, the platform stopped: 'restore --from DIR [--force]'; the audit chain is verified", options: RESTORE_OPTIONS, run: restoreCommand },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`);
  return ['Usage: heatscada <command> [options]', '', 'HeatSCADA: SCADA telemetry and control for district heating.', '', 'Commands:', ...lines, '', "Run 'heatscada <command> --help' for its options."].join('\n');
}

function commandUsage(name: string, command: Command): string {
  const options = { ...command.options, ...HELP_OPTION };
  const left = Object.entries(options).map(([long, o]) => `${o.short ? `-${o.short}, ` : '    '}--${long}${o.arg ? ` ${o.arg}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  const lines = Object.values(options).map((o, k) => `  ${left[k].padEnd(width)}${o.help}`);
  return [`Usage: heatscada ${name} [options]`, '', `${command.summary[0].toUpperCase()}${command.summary.slice(1)}.`, '', 'Options:', ...lines].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`heatscada: unknown command '${name}'. Run 'heatscada --help' for the list.\n`);
    return 2;
  }
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: { ...command.options, ...HELP_OPTION }, strict: true, allowPositionals: command.positionals === true }));
  } catch (e) {
    process.stderr.write(`heatscada ${name}: ${(e as Error).message}. Run 'heatscada ${name} --help'.\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${commandUsage(name, command)}\n`);
    return 0;
  }
  try {
    return await command.run(values, positionals);
  } catch (e) {
    const error = isHeatScadaError(e) ? e : new HeatScadaError('HS_ERR_INTERNAL', e instanceof Error ? e.message : String(e));
    // One line: a YAML parse error goes on to quote the file, which the line number covers.
    process.stderr.write(`heatscada ${name}: ${error.message.split('\n')[0]}\n`);
    return 1;
  }
}

const str = (values: Values, key: string): string | undefined => {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
};

/** The configuration file with the command-line options written into it, then validated. */
function configFrom(values: Values, amend: (doc: Record<string, unknown>) => void = () => undefined): Config {
  const file = str(values, 'config') ?? DEFAULT_CONFIG;
  const doc = readConfigDocument(file) ?? {};
  // A document that is not a mapping is left as it is, for validation to name.
  if (isRecord(doc)) amend(doc);
  return resolveConfig(doc, file);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A number if the text is one; the text otherwise, so validation reports it at its path. */
function numeric(text: string): number | string {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

/** Sets doc[a][b]… creating mappings on the way; a non-mapping on the way is left for validation. */
function setIn(doc: Record<string, unknown>, keys: string[], value: unknown): void {
  const [key, ...more] = keys;
  if (more.length === 0) {
    doc[key] = value;
    return;
  }
  doc[key] ??= {};
  const next = doc[key];
  if (isRecord(next)) setIn(next, more, value);
}

function simulateOverrides(values: Values): (doc: Record<string, unknown>) => void {
  return (doc) => {
    const network = str(values, 'network');
    const generate = str(values, 'generate');
    const seed = str(values, 'seed');
    const generating = generate !== undefined || seed !== undefined;
    const sim = (doc.simulate ??= {});
    if (!isRecord(sim)) return;
    // An option naming the network replaces the file's choice; both options together are an error.
    if (network !== undefined) {
      sim.network = network;
      if (!generating) delete sim.generate;
    }
    if (generating) {
      if (network === undefined) delete sim.network;
      if (generate !== undefined) setIn(sim, ['generate', 'substations'], numeric(generate));
      if (seed !== undefined) setIn(sim, ['generate', 'seed'], numeric(seed));
    }
    const direct: [string, string[], (text: string) => unknown][] = [
      ['scenario', ['scenario'], (t) => t],
      ['speed', ['speed'], numeric],
      ['plcs-per-endpoint', ['opcua', 'plcs_per_endpoint'], numeric],
      ['units-per-endpoint', ['modbus', 'units_per_endpoint'], numeric],
    ];
    for (const [option, keys, convert] of direct) {
      const text = str(values, option);
      if (text !== undefined) setIn(sim, keys, convert(text));
    }
    if (values['season-start'] === true) sim.season_start = true;
  };
}

// The simulator pulls in node-opcua, which takes seconds to load: only what runs it imports it.
const networkModule = () => import('../simulators/network/load.ts');
const simulatorModule = () => import('../simulators/run.ts');

async function simulate(values: Values): Promise<number> {
  const config = configFrom(values, simulateOverrides(values));
  const networkFile = str(values, 'write-network');
  if (networkFile !== undefined) {
    const { saveNetwork, simulatedNetwork } = await networkModule();
    const network = simulatedNetwork(config.simulate);
    saveNetwork(network, networkFile);
    process.stdout.write(`wrote network "${network.name}" to ${networkFile}\n`);
    return 0;
  }
  const { runSimulator } = await simulatorModule();
  return runUntilSignal(config.health, () => runSimulator(config.simulate));
}

async function start(values: Values): Promise<number> {
  const config = configFrom(values, (doc) => defaultStartMode(doc, 'simulator'));
  const [{ startAllInOne }, { stderrLog }] = await Promise.all([import('./all-in-one.ts'), simulatorModule()]);
  return runUntilSignal(config.health, () => startAllInOne(config, stderrLog, log));
}

async function broker(values: Values): Promise<number> {
  const config = configFrom(values);
  const { startConfiguredBroker } = await import('../broker/start.ts');
  return runUntilSignal(config.health, async () => {
    const running = await startConfiguredBroker(config.broker, log.child({ role: 'broker' }));
    const tls = running.tlsUrl ? `, TLS ${running.tlsUrl}` : '';
    const cluster = config.broker.cluster ? `; cluster node "${config.broker.cluster.node_id}"` : '';
    return { summary: [`heatscada broker: MQTT ${running.tcpUrl}, WebSocket ${running.wsUrl}${tls}; principals from ${config.broker.credentials_file}${cluster}`], stop: () => running.close() };
  });
}

async function mqttUserCommand(values: Values, positionals: string[]): Promise<number> {
  const [verb, username, ...extra] = positionals;
  if (!(verb === 'list' ? username === undefined : (verb === 'add' || verb === 'remove') && username !== undefined) || extra.length > 0) {
    process.stderr.write("heatscada mqtt-user: say 'mqtt-user add USER --kind K …', 'mqtt-user remove USER' or 'mqtt-user list'. Run 'heatscada mqtt-user --help'.\n");
    return 2;
  }
  const config = configFrom(values);
  const { mqttUser } = await import('../broker/mqtt-user-command.ts');
  const request = { verb, username, kind: str(values, 'kind'), group: str(values, 'group'), edgeNodeId: str(values, 'edge-node-id'), hostId: str(values, 'host-id'), devices: str(values, 'devices'), shareGroups: str(values, 'share-groups'), passwordFile: str(values, 'password-file') };
  for (const line of await mqttUser(config.broker.credentials_file, request)) process.stdout.write(`${line}\n`);
  return 0;
}

async function historian(values: Values): Promise<number> {
  const config = configFrom(values);
  const [{ openStore, openStoreWriter }, { startHistorian }, { historianOptions }, { scheduleRetention }] = await Promise.all([
    import('../store/open-store.ts'),
    import('../store/historian/historian.ts'),
    import('../store/historian/config-schema.ts'),
    import('../store/retention.ts'),
  ]);
  return runUntilSignal(config.health, async () => {
    // Opening the main store first creates the file and its tables for the writer; it applies retention.
    const store = await openStore(config.store);
    const stopRetention = scheduleRetention(store, config.store, log.child({ role: 'store' }));
    const writer = await openStoreWriter(config.store);
    const closeStores = async (): Promise<void> => {
      stopRetention();
      await writer.close();
      await store.close();
    };
    const running = await startHistorian({ ...historianOptions(config.historian), store: writer, logger: log.child({ role: 'historian' }) }).catch(async (e: unknown) => {
      await closeStores();
      throw e;
    });
    return {
      summary: [`heatscada historian: host "${config.historian.host_id}" on ${config.historian.mqtt_url} → ${config.store.kind}`],
      stop: async () => {
        await running.stop();
        await closeStores();
      },
    };
  });
}

async function collect(values: Values): Promise<number> {
  const config = configFrom(values);
  const [{ startCollector }, { loadDevices }] = await Promise.all([import('../collectors/collector.ts'), import('../collectors/config.ts')]);
  const devicesFile = str(values, 'devices');
  const devices = devicesFile === undefined ? config.collect.devices : loadDevices(devicesFile);
  if (devices.length === 0) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'no devices to read: list them in collect.devices or pass --devices FILE', '/collect/devices');
  }
  return runUntilSignal(config.health, async () => {
    const running = await startCollector({ ...config.collect, devices }, log.child({ role: 'collector' }));
    return {
      summary: [`heatscada collect: ${devices.length} PLCs → ${config.collect.mqtt.url} as spBv1.0/${config.collect.group_id}/…/${config.collect.edge_node_id}`],
      stop: () => running.stop(),
    };
  });
}

async function control(values: Values): Promise<number> {
  const config = configFrom(values, (doc) => defaultStartMode(doc, 'plc'));
  const [{ startControl }, { openStore }, { SqliteStore }] = await Promise.all([
    import('../control/start.ts'),
    import('../store/open-store.ts'),
    import('../store/sqlite/sqlite-store.ts'),
  ]);
  return runUntilSignal(config.health, async () => {
    const store = await openStore(config.store);
    const running = await startControl(config, {
      store,
      ...(store instanceof SqliteStore ? { database: store.database } : {}),
      logger: log.child({ role: 'control' }),
    }).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    return {
      summary: [`heatscada control: balancing loop writing through ${config.control.mqtt_url}, group "${config.control.group}"`],
      stop: async () => {
        await running.stop();
        await store.close();
      },
    };
  });
}

async function alarms(values: Values): Promise<number> {
  const config = configFrom(values);
  const [{ startAlarms }, { openSqliteStore }, { SqliteAuditTrail }] = await Promise.all([
    import('../alarms/alarms.ts'),
    import('../store/sqlite/sqlite-store.ts'),
    import('../store/audit/sqlite-audit-trail.ts'),
  ]);
  if (config.store.kind !== 'sqlite') {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'the alarm engine keeps its tables in the SQLite store', '/store/kind');
  }
  return runUntilSignal(config.health, async () => {
    const store = openSqliteStore({ file: config.store.sqlite.file });
    const running = await startAlarms(config.alarms, {
      mqttUrl: config.alarms.mqtt_url ?? config.historian.mqtt_url,
      mqttLogin: readMqttLogin(config.alarms.mqtt_login, '/alarms/mqtt_login'),
      store,
      database: store.database,
      audit: new SqliteAuditTrail(store.database),
      logger: log.child({ role: 'alarms' }),
    }).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    return {
      summary: [`heatscada alarms: ${running.definitions.length} rules from ${config.alarms.rules_file}, following ${config.alarms.mqtt_url ?? config.historian.mqtt_url}`],
      stop: async () => {
        await running.close();
        await store.close();
      },
    };
  });
}

async function serve(values: Values): Promise<number> {
  const config = configFrom(values);
  const [{ openStore }, { startApi }, { serveOptions }, { firstAdminSummary }] = await Promise.all([
    import('../store/open-store.ts'),
    import('../api/server.ts'),
    import('../api/config-schema.ts'),
    import('../api/auth/first-admin.ts'),
  ]);
  return runUntilSignal(config.health, async () => {
    const store = await openStore(config.store);
    const running = await startApi({ ...serveOptions(config.serve), displayZone: config.display.time_zone, store, logger: log.child({ role: 'api' }) }).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    return {
      summary: [`heatscada serve: control room ${running.url}, following ${config.serve.mqtt_url}`, ...firstAdminSummary(running.firstAdmin)],
      stop: async () => {
        await running.close();
        await store.close();
      },
    };
  });
}

async function userCommand(values: Values, positionals: string[]): Promise<number> {
  const [verb, name, ...extra] = positionals;
  if (!(verb === 'list' ? name === undefined : (verb === 'add' || verb === 'passwd') && name !== undefined) || extra.length > 0) {
    process.stderr.write("heatscada user: say 'user add NAME --role R', 'user passwd NAME' or 'user list'. Run 'heatscada user --help'.\n");
    return 2;
  }
  const config = configFrom(values);
  // The users live where the API keeps them: the store's SQLite file, or serve.auth.database.
  const file = config.store.kind === 'sqlite' ? config.store.sqlite.file : config.serve.auth.database;
  if (file === undefined) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'the store is not SQLite: name a SQLite file for users', '/serve/auth/database');
  const { userCommand: run } = await import('../api/auth/user-command.ts');
  for (const line of await run(file, { verb, name, role: str(values, 'role'), crew: str(values, 'crew'), passwordFile: str(values, 'password-file') })) process.stdout.write(`${line}\n`);
  return 0;
}

async function deviceCommand(values: Values, positionals: string[]): Promise<number> {
  const [verb, substation, ...extra] = positionals;
  const to = str(values, 'to');
  if (verb !== 'move' || substation === undefined || to === undefined || extra.length > 0) {
    process.stderr.write("heatscada device: say 'device move DEVICE --to EDGE_NODE_ID [--group G]'. Run 'heatscada device --help'.\n");
    return 2;
  }
  const { DEFAULT_DEVICE_OWNERS_FILE, moveDevice } = await import('../store/historian/owners.ts');
  const group = str(values, 'group') ?? configFrom(values).collect.group_id;
  process.stdout.write(`${moveDevice(str(values, 'file') ?? DEFAULT_DEVICE_OWNERS_FILE, substation, group, to)}\n`);
  return 0;
}

async function audit(values: Values, positionals: string[]): Promise<number> {
  const [verb, ...extra] = positionals;
  if ((verb !== 'verify' && verb !== 'list') || extra.length > 0) {
    process.stderr.write("heatscada audit: say 'audit verify' or 'audit list'. Run 'heatscada audit --help'.\n");
    return 2;
  }
  const config = configFrom(values);
  if (config.store.kind !== 'sqlite') throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'the audit trail is kept in the SQLite store', '/store/kind');
  const { auditList, auditVerify, listQuery } = await import('../store/audit/audit-command.ts');
  const output = { out: (line: string) => process.stdout.write(`${line}\n`), progress: (line: string) => process.stderr.write(`${line}\n`) };
  const file = config.store.sqlite.file;
  if (verb === 'verify') return auditVerify(file, output);
  return auditList(file, listQuery({ since: str(values, 'since'), actor: str(values, 'actor'), action: str(values, 'action'), target: str(values, 'target'), limit: str(values, 'limit') }), output);
}

/** Results on stdout, progress on stderr. */
const COMMAND_OUTPUT = { out: (line: string) => process.stdout.write(`${line}\n`), progress: (line: string) => process.stderr.write(`${line}\n`) };

async function backupCommand(values: Values): Promise<number> {
  const to = str(values, 'to');
  if (to === undefined) {
    process.stderr.write("heatscada backup: say where: 'backup --to DIR'. Run 'heatscada backup --help'.\n");
    return 2;
  }
  const config = configFrom(values);
  if (config.store.kind !== 'sqlite') process.stderr.write('heatscada backup: the time series are in InfluxDB, not in this backup: back them up with influx backup\n');
  const { backup } = await import('../store/backup/backup.ts');
  return backup({ to, config, configFile: str(values, 'config') ?? DEFAULT_CONFIG }, COMMAND_OUTPUT);
}

async function restoreCommand(values: Values): Promise<number> {
  const from = str(values, 'from');
  if (from === undefined) {
    process.stderr.write("heatscada restore: say which backup: 'restore --from DIR [--force]'. Run 'heatscada restore --help'.\n");
    return 2;
  }
  const { restore } = await import('../store/backup/restore.ts');
  return restore({ from, force: values.force === true }, COMMAND_OUTPUT);
}

async function serviceCommand(values: Values, positionals: string[]): Promise<number> {
  const [verb, file, ...extra] = positionals;
  if (verb !== 'import' || file === undefined || extra.length > 0) {
    process.stderr.write("heatscada service: say 'service import FILE [--mapping NAME]'. Run 'heatscada service --help'.\n");
    return 2;
  }
  const config = configFrom(values);
  const { serviceImport } = await import('./service-command.ts');
  const output = { out: (line: string) => process.stdout.write(`${line}\n`), progress: (line: string) => process.stderr.write(`${line}\n`) };
  return serviceImport(config, { file, mapping: str(values, 'mapping') ?? '12345' }, output, log);
}

/** How long a clean stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 15_000;

interface Running {
  summary: string[];
  stop(): Promise<void>;
}

async function runUntilSignal(health: HealthConfig, begin: () => Promise<Running>): Promise<number> {
  const { stderrLog } = await simulatorModule();
  const handle = await begin();
  process.stdout.write(`${handle.summary.join('\n')}\n`);
  const stopHealth = watchProcessHealth(health, (sample) => log.info({ event: 'process_health', ...sample }, 'process health'));
  // Ctrl-C reaches this process twice under tsx (from the terminal and relayed by tsx's parent),
  // so later signals are ignored; the deadline covers a stop that hangs.
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  stderrLog('stopping', { signal });
  setTimeout(() => {
    stderrLog('stop deadline passed: exiting', { deadline_ms: STOP_DEADLINE_MS });
    process.exit(1);
  }, STOP_DEADLINE_MS).unref();
  stopHealth();
  await handle.stop();
  return 0;
}

process.exit(await main(process.argv.slice(2)));
