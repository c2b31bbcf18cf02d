import { FAULT_KINDS, NETWORK_FAULTS, type FaultKind } from './schema.ts';

// Which alarm of config/alarm-rules.yaml (DOMAIN.md's rules, and the bad-data rules beside them)
// each fault kind raises, with the kind's default tag and severity 1. A benchmark or test that
// injects faults counts one as alarmed when any alarm of its list is raised where the fault is:
// at its substation, or at the network pseudo-substation `_network` for network faults. An empty
// list: the platform rides the fault out and no alarm is due (it must not crash or lose data).
// This export is a stable seam (bench/soak imports it): add kinds, do not rename fields.

export interface ExpectedAlarm {
  /** Alarm ids; any one of them explains the fault. */
  alarms: readonly string[];
  /** Where the alarm stands: the fault's substation, or the whole network. */
  scope: 'substation' | 'network';
  /** Why, in a line: which rule sees it. */
  why: string;
}

const at = (alarms: readonly string[], why: string) => ({ alarms, why });

const BY_KIND: Record<FaultKind, Omit<ExpectedAlarm, 'scope'>> = {
  leak: at(['leak'], 'make-up flow over 3× its median, or the return pressure falling'),
  pump_trip: at(['pump_trip'], 'pump.fault, or pump.running false out of manual'),
  power_loss: at(['power_loss'], 'power.ok false, or the PLC silent while its neighbours report'),
  filter_clog: at(['clogged_filter'], 'filter.dp over 50 kPa for 30 min'),
  valve_stuck: at(['valve_stuck'], 'the valve position no longer follows its command'),
  sensor_frozen: at(['frozen_sensor'], 'a temperature unchanged to the last digit while the valve moves (default tag secondary.return_temp)'),
  sensor_drift: at(['supply_off_setpoint'], 'the secondary supply off its setpoint (default tag secondary.supply_temp)'),
  sensor_spike: at(['sensor_spike'], 'the secondary supply changing faster than 5 K/min'),
  // Silent while the neighbours report is what the centre sees of a power loss too (DOMAIN.md).
  comm_loss: at(['power_loss', 'comm_loss'], 'the PLC silent while its neighbours report (comm_loss when they are silent too)'),
  source_trip: at(['source_trip'], 'the primary supply temperature falling at the substations'),
  cold_snap: at(['cold_snap'], 'the outdoor temperature falling fast'),
  value_nan: at(['sensor_fault'], 'NaN is bad quality (Modbus: the wire-break code, outside the range)'),
  value_out_of_range: at(['sensor_fault'], "a value outside the tag's physical range is bad quality"),
  value_stuck: at(['frozen_sensor'], 'a stuck value is good quality but frozen (default tag secondary.return_temp)'),
  value_jump: at(['sensor_spike'], 'the jumps are faster than 5 K/min (default tag secondary.supply_temp)'),
  bad_status: at(['sensor_fault'], 'a bad OPC UA status is bad quality (Modbus: the wire-break code)'),
  modbus_exception: at(['power_loss', 'comm_loss'], 'exception 4 to every read: every tag bad, no data, the PLC offline while its neighbours report'),
  modbus_half_answer: at(['sensor_fault'], 'the unanswered setpoint block is marked bad; the measurements still come'),
  opcua_new_certificate: at(['power_loss', 'comm_loss'], 'the collector refuses the changed certificate (HS_ERR_OPCUA_CERT_CHANGED): the PLC goes offline'),
  opcua_session_drop: at([], 'the collector makes a new session and carries on'),
  plc_clock_drift: at(['plc_clock'], "the PLC's clock more than 30 s off the collector's (drifts there in 3 simulated minutes at severity 1)"),
  plc_clock_jump: at(['plc_clock'], "the PLC's clock 1 h ahead at severity 1"),
};

export const EXPECTED_ALARMS: Readonly<Record<FaultKind, ExpectedAlarm>> = Object.fromEntries(
  FAULT_KINDS.map((kind) => [kind, { ...BY_KIND[kind], scope: NETWORK_FAULTS.includes(kind) ? 'network' : 'substation' }]),
) as Record<FaultKind, ExpectedAlarm>;

/** The alarm ids any one of which explains a fault of this kind; empty when none is due. */
export function expectedAlarms(kind: FaultKind): readonly string[] {
  return EXPECTED_ALARMS[kind].alarms;
}
