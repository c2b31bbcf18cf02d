import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { Lease, leaseKey, leaseOptions } from '../cluster/lease.ts';
import { HeatScadaError } from '../model/errors.ts';
import { readMqttLogin } from '../model/mqtt-client.ts';
import type { TimeSeriesStore } from '../model/store.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { ControlAudit, MemoryAudit } from './audit.ts';
import type { ControlConfig } from './config-schema.ts';
import { Controller } from './controller.ts';
import { DcmdActuator } from './dcmd.ts';
import { forecastSource, type ForecastSource } from './forecast-source.ts';
import { storeInputs } from './inputs.ts';

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
  /** A forecast from elsewhere (the benchmark's weather model); else control.forecast.file or .url. */
  forecast?: (atMs: number) => number | undefined;
  /** The network's transport delay, h, where the plant is known (lead_h 'transport'); else control.forecast.transport_h. */
  transportDelayH?: () => number | undefined;
}

export interface ControlHandle {
  controller: Controller;
  /** The hot-standby lease, when control.standby is configured: who is active, with which epoch. */
  lease?: Lease;
  /** The forecast file or feed, when one is configured. */
  forecast?: ForecastSource;
  stop(): Promise<void>;
}

export async function startControl(config: { control: ControlConfig }, deps: ControlDeps): Promise<ControlHandle> {
  const cfg = config.control;
  const log = deps.logger.child({ role: 'control' });
  const f = cfg.forecast;
  if (f?.file && f.url) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'a forecast comes from a file or a url, not both', '/control/forecast/url');
  if (f?.lead_h === 'transport' && f.transport_h === undefined && !deps.transportDelayH) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', "lead_h 'transport' needs the network's transport delay to its farthest substation, h", '/control/forecast/transport_h');
  }
  const mqttLogin = readMqttLogin(cfg.mqtt_login, '/control/mqtt_login');
  // A pair's instances share one lease; each has its own MQTT session, subscribed from the start so a takeover finds the births known.
  const standby = cfg.standby;
  const lease = standby ? await Lease.start(leaseOptions(standby, leaseKey('control', cfg.group, standby), log)) : undefined;
  const actuator = await DcmdActuator.connect({
    mqttUrl: cfg.mqtt_url,
    mqttLogin,
    group: cfg.group,
    clientId: standby ? `heatscada-control-${cfg.group}-${standby.instance_id}` : `heatscada-control-${cfg.group}`,
    ackTimeoutS: cfg.ack_timeout_s,
    ...(lease ? { fencing: lease } : {}),
    logger: log,
  });
  const clock = deps.clock ?? Date.now;
  const speed = deps.speed ?? (() => 1);
  const forecast = f && (f.file || f.url) ? forecastSource({ ...(f.file ? { file: f.file } : { url: f.url! }), refreshMin: f.refresh_min, maxAgeH: f.max_age_h, clock, logger: log }) : undefined;
  const controller = new Controller(cfg, {
    inputs: storeInputs(deps.store, cfg.average_window_s, Date.now, speed),
    actuator,
    audit: deps.database ? new ControlAudit(new SqliteAuditTrail(deps.database)) : new MemoryAudit(),
    publishState: (substation, state) => actuator.publishState(substation, state),
    clock,
    logger: log,
    ...(deps.forecast ? { forecast: deps.forecast } : forecast ? { forecast: (at: number) => forecast.temperatureAt(at), forecastHealth: () => forecast.health() } : {}),
    ...(deps.transportDelayH ? { transportDelayH: deps.transportDelayH } : {}),
    ...(lease ? { active: () => lease.isActive() } : {}),
  });
  forecast?.start();
  controller.start(speed);
  if (lease) {
    const announce = (): void => {
      if (lease.state.role === 'active') actuator.announceEpoch(lease.state.epoch, cfg.actor);
    };
    lease.listen(announce);
    announce();
  }
  log.info({ event: 'control_started', group: cfg.group, intervalS: cfg.interval_s, mode: cfg.start_mode, ...(lease ? { lease: lease.state } : {}) }, 'control loop started');
  return {
    controller,
    ...(lease ? { lease } : {}),
    ...(forecast ? { forecast } : {}),
    async stop() {
      await controller.stop();
      // Given back at once: the standby takes over at its next poll instead of after the ttl.
      await lease?.stop();
      await forecast?.stop();
      await actuator.close();
      log.info({ event: 'control_stopped' }, 'control loop stopped');
    },
  };
}
