import type { CommandOutcome } from '../model/sparkplug.ts';
import { CONTROL_MODES, isTagName } from '../model/tags.ts';
import type { Plant } from '../simulators/plant.ts';
import { SourcePlc } from '../simulators/source-plc.ts';
import type { Actuator } from './controller.ts';
import type { InputSnapshot, InputSource } from './inputs.ts';

// The loop over a simulated plant without protocols (the benchmark): the same Controller, its
// inputs read from the plant's instruments (the substations' and the heat source's PLCs) and
// its writes applied by the same PLC logic the protocol servers call, after the same envelope.
// Time is the plant's simulated time.

export function plantInputs(plant: Plant): InputSource {
  const read = (id: string, tag: Parameters<Plant['read']>[1]): number => Number(plant.read(id, tag));
  const source = new SourcePlc(plant);
  return {
    now: () => plant.timeMs,
    async source(sourceId) {
      return sourceId === source.id ? { offsetK: source.read(sourceId, 'source.supply_offset_setpoint'), oldestTs: plant.timeMs } : undefined;
    },
    async snapshot(substations = plant.substationIds) {
      const out = new Map<string, InputSnapshot>();
      for (const id of substations) {
        if (!plant.answers(id)) continue;
        out.set(id, {
          oldestTs: plant.timeMs,
          inputs: {
            mode: CONTROL_MODES[read(id, 'control.mode')] ?? 'manual',
            outdoorC: read(id, 'outdoor.temp'),
            supplyC: read(id, 'secondary.supply_temp'),
            returnC: read(id, 'secondary.return_temp'),
            indoorMinC: read(id, 'indoor.temp_min'),
            indoorAvgC: read(id, 'indoor.temp_avg'),
            valvePct: read(id, 'primary.valve_position'),
            valveSetpointPct: read(id, 'primary.valve_setpoint'),
            supplySetpointC: read(id, 'secondary.supply_temp_setpoint'),
          },
        });
      }
      return out;
    },
  };
}

export function plantActuator(plant: Plant): Actuator {
  const source = new SourcePlc(plant);
  return {
    async send({ requestId, substation, tag, value, actor }): Promise<CommandOutcome> {
      if (!isTagName(tag)) return { requestId, tag, ok: false, code: 'HS_ERR_UNKNOWN_TAG', reason: `no tag ${tag}`, actor };
      // The heat source's PLC and the substations' take writes alike (the OPC UA path in production).
      const plc = substation === source.id ? source : plant;
      const r = plc.write(substation, tag, value);
      return r.ok ? { requestId, tag, ok: true, value: Number(plc.read(substation, tag)), actor } : { requestId, tag, ok: false, code: r.code, reason: r.reason, actor };
    },
  };
}
