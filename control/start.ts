import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { readMqttLogin } from '../model/mqtt-client.ts';
import type { TimeSeriesStore } from '../model/store.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { ControlAudit, MemoryAudit } from './audit.ts';
import type { ControlConfig } from './config-schema.ts';
import { Controller } from './controller.ts';
import { DcmdActuator } from './dcmd.ts';
import { storeInputs, type InputSource } from './inputs.ts';

// `heatscada control`: the loop over the store and the broker. bin/ wires this in.

export interface ControlDeps {
  store: TimeSeriesStore;
  logger: Logger;
  /** The store's SQLite handle (SqliteStore.database): the loop appends to the audit trail there. In memory without it. */
  database?: Database.Database;
  /** Control time; wall time by default. */
  clock?: () => number;
  /**
   * Control seconds per wall second: the simulator's speed when the clock is its time; 1 by
   * default. The loop looks every interval_s of control time, and its averaging window is in
   * control time too, while the store holds wall-time stamps (the collectors stamp their reads).
   */
  speed?: () => number;
  forecast?: (atMs: number) => number | undefined;
}

export interface ControlHandle {
  controller: Controller;
  stop(): Promise<void>;
}

export async function startControl(config: { control: ControlConfig }, deps: ControlDeps): Promise<ControlHandle> {
  const cfg = config.control;
  const log = deps.logger.child({ role: 'control' });
  const mqttLogin = readMqttLogin(cfg.mqtt_login, '/control/mqtt_login');
  const actuator = await DcmdActuator.connect({ mqttUrl: cfg.mqtt_url, mqttLogin, group: cfg.group, clientId: `heatscada-control-${cfg.group}`, ackTimeoutS: cfg.ack_timeout_s, logger: log });
  const clock = deps.clock ?? Date.now;
  const speed = deps.speed ?? (() => 1);
  const controller = new Controller(cfg, {
    inputs: scaledInputs(deps.store, cfg.average_window_s, speed),
    actuator,
    audit: deps.database ? new ControlAudit(new SqliteAuditTrail(deps.database)) : new MemoryAudit(),
    publishState: (substation, state) => actuator.publishState(substation, state),
    clock,
    logger: log,
    ...(deps.forecast ? { forecast: deps.forecast } : {}),
  });
  const stopPacing = pace(controller, cfg.interval_s, speed, log);
  log.info({ event: 'control_started', group: cfg.group, intervalS: cfg.interval_s, mode: cfg.start_mode }, 'control loop started');
  return {
    controller,
    async stop() {
      stopPacing();
      await controller.stop();
      await actuator.close();
      log.info({ event: 'control_stopped' }, 'control loop stopped');
    },
  };
}

/** The store's inputs with the averaging window turned from control time into the store's wall time. */
function scaledInputs(store: TimeSeriesStore, windowS: number, speed: () => number): InputSource {
  const current = (): InputSource => storeInputs(store, windowS / speed());
  return { now: Date.now, snapshot: (substations) => current().snapshot(substations), source: (sourceId) => current().source!(sourceId) };
}

/**
 * Runs a cycle every interval_s of control time: the wall delay is taken anew after each cycle,
 * so a simulator that changes speed (the warm-up ending, the admin endpoint) changes the pace
 * with it, and the envelope's spacing, counted in control time, is never outrun.
 */
function pace(controller: Controller, intervalS: number, speed: () => number, log: Logger): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const next = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      controller
        .cycle()
        .catch((e: unknown) => log.error({ event: 'cycle_failed', code: 'HS_ERR_INTERNAL', reason: (e as Error).message }, 'control cycle failed'))
        .finally(next);
    }, (intervalS * 1000) / speed());
  };
  next();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
