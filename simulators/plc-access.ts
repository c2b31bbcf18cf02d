import type { ErrorCode } from '../model/errors.ts';
import type { TagName } from '../model/tags.ts';

export type SubstationProtocol = 'opcua' | 'modbus';

/** How a PLC's Modbus server answers a read: normally, with exception 4, or only the first block of registers. */
export type ModbusAnswer = 'normal' | 'exception' | 'half';

/** A fault of a PLC's OPC UA server starting (active) or ending. */
export interface ServerFaultChange {
  substation: string;
  kind: 'opcua_new_certificate' | 'opcua_session_drop';
  active: boolean;
}

export type PlcWriteResult =
  | { ok: true; value: number }
  | { ok: false; code: ErrorCode; reason: string };

/**
 * What the protocol servers see of the plant: the PLCs' tag tables. Servers only expose this;
 * they hold no plant state of their own. Values are engineering units (°C, MPa, m³/h, %...).
 */
export interface PlcAccess {
  readonly substationIds: readonly string[];
  protocolOf(substation: string): SubstationProtocol;
  /** Current value of a tag; booleans for status bits. */
  read(substation: string, tag: TagName): number | boolean;
  /** Checks range, writability and the PLC mode, then applies the write to the PLC. */
  write(substation: string, tag: TagName, value: number): PlcWriteResult;
  /** False while the substation has no power or its PLC link is faulted: it must not answer. */
  answers(substation: string): boolean;
  /** Called whenever a substation starts or stops answering (power loss, PLC link fault). */
  onAnswersChange(listener: (substation: string, answers: boolean) => void): () => void;
  // Bad data from the plant (simulators/faults): a PLC without these never sends any.
  /** The PLC flags the tag's input as failed: OPC UA answers a bad StatusCode for it. */
  badStatus?(substation: string, tag: TagName): boolean;
  modbusAnswer?(substation: string): ModbusAnswer;
  /** Called when a fault of an OPC UA server starts or ends (a new certificate, a dropped session). */
  onServerFault?(listener: (change: ServerFaultChange) => void): () => void;
}
