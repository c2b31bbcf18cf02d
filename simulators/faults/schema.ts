import { Type, type Static } from '@sinclair/typebox';
import { SEASON_PHASES, type SeasonPhase } from '../../model/season.ts';
import { TAG_NAMES, type TagName } from '../../model/tags.ts';

// Every fault of DOMAIN.md, and the bad data a real plant sends, as data: from a scenario file
// (a timeline) or the admin endpoint.

/** The plant's faults of DOMAIN.md. */
export const DOMAIN_FAULT_KINDS = [
  'leak',
  'pump_trip',
  'power_loss',
  'filter_clog',
  'valve_stuck',
  'sensor_frozen',
  'sensor_drift',
  'sensor_spike',
  'comm_loss',
  'source_trip',
  'cold_snap',
] as const;
export type DomainFaultKind = (typeof DOMAIN_FAULT_KINDS)[number];

/**
 * Bad data from the plant: what a PLC and its protocol servers get wrong while the plant itself
 * is fine. Values (NaN, out of range, stuck, jumping, a bad status), Modbus answers (exceptions,
 * half answers), OPC UA servers (a new certificate, a dropped session) and the PLC's clock.
 */
export const PLANT_DATA_FAULT_KINDS = [
  'value_nan',
  'value_out_of_range',
  'value_stuck',
  'value_jump',
  'bad_status',
  'modbus_exception',
  'modbus_half_answer',
  'opcua_new_certificate',
  'opcua_session_drop',
  'plc_clock_drift',
  'plc_clock_jump',
] as const;
export type PlantDataFaultKind = (typeof PLANT_DATA_FAULT_KINDS)[number];

export const FAULT_KINDS = [...DOMAIN_FAULT_KINDS, ...PLANT_DATA_FAULT_KINDS] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults of the whole network rather than one substation. */
export const NETWORK_FAULTS: readonly FaultKind[] = ['source_trip', 'cold_snap'];
/** Faults of the values the PLC reports for one numeric measurement. */
export const VALUE_FAULTS: readonly FaultKind[] = ['value_nan', 'value_out_of_range', 'value_stuck', 'value_jump', 'bad_status'];
/** Faults that act on one tag's sensor (the value faults among them). */
export const SENSOR_FAULTS: readonly FaultKind[] = ['sensor_frozen', 'sensor_drift', 'sensor_spike', ...VALUE_FAULTS];
/** Faults of a protocol server: the substation must be served over that protocol. */
export const PROTOCOL_FAULTS: Readonly<Partial<Record<FaultKind, 'opcua' | 'modbus'>>> = {
  modbus_exception: 'modbus',
  modbus_half_answer: 'modbus',
  opcua_new_certificate: 'opcua',
  opcua_session_drop: 'opcua',
};

export const FaultRequestSchema = Type.Object(
  {
    // A plain enum: one clear error for a bad kind rather than one per literal of a union.
    kind: Type.Unsafe<FaultKind>({ type: 'string', enum: [...FAULT_KINDS] }),
    substation: Type.Optional(Type.String({ minLength: 1 })),
    tag: Type.Optional(Type.Unsafe<TagName>({ type: 'string', enum: [...TAG_NAMES], description: 'sensor faults: the tag whose sensor fails' })),
    severity: Type.Optional(Type.Number({
      minimum: 0,
      maximum: 1,
      default: 1,
      description:
        'leak: share of 10 m³/h; filter_clog: resistance ×(1+20·severity); source_trip: share of heat lost; sensor_drift: share of 10 K/h; sensor_spike: share of 30 K; cold_snap: share of 15 K; ' +
        "value_out_of_range: how far past the tag's range, as a share of its span (5 % at least); value_jump: a step of this share of 30 % of the span, on and off every minute; " +
        'plc_clock_drift: share of 10 min gained per simulated hour; plc_clock_jump: share of 1 h forward',
    })),
    duration_s: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'clears by itself after this long; absent: until cleared' })),
  },
  { additionalProperties: false },
);
export type FaultRequest = Static<typeof FaultRequestSchema>;

/** A season command (model/season.ts): which loops enter which phase; all of them when no substations or area is named. */
export const SeasonCommandSchema = Type.Object(
  {
    phase: Type.Unsafe<SeasonPhase>({ type: 'string', enum: [...SEASON_PHASES] }),
    substations: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    area: Type.Optional(Type.String({ minLength: 1, description: "the network's area of the substations, zh or en" })),
  },
  { additionalProperties: false },
);

export const SeasonEventSchema = Type.Object(
  { at_s: Type.Number({ minimum: 0, description: 'seconds after the simulation start' }), ...SeasonCommandSchema.properties },
  { additionalProperties: false },
);

/** A scenario that starts before the season: every loop empty, the source unlit, homes at indoor_c. */
export const SeasonStartSchema = Type.Object(
  {
    indoor_c: Type.Number({ minimum: -20, maximum: 30, default: 15, description: 'indoor temperature of the unheated homes at the start' }),
    outdoor_mean_c: Type.Optional(Type.Number({ minimum: -45, maximum: 30, description: "the season start's mean outdoor temperature (autumn), instead of the network's" })),
  },
  { additionalProperties: false },
);

export const ScenarioSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    season_start: Type.Optional(SeasonStartSchema),
    season: Type.Optional(Type.Array(SeasonEventSchema, { default: [], description: 'the season phases, a timeline beside the faults' })),
    faults: Type.Array(
      Type.Object(
        { at_s: Type.Number({ minimum: 0, description: 'seconds after the simulation start' }), ...FaultRequestSchema.properties },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
  },
  { additionalProperties: false },
);
export type Scenario = Static<typeof ScenarioSchema>;

export interface ActiveFault extends FaultRequest {
  id: number;
  /** Simulated seconds since the start at which it began, and at which it ends (if it does). */
  startedS: number;
  endsS: number | null;
}

export type SeasonCommand = Static<typeof SeasonCommandSchema>;
