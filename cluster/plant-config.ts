// What every run of the platform as separate role processes on loopback needs, whatever else it
// starts (the soak, the local cluster): a simulated city with its ports picked free and its
// served ledger on, and a login per role written to a password file the role's section names.

import fs from 'node:fs';
import path from 'node:path';
import type { MqttPrincipal } from '../broker/acl.ts';
import { ensureRoleLogins } from '../broker/role-logins.ts';
import { resolveConfig } from '../bin/config.ts';
import { simulatedNetwork } from '../simulators/network/load.ts';
import { freePort } from '../tests/helpers/ports.ts';

export interface SimulatedPlantOptions {
  /** Where the ledger goes. */
  dir: string;
  /** The simulator's data folder: its secrets and the collector configuration it writes. */
  dataDir: string;
  substations: number;
  seed: number;
  speed: number;
}

export interface SimulatedPlant {
  /** The `simulate:` section. */
  section: {
    generate: { substations: number; seed: number };
    speed: number;
    host: string;
    opcua: { base_port: number; plcs_per_endpoint: number };
    modbus: { base_port: number; units_per_endpoint: number };
    admin_port: number;
    data_dir: string;
    ledger_file: string;
    initial_mode: 'local';
  };
  substations: readonly string[];
  /** Every PLC: the substations' and the heat source's. */
  plcs: readonly string[];
  ledgerFile: string;
  /** Written by the simulator when it starts: what a collector reads. */
  devicesFile: string;
  adminUrl: string;
  adminTokenFile: string;
}

/** The city on one OPC UA and one Modbus endpoint, ports free on loopback, every answer in the ledger. */
export async function simulatedPlant(o: SimulatedPlantOptions): Promise<SimulatedPlant> {
  const [opcuaPort, modbusPort, adminPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const section: SimulatedPlant['section'] = {
    generate: { substations: o.substations, seed: o.seed },
    speed: o.speed,
    host: '127.0.0.1',
    opcua: { base_port: opcuaPort, plcs_per_endpoint: o.substations },
    modbus: { base_port: modbusPort, units_per_endpoint: Math.min(247, o.substations) },
    admin_port: adminPort,
    data_dir: o.dataDir,
    ledger_file: path.join(o.dir, 'served.csv'),
    // As shipped: the PLCs run their own loop and the centre writes their setpoints. (Remote mode
    // would not last at high speeds: the PLC's 15-minute watchdog is about a second of wall time.)
    initial_mode: 'local',
  };
  const network = simulatedNetwork(resolveConfig({ simulate: section }).simulate);
  const substations = network.substations.map((s) => s.id);
  return {
    section,
    substations,
    plcs: [...substations, network.source.id],
    ledgerFile: section.ledger_file,
    devicesFile: path.join(o.dataDir, 'collectors.generated.yaml'),
    adminUrl: `http://127.0.0.1:${adminPort}`,
    adminTokenFile: path.join(o.dataDir, 'secrets', 'sim-admin.token'),
  };
}

export interface MqttLoginFile {
  username: string;
  password_file: string;
}

/**
 * Makes each principal's login (credentials for the broker, a password for the role) and writes
 * each password to <secretsDir>/mqtt-<role>.password (mode 0600); returns each role's `mqtt_login`.
 */
export async function writeRoleLogins<R extends string>(credentialsFile: string, secretsDir: string, principals: Record<R, MqttPrincipal>): Promise<(role: R) => MqttLoginFile> {
  fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const logins = await ensureRoleLogins(credentialsFile, principals);
  return (role) => {
    const file = path.join(secretsDir, `mqtt-${role}.password`);
    fs.writeFileSync(file, logins[role].password, { mode: 0o600 });
    return { username: logins[role].username, password_file: file };
  };
}
