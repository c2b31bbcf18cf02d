// A write to one node: the value encoded as the node's own DataType (looked up once per tag),
// the server's status mapped to the error catalogue, then the node read back.

import { AttributeIds, DataType, NodeId, StatusCodes, type ClientSession, type StatusCode } from 'node-opcua';
import type { PlcWriteOutcome } from '../../model/command.ts';
import type { ErrorCode } from '../../model/errors.ts';
import { refuse } from '../driver-support.ts';
import { baseCode, isSilent } from './quality.ts';

/** The scalar types a catalogue value can be written as. */
const WRITABLE_TYPES = new Set([
  DataType.Boolean,
  DataType.SByte,
  DataType.Byte,
  DataType.Int16,
  DataType.UInt16,
  DataType.Int32,
  DataType.UInt32,
  DataType.Float,
  DataType.Double,
]);

const ERROR_BY_STATUS = new Map<number, ErrorCode>([
  [StatusCodes.BadOutOfRange.value, 'HS_ERR_OUT_OF_RANGE'],
  [StatusCodes.BadInvalidState.value, 'HS_ERR_PLC_MODE'],
  [StatusCodes.BadNotWritable.value, 'HS_ERR_NOT_WRITABLE'],
  [StatusCodes.BadUserAccessDenied.value, 'HS_ERR_NOT_WRITABLE'],
  [StatusCodes.BadWriteNotSupported.value, 'HS_ERR_NOT_WRITABLE'],
  [StatusCodes.BadTypeMismatch.value, 'HS_ERR_WRONG_TYPE'],
  [StatusCodes.BadNodeIdUnknown.value, 'HS_ERR_UNKNOWN_TAG'],
]);

/** The catalogue code for a Bad status of a write (or of its read-back). */
export function errorOfStatus(status: StatusCode): ErrorCode {
  if (isSilent(status)) return 'HS_ERR_PLC_OFFLINE';
  return ERROR_BY_STATUS.get(baseCode(status)) ?? 'HS_ERR_PLC_WRITE_FAILED';
}

/**
 * The node's declared built-in DataType; for a subtype (Duration, an enumeration …) the built-in
 * type its current value travels as. Undefined when the server says neither.
 */
export async function declaredType(session: ClientSession, nodeId: NodeId): Promise<DataType | undefined> {
  const [typeAttr, value] = await session.read([
    { nodeId, attributeId: AttributeIds.DataType },
    { nodeId, attributeId: AttributeIds.Value },
  ]);
  const typeId: unknown = typeAttr?.value.value;
  if (typeId instanceof NodeId && typeId.namespace === 0 && typeof typeId.value === 'number' && typeId.value in DataType) {
    const builtIn = typeId.value as DataType;
    if (builtIn !== DataType.Null) return builtIn;
  }
  return value?.statusCode.isGood() ? value.value.dataType : undefined;
}

/** The value as a Variant of that type, or why it cannot be one. */
function variantValue(dataType: DataType, value: number): { ok: true; value: number | boolean } | { ok: false; reason: string } {
  if (!WRITABLE_TYPES.has(dataType)) return { ok: false, reason: `the node is ${DataType[dataType]}, not a number or a boolean` };
  if (dataType === DataType.Boolean) return { ok: true, value: value !== 0 };
  if (dataType !== DataType.Float && dataType !== DataType.Double && !Number.isInteger(value)) {
    return { ok: false, reason: `the node is ${DataType[dataType]}: ${value} is not a whole number` };
  }
  return { ok: true, value };
}

export async function writeNode(session: ClientSession, nodeId: NodeId, dataType: DataType, value: number): Promise<PlcWriteOutcome> {
  const encoded = variantValue(dataType, value);
  if (!encoded.ok) return refuse('HS_ERR_WRONG_TYPE', encoded.reason);
  const status = await session.write({ nodeId, attributeId: AttributeIds.Value, value: { value: { dataType, value: encoded.value } } });
  if (status.isNotGood()) return refuse(errorOfStatus(status), `the server answered ${status.name}`);
  const back = await session.read({ nodeId, attributeId: AttributeIds.Value });
  if (back.statusCode.isNotGood()) return refuse(errorOfStatus(back.statusCode), `written, but the read-back answered ${back.statusCode.name}`);
  return { ok: true, readBack: Number(back.value.value) };
}
