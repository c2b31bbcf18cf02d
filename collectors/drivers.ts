// The protocol registry's drivers: a device's `protocol` picks its driver (its schema:
// protocols.ts). Adding a protocol is a folder under collectors/ and one line here.

import { pino } from 'pino';
import type { Driver } from '../model/driver.ts';
import { HeatScadaError } from '../model/errors.ts';
import type { Logger } from './driver-support.ts';
import { ModbusDriver } from './modbus/modbus-driver.ts';
import { OpcuaDriver } from './opcua/opcua-driver.ts';
import type { DeviceConfig, ProtocolName } from './protocols.ts';

type DeviceOf<P extends ProtocolName> = Extract<DeviceConfig, { protocol: P }>;

const CREATE: { [P in ProtocolName]: (device: DeviceOf<P>, log: Logger) => Driver } = {
  opcua: (device, log) => new OpcuaDriver(device, log),
  modbus: (device, log) => new ModbusDriver(device, log),
};

/** A driver for a validated device entry (see collectors/config.ts). */
export function createDriver(device: DeviceConfig, log: Logger = pino({ name: 'collector' })): Driver {
  const create = CREATE[device.protocol] as (device: DeviceConfig, log: Logger) => Driver;
  return create(device, log);
}

/**
 * Drivers for a device list; device ids name substations and must be unique. The path in the
 * error is that of the `collect` section of a configuration document.
 */
export function createDrivers(devices: readonly DeviceConfig[], log: Logger = pino({ name: 'collector' })): Driver[] {
  const seen = new Set<string>();
  devices.forEach((d, i) => {
    if (seen.has(d.id)) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `device ${d.id} listed twice`, `/collect/devices/${i}/id`);
    seen.add(d.id);
  });
  return devices.map((d) => createDriver(d, log));
}
