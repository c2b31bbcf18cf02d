// The protocol registry: a device's `protocol` picks its config schema and its driver. Adding a
// protocol is a folder under collectors/ and one line here.

import type { Static, TSchema } from '@sinclair/typebox';
import { pino } from 'pino';
import type { Driver } from '../model/driver.ts';
import { HeatScadaError } from '../model/errors.ts';
import type { Logger } from './driver-support.ts';
import { ModbusDeviceSchema } from './modbus/config.ts';
import { ModbusDriver } from './modbus/modbus-driver.ts';
import { OpcuaDeviceSchema } from './opcua/config.ts';
import { OpcuaDriver } from './opcua/opcua-driver.ts';

interface Protocol<S extends TSchema> {
  schema: S;
  create(device: Static<S>, log: Logger): Driver;
}

const protocol = <S extends TSchema>(schema: S, create: (device: Static<S>, log: Logger) => Driver): Protocol<S> => ({ schema, create });

export const PROTOCOLS = {
  opcua: protocol(OpcuaDeviceSchema, (device, log) => new OpcuaDriver(device, log)),
  modbus: protocol(ModbusDeviceSchema, (device, log) => new ModbusDriver(device, log)),
};

export type ProtocolName = keyof typeof PROTOCOLS;
export const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as ProtocolName[];

/** One device of the collector's list, as its protocol's schema describes it. */
export type DeviceConfig = { [P in ProtocolName]: Static<(typeof PROTOCOLS)[P]['schema']> }[ProtocolName];

/** A driver for a validated device entry (see collectors/config.ts). */
export function createDriver(device: DeviceConfig, log: Logger = pino({ name: 'collector' })): Driver {
  const entry = PROTOCOLS[device.protocol] as Protocol<TSchema>;
  return entry.create(device, log);
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
