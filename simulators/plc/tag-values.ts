import type { TagName } from '../../model/tags.ts';
import type { CompiledNetwork } from '../physics/compile.ts';
import type { PlantState } from '../physics/state.ts';

type Getter = (s: PlantState, i: number, net: CompiledNetwork) => number | boolean;

const MPA = 1e-6;
const M3H = 3600;

function indoor(s: PlantState, i: number, net: CompiledNetwork, pick: 'avg' | 'min'): number {
  let sum = 0;
  let lowest = Infinity;
  let area = 0;
  for (let b = net.firstBuilding[i]; b < net.firstBuilding[i + 1]; b++) {
    sum += s.tIn[b] * net.bAreaM2[b];
    area += net.bAreaM2[b];
    lowest = Math.min(lowest, s.tIn[b] - net.bSpreadK[b]);
  }
  return pick === 'avg' ? sum / area : lowest;
}

/**
 * What the PLC's instruments show for each tag, in the catalogue's units, before sensor faults.
 * The PLC's clock is no instrument of the plant: Plant.read gives it (the wall clock, plus what
 * a clock fault added), since the simulated time may run faster than any clock on the wall.
 */
export const TAG_VALUES: Record<Exclude<TagName, 'plc.clock'>, Getter> = {
  'primary.supply_temp': (s, i) => s.t1s[i],
  'primary.return_temp': (s, i) => s.t1r[i],
  'primary.supply_pressure': (s, i, net) => s.nodeSupplyPa[net.subNode[i]] * MPA,
  'primary.return_pressure': (s, i, net) => s.nodeReturnPa[net.subNode[i]] * MPA,
  'primary.flow': (s, i, net) => s.nodeFlowM3s[net.subNode[i]] * M3H,
  'primary.valve_position': (s, i) => s.valve[i] * 100,
  'secondary.supply_temp': (s, i) => s.t2s[i],
  'secondary.return_temp': (s, i) => s.t2r[i],
  'secondary.supply_pressure': (s, i) => s.p2sPa[i] * MPA,
  'secondary.return_pressure': (s, i) => s.p2rPa[i] * MPA,
  'secondary.flow': (s, i) => s.flow2M3s[i] * M3H,
  'pump.frequency': (s, i) => s.pumpHz[i],
  'makeup.flow': (s, i) => s.makeupM3s[i] * M3H,
  'makeup.tank_level': (s, i) => s.tankLevelM[i],
  'filter.dp': (s, i) => s.filterDpPa[i] / 1000,
  'heat.power': (s, i) => s.heatW[i] / 1000,
  'heat.energy': (s, i) => s.energyJ[i] / 1e9,
  'indoor.temp_avg': (s, i, net) => indoor(s, i, net, 'avg'),
  'indoor.temp_min': (s, i, net) => indoor(s, i, net, 'min'),
  'outdoor.temp': (s) => s.outdoorC,
  'pump.running': (s, i) => s.pumpRunning[i] === 1,
  'pump.fault': (s, i) => s.pumpTrip[i] === 1,
  'makeup.running': (s, i) => s.makeupM3s[i] > 0,
  'power.ok': (s, i) => s.powerOff[i] === 0,
  'plc.heartbeat': (s, i) => Math.floor(s.heartbeatS[i]) % 65536,
  'control.mode': (s, i) => s.mode[i],
  'primary.valve_setpoint': (s, i) => s.valveSetpointPct[i],
  'secondary.supply_temp_setpoint': (s, i) => s.supplySetpointC[i],
  'pump.frequency_setpoint': (s, i) => s.pumpSetpointHz[i],
  'control.mode_setpoint': (s, i) => s.modeSetpoint[i],
  // A substation PLC is no heat source: the register reads 0 (the source's PLC serves the real one).
  'source.supply_offset_setpoint': () => 0,
};
