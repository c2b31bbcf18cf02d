import type { ErrorCode } from '../model/errors.ts';
import type { TagName } from '../model/tags.ts';

export type SubstationProtocol = 'opcua' | 'modbus';

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
}
