// The balancing loop over a data path of its own, wired as startControl wires it: DCMDs through
// the broker, inputs from the store, records into the hash-chained trail in the store's file,
// its state messages published, and its clock on the plant's time. The city starts imbalanced
// (equal valve openings) with the valves handed to the centre, so the loop has work to do. The
// test advances the plant and runs the cycles; every write a PLC receives is seen.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { Logger } from 'pino';
import { ControlAudit } from '../../control/audit.ts';
import { ControlConfigSchema } from '../../control/config-schema.ts';
import { Controller } from '../../control/controller.ts';
import { DcmdActuator } from '../../control/dcmd.ts';
import { storeInputs } from '../../control/inputs.ts';
import { ControlMode } from '../../model/tags.ts';
import { validateDocument } from '../../model/validate.ts';
import type { Network } from '../../simulators/network/schema.ts';
import { Plant } from '../../simulators/plant.ts';
import { SqliteAuditTrail } from '../../store/audit/sqlite-audit-trail.ts';
import { DATA_PATH_GROUP, startDataPath, type DataPath, type DataPathOptions } from './data-path.ts';
import { watchPlcWrites, type PlcWrite } from './plc-writes.ts';

export interface ControlRunOptions extends Pick<DataPathOptions, 'edgeNodeId' | 'hostId' | 'opcuaSamplingMs'> {
  city: Network;
  /** The actuator's MQTT client id. */
  clientId: string;
  /** Control settings beyond the input timing and the plant's heating and curve (start_mode, …). */
  settings?: Record<string, unknown>;
  logger: Logger;
}

export interface ControlRun {
  /** Holds the store file (store.db) and the collector's files. */
  dir: string;
  plant: Plant;
  dataPath: DataPath;
  actuator: DcmdActuator;
  controller: Controller;
  audit: ControlAudit;
  trail: SqliteAuditTrail;
  /** Every write a PLC received since the start, in order, with its answer. */
  plcWrites: PlcWrite[];
  /** From now on this PLC refuses whatever it is sent (an actuator fault); none with undefined. */
  refuse(substation: string | undefined): void;
  stop(): Promise<void>;
}

export async function startControlRun(options: ControlRunOptions): Promise<ControlRun> {
  const { city, logger } = options;
  const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-control-run-'));
  const plant = new Plant(city, { startMs: Date.now(), warmUpS: 6 * 3600, mode: ControlMode.manual, valvePct: 70 });
  for (const id of plant.substationIds) expect(plant.write(id, 'control.mode_setpoint', ControlMode.remote).ok).toBe(true);
  const plcWrites: PlcWrite[] = [];
  let refuseFor: string | undefined;
  const unwatch = watchPlcWrites(plant, plcWrites, (substation) =>
    substation === refuseFor ? { ok: false, code: 'HS_ERR_PLC_WRITE_FAILED', reason: `${substation}: actuator fault` } : undefined,
  );
  const dataPath = await startDataPath({ plant, dir, edgeNodeId: options.edgeNodeId, hostId: options.hostId, pollIntervalS: 0.1, refreshIntervalS: 1, opcuaSamplingMs: options.opcuaSamplingMs, logger });
  const actuator = await DcmdActuator.connect({ mqttUrl: dataPath.broker.tcpUrl, group: DATA_PATH_GROUP, clientId: options.clientId, ackTimeoutS: 5, logger });
  // Store time is wall time (the collectors stamp their reads); control time is the plant's.
  const cfg = validateDocument(
    ControlConfigSchema,
    {
      input_period_s: 2,
      average_window_s: 1,
      ack_timeout_s: 5,
      heating: Object.fromEntries(city.substations.map((s) => [s.id, s.heating])),
      curve: { design_outdoor_c: city.weather.design_outdoor_c },
      ...options.settings,
    },
    'HS_ERR_CONFIG_INVALID',
  );
  const trail = new SqliteAuditTrail(dataPath.store.database);
  const audit = new ControlAudit(trail);
  const controller = new Controller(cfg, {
    inputs: storeInputs(dataPath.store, cfg.average_window_s),
    actuator,
    audit,
    clock: () => plant.timeMs,
    logger,
    publishState: (substation, state) => actuator.publishState(substation, state),
  });
  return {
    dir,
    plant,
    dataPath,
    actuator,
    controller,
    audit,
    trail,
    plcWrites,
    refuse(substation) {
      refuseFor = substation;
    },
    async stop() {
      unwatch();
      await controller.stop();
      await actuator.close();
      await dataPath.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
