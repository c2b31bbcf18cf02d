// The configuration of one Modbus TCP device: where it answers, its unit id, and where each tag
// sits in its registers. Without `tags`, the DOMAIN.md map of the tag catalogue applies.

import { Type, type Static } from '@sinclair/typebox';
import { TAGS, type TagName } from '../../model/tags.ts';
import { DeviceIdSchema, ReconnectSchema, mappedTags, tagMapSchema } from '../driver-support.ts';
import { BYTE_ORDERS, REGISTER_TYPE_NAMES, type RegisterLayout } from './conversions.ts';
import { MAX_READ_REGISTERS, type RegisterSpan } from './request-plan.ts';

const RegisterBankSchema = Type.Union([Type.Literal('holding'), Type.Literal('input')], {
  description: 'holding registers (read with function code 3, writable) or input registers (function code 4, read-only)',
});
const ByteOrderSchema = Type.Union(
  BYTE_ORDERS.map((o) => Type.Literal(o)),
  { description: 'ABCD big-endian, CDAB word-swapped, BADC byte-swapped, DCBA little-endian' },
);
const BIT_TYPES = ['int16', 'uint16', 'int32', 'uint32'];

export const ModbusTagSchema = Type.Object(
  {
    register: Type.Integer({ minimum: 0, maximum: 65535, description: 'first register, 0-based protocol address' }),
    type: Type.Union(REGISTER_TYPE_NAMES.map((t) => Type.Literal(t))),
    scale: Type.Number({ exclusiveMinimum: 0, default: 1, description: 'raw register value = (value − offset) × scale' }),
    offset: Type.Number({ default: 0 }),
    bit: Type.Optional(Type.Integer({ minimum: 0, maximum: 31, description: 'a status bit of an integer register: the tag is a boolean' })),
    byte_order: Type.Optional(ByteOrderSchema),
    registers: Type.Optional(RegisterBankSchema),
  },
  {
    additionalProperties: false,
    // A bit lives in an integer, and inside its width.
    allOf: [
      { if: { required: ['bit'] }, then: { properties: { type: { enum: BIT_TYPES } } } },
      { if: { required: ['bit'], properties: { type: { enum: ['int16', 'uint16'] } } }, then: { properties: { bit: { maximum: 15 } } } },
    ],
  },
);
export type ModbusTagConfig = Static<typeof ModbusTagSchema>;

export const ModbusDeviceSchema = Type.Object(
  {
    id: DeviceIdSchema,
    protocol: Type.Literal('modbus'),
    url: Type.String({ pattern: '^(modbus-tcp|tcp)://[^\\s/]+/?$', description: 'modbus-tcp://host:port (port 502 if absent)' }),
    unit_id: Type.Integer({ minimum: 0, maximum: 255, default: 1, description: 'unit identifier (slave id) behind the endpoint' }),
    registers: Type.Union(RegisterBankSchema.anyOf, { default: 'holding', description: RegisterBankSchema.description }),
    byte_order: Type.Union(ByteOrderSchema.anyOf, { default: 'ABCD', description: ByteOrderSchema.description }),
    timeout_ms: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000, description: 'per request, and for opening the connection' }),
    failures_before_disconnect: Type.Integer({ minimum: 1, maximum: 100, default: 3, description: 'consecutive failed polls before the device counts as disconnected' }),
    max_gap_registers: Type.Integer({ minimum: 0, maximum: MAX_READ_REGISTERS - 1, default: 0, description: 'unmapped registers a read may span to merge two requests' }),
    max_registers_per_request: Type.Integer({ minimum: 1, maximum: MAX_READ_REGISTERS, default: MAX_READ_REGISTERS }),
    reconnect: ReconnectSchema,
    tags: Type.Optional(tagMapSchema(() => ModbusTagSchema, 'tag → register layout; the DOMAIN.md map when absent')),
  },
  { additionalProperties: false },
);
export type ModbusDeviceConfig = Static<typeof ModbusDeviceSchema>;

/** The DOMAIN.md register map of the catalogue, as a tag map (what the simulator's PLCs serve). */
export const DOMAIN_MODBUS_TAGS: Readonly<Record<TagName, ModbusTagConfig>> = Object.fromEntries(
  TAGS.map((t) => [
    t.name,
    { register: t.modbus.address, type: t.modbus.type, scale: t.modbus.scale, offset: 0, ...(t.modbus.bit === undefined ? {} : { bit: t.modbus.bit }) },
  ]),
) as Record<TagName, ModbusTagConfig>;

/** Where every mapped tag of a device sits, device defaults applied. */
export function registerSpans(device: ModbusDeviceConfig): RegisterSpan[] {
  const map = device.tags ?? DOMAIN_MODBUS_TAGS;
  return mappedTags(map).map((tag) => {
    const t = map[tag]!;
    const layout: RegisterLayout = { type: t.type, byteOrder: t.byte_order ?? device.byte_order, scale: t.scale, offset: t.offset };
    if (t.bit !== undefined) layout.bit = t.bit;
    return { tag, functionCode: (t.registers ?? device.registers) === 'input' ? 4 : 3, address: t.register, layout };
  });
}
