// The simulator process: network → plant → OPC UA / Modbus endpoints → admin endpoint →
// manifest and collector config → clock. Everything it starts, stop() closes again.

import path from 'node:path';
import { scenarioFile, type SimulateConfig } from './config-schema.ts';
import { ControlMode } from '../model/tags.ts';
import { startAdminHttp, type AdminServer } from './admin-http.ts';
import { SimClock, warmUp } from './clock.ts';
import { startEndpoints, writeCollectorConfig, writeManifest, type EndpointGroup, type SimEndpoints } from './manifest.ts';
import { loadScenario, simulatedNetwork } from './network/load.ts';
import type { Network } from './network/schema.ts';
import { Plant } from './plant.ts';
import type { SubstationProtocol } from './plc-access.ts';
import { openServedLedger } from './served-ledger.ts';

export type LogFields = Record<string, string | number | boolean>;
/** One structured line per event. */
export type Log = (event: string, fields?: LogFields) => void;

export const stderrLog: Log = (event, fields = {}) => {
  process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), src: 'simulator', event, ...fields })}\n`);
};

const PROGRESS_EVERY_MS = 1000;

export interface SimulatorHandle {
  plant: Plant;
  clock: SimClock;
  endpoints: SimEndpoints;
  admin: AdminServer;
  manifestFile: string;
  collectorConfigFile: string;
  /** What runs where, for people: a headline and one line per protocol, however many endpoints. */
  summary: string[];
  stop(): Promise<void>;
}

export async function runSimulator(cfg: SimulateConfig, log: Log = stderrLog): Promise<SimulatorHandle> {
  const network = simulatedNetwork(cfg);
  const file = scenarioFile(cfg);
  const scenario = file === undefined ? undefined : loadScenario(file);
  const startMs = cfg.start === undefined ? Date.now() : Date.parse(cfg.start);
  log('building plant', { network: network.name, substations: network.substations.length, start: new Date(startMs).toISOString() });
  const plant = new Plant(network, { startMs, stepS: cfg.step_s, mode: ControlMode[cfg.initial_mode], ...(scenario ? { scenario } : {}) });

  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const ledger = cfg.ledger_file === undefined ? undefined : openServedLedger(plant, cfg.ledger_file);
    if (ledger) closers.push(() => ledger.close());
    let lastProgressMs = Date.now();
    const endpoints = await startEndpoints(
      plant,
      cfg,
      (started, total) => {
        if (started < total && Date.now() - lastProgressMs >= PROGRESS_EVERY_MS) {
          lastProgressMs = Date.now();
          log('starting endpoints', { started, total });
        }
      },
      ledger?.plc,
    );
    ledger?.start();
    closers.push(() => endpoints.close());

    const dataDir = path.resolve(cfg.data_dir);
    const clock = new SimClock(plant, {
      speed: cfg.speed,
      onBehind: ({ droppedS, speed }) => log('clock behind: simulated time given up', { dropped_s: Math.round(droppedS), speed }),
    });
    closers.push(() => clock.stop());
    const admin = await startAdminHttp(
      {
        plant,
        clock,
        endpoints: endpoints.groups,
        onFault: (change, fault) => log(`fault ${change}`, { id: fault.id, kind: fault.kind, substation: fault.substation ?? 'network' }),
        onSeason: (change) =>
          log(change.scheduled ? 'season phase scheduled' : 'season phase', { phase: change.phase, substations: change.substations.length, at_s: change.at_s }),
      },
      cfg.admin_port,
      dataDir,
    );
    closers.push(() => admin.close());
    const { file: manifestFile, manifest } = writeManifest(dataDir, endpoints, { url: admin.url, token_file: admin.tokenFile });
    const { file: collectorConfigFile } = writeCollectorConfig(dataDir, manifest);

    clock.start();
    if (cfg.warmup) {
      const { hours } = cfg.warmup;
      closers.push(warmUp(clock, () => plant.elapsedS, cfg.warmup, (speed) => log('warm-up over', { hours, speed })));
    }
    log('started', {
      substations: plant.net.n,
      endpoints: endpoints.groups.length,
      admin: admin.url,
      manifest: manifestFile,
      speed: cfg.speed,
      faults_scheduled: scenario?.faults.length ?? 0,
      season_events: scenario?.season?.length ?? 0,
    });
    const summary = [
      `heatscada simulate: ${network.substations.length} substations (${count(network, 'opcua')} OPC UA, ${count(network, 'modbus')} Modbus TCP), speed ×${cfg.speed}${cfg.warmup ? ` (×${cfg.warmup.speed} for the first ${cfg.warmup.hours} h)` : ''}, step ${cfg.step_s} s`,
      ...endpointLines(endpoints.groups),
      `  admin    ${admin.url}  (GET /status, GET|POST /faults, DELETE /faults/:id, GET|POST /season, GET /substations/:id, POST /speed; token in ${shortPath(admin.tokenFile)})`,
      `  manifest ${shortPath(manifestFile)}, collector config ${shortPath(collectorConfigFile)}`,
    ];
    let stopped: Promise<void> | undefined;
    return {
      plant,
      clock,
      endpoints,
      admin,
      manifestFile,
      collectorConfigFile,
      summary,
      stop: () => {
        stopped ??= closeAll().then(() => log('stopped'));
        return stopped;
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** Relative to the working directory when inside it, absolute otherwise. */
function shortPath(file: string): string {
  const relative = path.relative('.', file);
  return relative.startsWith('..') ? file : relative;
}

const count = (network: Network, protocol: SubstationProtocol): number => network.substations.filter((s) => s.protocol === protocol).length;

const NOUN: Record<SubstationProtocol, [string, string]> = { opcua: ['PLC', 'PLCs'], modbus: ['unit', 'units'] };
const plural = (n: number, [one, many]: [string, string]): string => `${n} ${n === 1 ? one : many}`;

/** One line per protocol: the first URL, the last port, how many behind how many endpoints. */
function endpointLines(groups: readonly EndpointGroup[]): string[] {
  return (['opcua', 'modbus'] as const).flatMap((protocol) => {
    const mine = groups.filter((g) => g.protocol === protocol);
    if (mine.length === 0) return [];
    const urls = mine.length === 1 ? mine[0].url : `${mine[0].url} … :${mine[mine.length - 1].port}`;
    const total = mine.reduce((sum, g) => sum + g.substations.length, 0);
    return [`  ${protocol.padEnd(8)} ${urls}  (${plural(total, NOUN[protocol])} on ${plural(mine.length, ['endpoint', 'endpoints'])})`];
  });
}
