// The collector's device list (`collect.devices`): one entry per substation PLC, its protocol
// picking the rest of the entry's schema (collectors/<protocol>/config.ts). The same shape as
// data/collectors.generated.yaml, which the simulator writes (simulators/manifest.ts).

import { Type } from '@sinclair/typebox';
import { loadDocument, validateDocument } from '../model/validate.ts';
import { DeviceIdSchema } from './driver-support.ts';
import { PROTOCOL_NAMES, PROTOCOL_SCHEMAS, type DeviceConfig } from './protocols.ts';

/**
 * A device: `id` and `protocol`, then its protocol's fields. Written as if/then per protocol
 * rather than a union so an error names the bad field of the chosen protocol, not every branch,
 * and so defaults apply (Ajv fills none inside anyOf).
 */
export const DeviceSchema = Type.Unsafe<DeviceConfig>({
  type: 'object',
  required: ['id', 'protocol'],
  properties: {
    id: DeviceIdSchema,
    protocol: { enum: PROTOCOL_NAMES, description: 'which driver reads the device' },
  },
  allOf: PROTOCOL_NAMES.map((name) => ({
    if: { properties: { protocol: { const: name } }, required: ['protocol'] },
    then: PROTOCOL_SCHEMAS[name],
  })),
});

export const DevicesSchema = Type.Array(DeviceSchema, { default: [], description: 'the substation PLCs this collector reads' });

/** A document with a `collect` section; other sections (the platform config's) are not looked at. */
const DocumentSchema = Type.Object({ collect: Type.Object({ devices: DevicesSchema }) });

export type { DeviceConfig } from './protocols.ts';

/** Validates a device list (filling defaults); a bad field fails with its path. */
export function resolveDevices(doc: unknown, source = 'collect.devices'): DeviceConfig[] {
  return validateDocument(DevicesSchema, doc, 'HS_ERR_CONFIG_INVALID', source);
}

/** The device list of a YAML file with a `collect` section, e.g. data/collectors.generated.yaml. */
export function loadDevices(file: string): DeviceConfig[] {
  return loadDocument(DocumentSchema, file, 'HS_ERR_CONFIG_INVALID').collect.devices;
}
