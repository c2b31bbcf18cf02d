// The protocols a device entry may name, each with its config schema (collectors/<protocol>/config.ts).
// Apart from the drivers (drivers.ts) so that reading a configuration loads no protocol stack.
// Adding a protocol is a folder under collectors/, one line here and one in drivers.ts.

import type { Static } from '@sinclair/typebox';
import { ModbusDeviceSchema } from './modbus/config.ts';
import { OpcuaDeviceSchema } from './opcua/config.ts';

export const PROTOCOL_SCHEMAS = {
  opcua: OpcuaDeviceSchema,
  modbus: ModbusDeviceSchema,
};

export type ProtocolName = keyof typeof PROTOCOL_SCHEMAS;
export const PROTOCOL_NAMES = Object.keys(PROTOCOL_SCHEMAS) as ProtocolName[];

/** One device of the collector's list, as its protocol's schema describes it. */
export type DeviceConfig = { [P in ProtocolName]: Static<(typeof PROTOCOL_SCHEMAS)[P]> }[ProtocolName];
