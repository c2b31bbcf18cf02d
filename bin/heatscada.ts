#!/usr/bin/env -S npx tsx
// The `heatscada` command: one subcommand per role. A bad configuration prints one line with
// its code and the path of the bad field and exits 1; usage mistakes exit 2.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readConfigDocument, resolveConfig, type Config } from '../model/config.ts';
import { HeatScadaError, isHeatScadaError } from '../model/errors.ts';
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
  run: (values: Values) => Promise<number>;
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
  speed: { type: 'string', arg: 'X', help: 'simulated seconds per wall second (default 1; 60 = a minute a second)' },
  'write-network': { type: 'string', arg: 'FILE', help: 'write the network as YAML to FILE and exit' },
  'plcs-per-endpoint': { type: 'string', arg: 'N', help: 'OPC UA PLCs served by one endpoint (port)' },
  'units-per-endpoint': { type: 'string', arg: 'N', help: 'Modbus units (ids 1…N) behind one endpoint (port)' },
};

const COLLECT_OPTIONS: Record<string, OptionSpec> = {
  ...CONFIG_OPTION,
  devices: { type: 'string', arg: 'FILE', help: 'read the device list from FILE (e.g. data/collectors.generated.yaml) instead of collect.devices' },
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
  try {
    values = parseArgs({ args: rest, options: { ...command.options, ...HELP_OPTION }, strict: true, allowPositionals: false }).values;
  } catch (e) {
    process.stderr.write(`heatscada ${name}: ${(e as Error).message}. Run 'heatscada ${name} --help'.\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${commandUsage(name, command)}\n`);
    return 0;
  }
  try {
    return await command.run(values);
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
  return runUntilSignal(() => runSimulator(config.simulate));
}

async function start(values: Values): Promise<number> {
  const config = configFrom(values);
  const [{ startAllInOne }, { stderrLog }] = await Promise.all([import('./all-in-one.ts'), simulatorModule()]);
  return runUntilSignal(() => startAllInOne(config, stderrLog, log));
}

async function broker(values: Values): Promise<number> {
  const config = configFrom(values);
  const [{ startBroker }, { brokerOptions }] = await Promise.all([import('../broker/broker.ts'), import('../broker/config-schema.ts')]);
  return runUntilSignal(async () => {
    const running = await startBroker({ ...brokerOptions(config.broker), logger: log.child({ role: 'broker' }) });
    return { summary: [`heatscada broker: MQTT ${running.tcpUrl}, WebSocket ${running.wsUrl}`], stop: () => running.close() };
  });
}

async function historian(values: Values): Promise<number> {
  const config = configFrom(values);
  const [{ openStore, openStoreWriter }, { startHistorian }, { historianOptions }, { scheduleRetention }] = await Promise.all([
    import('../store/open-store.ts'),
    import('../store/historian/historian.ts'),
    import('../store/historian/config-schema.ts'),
    import('../store/retention.ts'),
  ]);
  return runUntilSignal(async () => {
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
  return runUntilSignal(async () => {
    const running = await startCollector({ ...config.collect, devices }, log.child({ role: 'collector' }));
    return {
      summary: [`heatscada collect: ${devices.length} PLCs → ${config.collect.mqtt.url} as spBv1.0/${config.collect.group_id}/…/${config.collect.edge_node_id}`],
      stop: () => running.stop(),
    };
  });
}

async function control(values: Values): Promise<number> {
  const config = configFrom(values);
  const [{ startControl }, { openStore }, { SqliteStore }] = await Promise.all([
    import('../control/start.ts'),
    import('../store/open-store.ts'),
    import('../store/sqlite/sqlite-store.ts'),
  ]);
  return runUntilSignal(async () => {
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
  const [{ startAlarms }, { openSqliteStore }] = await Promise.all([import('../alarms/alarms.ts'), import('../store/sqlite/sqlite-store.ts')]);
  if (config.store.kind !== 'sqlite') {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'the alarm engine keeps its tables in the SQLite store', '/store/kind');
  }
  return runUntilSignal(async () => {
    const store = openSqliteStore({ file: config.store.sqlite.file });
    const running = await startAlarms(config.alarms, {
      mqttUrl: config.historian.mqtt_url,
      store,
      database: store.database,
      logger: log.child({ role: 'alarms' }),
    }).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    return {
      summary: [`heatscada alarms: ${running.definitions.length} rules from ${config.alarms.rules_file}, following ${config.historian.mqtt_url}`],
      stop: async () => {
        await running.close();
        await store.close();
      },
    };
  });
}

async function serve(values: Values): Promise<number> {
  const config = configFrom(values);
  const [{ openStore }, { startApi }, { serveOptions }] = await Promise.all([
    import('../store/open-store.ts'),
    import('../api/server.ts'),
    import('../api/config-schema.ts'),
  ]);
  return runUntilSignal(async () => {
    const store = await openStore(config.store);
    const running = await startApi({ ...serveOptions(config.serve), store, logger: log.child({ role: 'api' }) }).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    return {
      summary: [`heatscada serve: control room ${running.url}, following ${config.serve.mqtt_url}`],
      stop: async () => {
        await running.close();
        await store.close();
      },
    };
  });
}

/** How long a clean stop may take before the process exits anyway. */
const STOP_DEADLINE_MS = 15_000;

interface Running {
  summary: string[];
  stop(): Promise<void>;
}

async function runUntilSignal(begin: () => Promise<Running>): Promise<number> {
  const { stderrLog } = await simulatorModule();
  const handle = await begin();
  process.stdout.write(`${handle.summary.join('\n')}\n`);
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
  await handle.stop();
  return 0;
}

process.exit(await main(process.argv.slice(2)));
