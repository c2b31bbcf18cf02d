// The per-substation tag catalogue of DOMAIN.md, as data. The simulator serves these tags,
// the collectors' sample configurations map them, and every other role reads units and
// limits from here rather than repeating them.

export type TagKind = 'measurement' | 'setpoint' | 'status';
export type TagValueType = 'number' | 'boolean' | 'enum';
export type ModbusRegisterType = 'int16' | 'uint16' | 'uint32';

/** Where a tag lives in the substation PLC's Modbus holding registers (DOMAIN.md map). */
export interface ModbusLocation {
  /** First holding register (0-based protocol address). */
  address: number;
  type: ModbusRegisterType;
  /** Raw register value = engineering value × scale. */
  scale: number;
  /** Status tags are single bits of a register. */
  bit?: number;
}

export interface TagDefinition {
  name: TagName;
  unit: string;
  /** Engineering range: the OPC UA EURange, and the limit any write is checked against. */
  min: number;
  max: number;
  kind: TagKind;
  valueType: TagValueType;
  writable: boolean;
  modbus: ModbusLocation;
  description: string;
  /** Names of enum values, index = value. */
  enumNames?: readonly string[];
}

export const TAG_NAMES = [
  'primary.supply_temp',
  'primary.return_temp',
  'primary.supply_pressure',
  'primary.return_pressure',
  'primary.flow',
  'primary.valve_position',
  'secondary.supply_temp',
  'secondary.return_temp',
  'secondary.supply_pressure',
  'secondary.return_pressure',
  'secondary.flow',
  'pump.frequency',
  'makeup.flow',
  'makeup.tank_level',
  'filter.dp',
  'heat.power',
  'heat.energy',
  'indoor.temp_avg',
  'indoor.temp_min',
  'outdoor.temp',
  'pump.running',
  'pump.fault',
  'makeup.running',
  'power.ok',
  'plc.heartbeat',
  'control.mode',
  'primary.valve_setpoint',
  'secondary.supply_temp_setpoint',
  'pump.frequency_setpoint',
  'control.mode_setpoint',
  'source.supply_offset_setpoint',
  'plc.clock',
] as const;

export type TagName = (typeof TAG_NAMES)[number];

export const CONTROL_MODES = ['manual', 'local', 'remote'] as const;
export type ControlModeName = (typeof CONTROL_MODES)[number];
/** 0 manual, 1 local, 2 remote: the PLC's encoding. */
export const ControlMode = { manual: 0, local: 1, remote: 2 } as const;
export type ControlModeValue = (typeof ControlMode)[ControlModeName];

/** The Modbus register that holds the four status bits. */
export const STATUS_REGISTER = 21;

type Row = Omit<TagDefinition, 'modbus' | 'valueType'> & {
  modbus: ModbusLocation;
  valueType?: TagValueType;
};

const m = (address: number, type: ModbusRegisterType, scale: number, bit?: number): ModbusLocation =>
  bit === undefined ? { address, type, scale } : { address, type, scale, bit };

const measurement = (
  name: TagName,
  unit: string,
  min: number,
  max: number,
  modbus: ModbusLocation,
  description: string,
): Row => ({ name, unit, min, max, kind: 'measurement', writable: false, modbus, description });

const status = (name: TagName, bit: number, description: string): Row => ({
  name,
  unit: '',
  min: 0,
  max: 1,
  kind: 'status',
  valueType: 'boolean',
  writable: false,
  modbus: m(STATUS_REGISTER, 'uint16', 1, bit),
  description,
});

const setpoint = (
  name: TagName,
  unit: string,
  min: number,
  max: number,
  modbus: ModbusLocation,
  description: string,
  enumNames?: readonly string[],
): Row => ({
  name,
  unit,
  min,
  max,
  kind: 'setpoint',
  writable: true,
  modbus,
  description,
  ...(enumNames ? { valueType: 'enum' as const, enumNames } : {}),
});

const rows: Row[] = [
  measurement('primary.supply_temp', '°C', 0, 150, m(0, 'int16', 10), 'Primary supply temperature at the substation inlet'),
  measurement('primary.return_temp', '°C', 0, 150, m(1, 'int16', 10), 'Primary return temperature leaving the substation'),
  measurement('primary.supply_pressure', 'MPa', 0, 2.5, m(2, 'uint16', 1000), 'Primary supply pressure'),
  measurement('primary.return_pressure', 'MPa', 0, 2.5, m(3, 'uint16', 1000), 'Primary return pressure'),
  measurement('primary.flow', 'm³/h', 0, 600, m(4, 'uint16', 10), 'Primary flow through the control valve'),
  measurement('primary.valve_position', '%', 0, 100, m(5, 'uint16', 10), 'Primary control valve position'),
  measurement('secondary.supply_temp', '°C', 0, 100, m(6, 'int16', 10), 'Secondary supply temperature'),
  measurement('secondary.return_temp', '°C', 0, 100, m(7, 'int16', 10), 'Secondary return temperature'),
  measurement('secondary.supply_pressure', 'MPa', 0, 1.6, m(8, 'uint16', 1000), 'Secondary supply pressure'),
  measurement('secondary.return_pressure', 'MPa', 0, 1.6, m(9, 'uint16', 1000), 'Secondary return pressure'),
  measurement('secondary.flow', 'm³/h', 0, 1500, m(10, 'uint16', 10), 'Secondary circulation flow'),
  measurement('pump.frequency', 'Hz', 0, 50, m(11, 'uint16', 10), 'Circulation pump drive frequency'),
  measurement('makeup.flow', 'm³/h', 0, 20, m(12, 'uint16', 100), 'Make-up water flow into the secondary loop'),
  measurement('makeup.tank_level', 'm', 0, 3, m(13, 'uint16', 100), 'Make-up tank level'),
  measurement('filter.dp', 'kPa', 0, 200, m(14, 'uint16', 10), 'Pressure drop across the dirt filter'),
  measurement('heat.power', 'kW', 0, 30000, m(15, 'uint16', 1), 'Heat power delivered through the heat exchanger'),
  measurement('heat.energy', 'GJ', 0, 429496729.5, m(16, 'uint32', 10), 'Heat energy counter (high word first)'),
  measurement('indoor.temp_avg', '°C', -10, 40, m(18, 'int16', 10), 'Average indoor temperature of the sampled homes'),
  measurement('indoor.temp_min', '°C', -10, 40, m(19, 'int16', 10), 'Lowest indoor temperature of the sampled homes'),
  measurement('outdoor.temp', '°C', -45, 45, m(20, 'int16', 10), 'Outdoor temperature'),
  status('pump.running', 0, 'Circulation pump running'),
  status('pump.fault', 1, 'Circulation pump drive fault'),
  status('makeup.running', 2, 'Make-up pump running'),
  status('power.ok', 3, 'Substation mains power present'),
  {
    ...measurement('plc.heartbeat', 'count', 0, 65535, m(22, 'uint16', 1), 'PLC heartbeat, +1 per second, wraps at 65535'),
    kind: 'status',
  },
  {
    ...measurement('control.mode', '', 0, 2, m(23, 'uint16', 1), 'Active control mode: 0 manual, 1 local, 2 remote'),
    kind: 'status',
    valueType: 'enum',
    enumNames: CONTROL_MODES,
  },
  setpoint('primary.valve_setpoint', '%', 5, 100, m(100, 'uint16', 10), 'Primary valve setpoint (manual and remote modes)'),
  setpoint('secondary.supply_temp_setpoint', '°C', 20, 75, m(101, 'int16', 10), 'Secondary supply temperature setpoint of the local loop'),
  setpoint('pump.frequency_setpoint', 'Hz', 25, 50, m(102, 'uint16', 10), 'Circulation pump frequency setpoint'),
  setpoint('control.mode_setpoint', '', 0, 2, m(103, 'uint16', 1), 'Requested control mode: 0 manual, 1 local, 2 remote', CONTROL_MODES),
  setpoint('source.supply_offset_setpoint', 'K', 0, 20, m(104, 'uint16', 10), 'Heat source PLC only: shift of the source supply temperature over its own outdoor curve (substation PLCs read 0 and refuse writes)'),
  {
    // Last, so the Sparkplug aliases of the tags before it stay where they were.
    ...measurement('plc.clock', 's', 0, 4294967295, m(24, 'uint32', 1), "PLC real-time clock, whole seconds since 1970-01-01 UTC (high word first): the PLC's own time, against which the centre checks its clock"),
    kind: 'status',
  },
];

export const TAGS: readonly TagDefinition[] = rows.map((row) => ({ valueType: 'number', ...row }));

export const TAG_BY_NAME: ReadonlyMap<TagName, TagDefinition> = new Map(TAGS.map((t) => [t.name, t]));

export function tagDefinition(name: TagName): TagDefinition {
  const def = TAG_BY_NAME.get(name);
  if (!def) throw new Error(`unknown tag ${name}`);
  return def;
}

export function isTagName(name: string): name is TagName {
  return TAG_BY_NAME.has(name as TagName);
}

export const WRITABLE_TAGS: readonly TagDefinition[] = TAGS.filter((t) => t.writable);

/** True when a value lies inside the tag's engineering range (booleans always do). */
export function inRange(def: TagDefinition, value: number | boolean): boolean {
  if (typeof value === 'boolean') return def.valueType === 'boolean';
  if (!Number.isFinite(value)) return false;
  if (def.valueType === 'enum' && !Number.isInteger(value)) return false;
  return value >= def.min && value <= def.max;
}
