// Every write a simulated PLC receives, seen from the simulator's side: the substations' PLCs
// are the plant's own (Plant.write), the heat source's PLC is a SourcePlc made inside
// startEndpoints (so its class is watched). For tests that count what reached a PLC.

import type { TagName } from '../../model/tags.ts';
import type { Plant } from '../../simulators/plant.ts';
import type { PlcWriteResult } from '../../simulators/plc-access.ts';
import { SourcePlc } from '../../simulators/source-plc.ts';

export interface PlcWrite {
  substation: string;
  tag: TagName;
  value: number;
  /** What the PLC answered. */
  result: PlcWriteResult;
}

/**
 * Appends every write to `seen` from now on. `refuse` may answer for a PLC instead (an actuator
 * fault): the write is then seen, refused, and not applied. Returns the function that stops watching.
 */
export function watchPlcWrites(plant: Plant, seen: PlcWrite[], refuse: (substation: string) => PlcWriteResult | undefined = () => undefined): () => void {
  const plantWrite = plant.write;
  const sourceWrite = SourcePlc.prototype.write;
  plant.write = (substation, tag, value) => {
    const result = refuse(substation) ?? plantWrite.call(plant, substation, tag, value);
    seen.push({ substation, tag, value, result });
    return result;
  };
  SourcePlc.prototype.write = function (this: SourcePlc, id, tag, value) {
    const result = refuse(id) ?? sourceWrite.call(this, id, tag, value);
    seen.push({ substation: id, tag, value, result });
    return result;
  };
  return () => {
    plant.write = plantWrite;
    SourcePlc.prototype.write = sourceWrite;
  };
}
