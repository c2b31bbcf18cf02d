// Whether a reading can be trusted, judged by the catalogue whatever the protocol said of it:
// a value that is no number (NaN, ±∞: the float of a failed input) is bad, and so is a
// measurement outside its physical range (model/tags.ts; a Modbus analog card's wire-break
// code, the top of its register, lies outside every range). Setpoints are not judged by range:
// theirs is the envelope a write must keep, which a PLC's own loop may leave (a valve closing).

import type { PointValue } from '../model/point.ts';
import type { TagDefinition } from '../model/tags.ts';

export type ReadingFault = 'not_a_number' | 'out_of_range';

/** Why the reading is bad; undefined when the catalogue has nothing against it. */
export function readingFault(def: TagDefinition, value: PointValue): ReadingFault | undefined {
  if (typeof value === 'boolean') return undefined;
  if (!Number.isFinite(value)) return 'not_a_number';
  if (def.kind === 'setpoint' || def.valueType === 'boolean') return undefined;
  return value < def.min || value > def.max ? 'out_of_range' : undefined;
}
