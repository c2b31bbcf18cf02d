// The faults a soak repeats: DOMAIN.md's winter scenario and bad data from the plant, one request
// each. (An OPC UA session drop or new certificate is tests/bad-plant-data.test.ts's.) Sensor spikes are
// left out: a 30 K spike lasting a simulated second is a few milliseconds of wall time at soak
// speeds, shorter than any poll, so no collector can see it (tests/alarms.test.ts covers it at
// real time).

import type { FaultRequest } from '../../simulators/faults/schema.ts';
import type { SubstationProtocol } from '../../simulators/plc-access.ts';

export interface SoakFault {
  request: Omit<FaultRequest, 'substation'>;
  /** Absent: a fault of the whole network; 'any': a substation of either protocol. */
  on?: SubstationProtocol | 'any';
  /** Shows only while the valve moves: the soak swings the PLC's loop at its local panel (local-panel.ts), on Modbus. */
  moveValve?: true;
}

export const SOAK_FAULTS: readonly SoakFault[] = [
  { request: { kind: 'leak', severity: 0.6 }, on: 'any' },
  { request: { kind: 'pump_trip' }, on: 'any' },
  { request: { kind: 'power_loss' }, on: 'any' },
  { request: { kind: 'filter_clog', severity: 1 }, on: 'any' },
  { request: { kind: 'valve_stuck' }, on: 'modbus', moveValve: true },
  { request: { kind: 'sensor_frozen', tag: 'secondary.return_temp' }, on: 'modbus', moveValve: true },
  { request: { kind: 'sensor_drift', tag: 'secondary.supply_temp', severity: 1 }, on: 'any' },
  { request: { kind: 'comm_loss' }, on: 'any' },
  { request: { kind: 'source_trip', severity: 1 } },
  { request: { kind: 'cold_snap', severity: 1 } },
  // Bad data from the plant (issue 15): the plant is fine, what it reports is not.
  { request: { kind: 'value_nan', tag: 'primary.supply_temp' }, on: 'any' },
  { request: { kind: 'bad_status', tag: 'primary.return_temp' }, on: 'any' },
  { request: { kind: 'modbus_half_answer' }, on: 'modbus' },
  { request: { kind: 'plc_clock_jump', severity: 1 }, on: 'any' },
];
