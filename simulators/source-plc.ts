import { HeatScadaError } from '../model/errors.ts';
import { inRange, tagDefinition, type TagName } from '../model/tags.ts';
import type { Plant } from './plant.ts';
import type { PlcAccess, PlcWriteResult, SubstationProtocol } from './plc-access.ts';

// The heat source's PLC: its supply and return temperatures, the outdoor temperature, a
// heartbeat, and the one setpoint the centre may write — a shift of the source's supply
// temperature over its own outdoor curve (`source.supply_offset_setpoint`, range from the tag
// catalogue). Served over OPC UA beside the substations' PLCs, so the balancing loop reaches it
// the way it reaches a substation: DCMD → collector → OPC UA write → here.

/** The tags the source's PLC serves (a subset of the catalogue; the rest are substation tags). */
export const SOURCE_PLC_TAGS = ['primary.supply_temp', 'primary.return_temp', 'outdoor.temp', 'plc.heartbeat', 'source.supply_offset_setpoint'] as const satisfies readonly TagName[];
type SourceTag = (typeof SOURCE_PLC_TAGS)[number];
const isSourceTag = (tag: TagName): tag is SourceTag => (SOURCE_PLC_TAGS as readonly TagName[]).includes(tag);

export class SourcePlc implements PlcAccess {
  readonly substationIds: readonly string[];

  constructor(private readonly plant: Plant) {
    this.substationIds = [plant.spec.source.id];
  }

  get id(): string {
    return this.substationIds[0];
  }

  protocolOf(): SubstationProtocol {
    return 'opcua';
  }

  read(id: string, tag: TagName): number {
    this.check(id);
    const s = this.plant.state;
    if (!isSourceTag(tag)) throw new HeatScadaError('HS_ERR_UNKNOWN_TAG', `the heat source's PLC has no ${tag}`, tag);
    switch (tag) {
      case 'primary.supply_temp':
        return s.sourceSupplyC;
      case 'primary.return_temp':
        return s.sourceReturnC;
      case 'outdoor.temp':
        return s.outdoorC;
      case 'plc.heartbeat':
        return Math.floor(s.elapsedS) % 65536;
      case 'source.supply_offset_setpoint':
        return s.sourceOffsetK;
    }
  }

  write(id: string, tag: TagName, value: number): PlcWriteResult {
    if (id !== this.id) return { ok: false, code: 'HS_ERR_UNKNOWN_SUBSTATION', reason: `no heat source ${id}` };
    if (tag !== 'source.supply_offset_setpoint') return { ok: false, code: 'HS_ERR_NOT_WRITABLE', reason: `${tag} is not writable at the heat source` };
    const def = tagDefinition(tag);
    if (!inRange(def, value)) return { ok: false, code: 'HS_ERR_OUT_OF_RANGE', reason: `${tag} = ${value} is outside ${def.min}–${def.max} ${def.unit}` };
    this.plant.state.sourceOffsetK = value;
    return { ok: true, value };
  }

  answers(id: string): boolean {
    this.check(id);
    return true;
  }

  onAnswersChange(): () => void {
    // The source's PLC does not fail in the simulator (a source trip is a plant fault, not a silent PLC).
    return () => undefined;
  }

  private check(id: string): void {
    if (id !== this.id) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', `"${id}"`);
  }
}
