import { Type, type Static } from '@sinclair/typebox';
import { LocationSchema, PlaceNameSchema } from '../../model/topology.ts';

// The plant as data (a pandapipes-style description): heat source, pipe tree, substations and
// their buildings, and the weather. Engineering units at this edge; the physics converts to SI.

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$', description: 'letters, digits, _ and -' });
const Positive = (description: string, extra: object = {}) =>
  Type.Number({ exclusiveMinimum: 0, description, ...extra });

const PipeFields = {
  length_m: Positive('pipe length from the parent node, one way'),
  diameter_mm: Positive('inner diameter of the supply (and return) pipe', { maximum: 2000 }),
  heat_loss_w_mk: Type.Number({ minimum: 0, maximum: 100, description: 'heat loss per metre per K over ground, each pipe' }),
};

export const ColdSnapSchema = Type.Object(
  {
    start_h: Type.Number({ minimum: 0, description: 'hours after the simulation start' }),
    drop_k: Type.Number({ minimum: 0, maximum: 40 }),
    ramp_h: Type.Number({ exclusiveMinimum: 0, default: 24 }),
    duration_h: Type.Number({ minimum: 0, description: 'hours held at the bottom' }),
  },
  { additionalProperties: false },
);

export const WeatherSchema = Type.Object(
  {
    mean_c: Type.Number({ minimum: -45, maximum: 30, description: 'seasonal mean outdoor temperature' }),
    daily_swing_k: Type.Number({ minimum: 0, maximum: 20, default: 4, description: 'peak-to-peak daily swing' }),
    design_outdoor_c: Type.Number({ minimum: -45, maximum: 10 }),
    gains_w_m2: Type.Number({ minimum: 0, maximum: 20, default: 3, description: 'solar and internal gains' }),
    ground_c: Type.Number({ minimum: -10, maximum: 20, default: 5 }),
    cold_snaps: Type.Array(ColdSnapSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export const HeatSourceSchema = Type.Object(
  {
    id: Id,
    supply_c_at_design: Type.Number({ minimum: 50, maximum: 150, description: 'primary supply at the design outdoor temperature' }),
    supply_c_mild: Type.Number({ minimum: 40, maximum: 150, description: 'primary supply at +5 °C outdoor' }),
    pump_shutoff_mpa: Positive('pump head at zero flow', { maximum: 3 }),
    pump_design_flow_m3h: Positive('flow at the design head'),
    pump_design_head_mpa: Positive('head at the design flow', { maximum: 3 }),
    return_pressure_mpa: Positive('static (return) pressure held at the source', { maximum: 2 }),
    max_power_mw: Positive('boiler/CHP capacity'),
    time_constant_s: Positive('how fast the supply temperature follows its setpoint', { default: 900 }),
    location: Type.Optional(LocationSchema),
  },
  { additionalProperties: false },
);

export const JunctionSchema = Type.Object(
  { id: Id, parent: Id, ...PipeFields, location: Type.Optional(LocationSchema) },
  { additionalProperties: false },
);

export const BuildingSchema = Type.Object(
  {
    id: Id,
    floor_area_m2: Positive('heated floor area', { maximum: 1_000_000 }),
    heat_index_w_m2: Type.Number({ minimum: 10, maximum: 150, description: 'heat demand at the design outdoor temperature' }),
    time_constant_h: Type.Number({ minimum: 5, maximum: 200 }),
    indoor_spread_k: Type.Number({ minimum: 0, maximum: 10, default: 1.5, description: 'how far the coldest sampled home sits below the average' }),
  },
  { additionalProperties: false },
);

export const SubstationSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 80, description: 'as people say it (zh)' }),
    name_en: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    community: Type.Optional(PlaceNameSchema),
    area: Type.Optional(PlaceNameSchema),
    parent: Id,
    ...PipeFields,
    protocol: Type.Union([Type.Literal('opcua'), Type.Literal('modbus')]),
    location: LocationSchema,
    heating: Type.Union([Type.Literal('radiator'), Type.Literal('floor')]),
    design: Type.Object(
      {
        indoor_c: Type.Number({ minimum: 10, maximum: 26, default: 18 }),
        primary_supply_c: Type.Number({ minimum: 50, maximum: 150 }),
        primary_return_c: Type.Number({ minimum: 20, maximum: 100 }),
        secondary_supply_c: Type.Number({ minimum: 25, maximum: 95 }),
        secondary_return_c: Type.Number({ minimum: 20, maximum: 80 }),
      },
      { additionalProperties: false },
    ),
    hx_ua_kw_k: Positive('plate heat exchanger UA'),
    valve_kvs: Positive('control valve Kvs, m³/h at 1 bar'),
    fixed_drop_kpa: Type.Number({ minimum: 0, maximum: 500, default: 30, description: 'primary drop through exchanger, filter and fittings at design flow' }),
    pump: Type.Object(
      {
        rated_flow_m3h: Positive('circulation flow at 50 Hz and design head'),
        rated_head_mpa: Positive('head at rated flow', { maximum: 1 }),
      },
      { additionalProperties: false },
    ),
    loop: Type.Object(
      {
        volume_m3: Positive('water in the secondary loop'),
        static_pressure_mpa: Positive('secondary return pressure held by make-up', { maximum: 1 }),
        makeup_capacity_m3h: Positive('make-up pump capacity', { maximum: 20 }),
        tank_m2: Positive('make-up tank cross-section'),
        filter_design_kpa: Positive('clean filter drop at rated flow', { maximum: 100 }),
        test_pressure_mpa: Type.Optional(Positive('pressure the loop is held at in its season pressure test; default 1.25 × static and at least static + 0.1, at most 1.6', { maximum: 1.6 })),
        fill_flow_m3h: Type.Optional(Positive('flow that fills the empty loop at the season start (make-up pump and any fill connection); default the make-up capacity', { maximum: 200 })),
      },
      { additionalProperties: false },
    ),
    buildings: Type.Array(BuildingSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const NetworkSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    weather: WeatherSchema,
    source: HeatSourceSchema,
    junctions: Type.Array(JunctionSchema, { default: [] }),
    substations: Type.Array(SubstationSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type Network = Static<typeof NetworkSchema>;
export type SubstationSpec = Static<typeof SubstationSchema>;
export type JunctionSpec = Static<typeof JunctionSchema>;
export type BuildingSpec = Static<typeof BuildingSchema>;
export type WeatherSpec = Static<typeof WeatherSchema>;
export type HeatSourceSpec = Static<typeof HeatSourceSchema>;
