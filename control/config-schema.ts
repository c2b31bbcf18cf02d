import { Type, type Static } from '@sinclair/typebox';
import { BrokerUrlsField } from '../model/broker-urls.ts';
import { MqttLoginSchema } from '../model/mqtt-client.ts';
import { StandbyConfigSchema } from '../model/standby.ts';

// The `control:` section of the configuration document (bin/config.ts). Field reference:
// control/README.md. The envelope's limits may be tightened here, never widened past DOMAIN.md.

const Curve = (supply: number, ret: number, b: number) =>
  Type.Object(
    {
      design_supply_c: Type.Number({ minimum: 25, maximum: 95, default: supply, description: 'design secondary supply t_g′' }),
      design_return_c: Type.Number({ minimum: 20, maximum: 80, default: ret, description: 'design secondary return t_h′' }),
      b: Type.Number({ minimum: 0, maximum: 1, default: b, description: 'emitter exponent term: 0.3 radiators, 0.1 floor heating' }),
    },
    { additionalProperties: false, default: {} },
  );

export const CurveSettingsSchema = Type.Object(
  {
    indoor_c: Type.Number({ minimum: 10, maximum: 25, default: 18, description: 'indoor design temperature t_n of the curve' }),
    design_outdoor_c: Type.Number({ minimum: -45, maximum: 10, default: -16.9, description: 'outdoor design temperature t_w′' }),
    radiator: Curve(60, 45, 0.3),
    floor: Curve(45, 35, 0.1),
  },
  { additionalProperties: false, default: {} },
);

export const EnvelopeSchema = Type.Object(
  {
    valve_min_pct: Type.Number({ minimum: 5, maximum: 100, default: 5 }),
    valve_max_pct: Type.Number({ minimum: 5, maximum: 100, default: 100 }),
    valve_step_pct: Type.Number({ exclusiveMinimum: 0, maximum: 5, default: 5, description: 'largest valve move of one write' }),
    min_step_interval_s: Type.Number({ minimum: 300, maximum: 86_400, default: 300, description: 'writes of one tag of one substation at least this far apart' }),
    supply_min_c: Type.Number({ minimum: 20, maximum: 75, default: 20 }),
    supply_max_c: Type.Number({ minimum: 20, maximum: 75, default: 75 }),
    supply_step_k: Type.Number({ exclusiveMinimum: 0, maximum: 10, default: 3, description: 'largest supply setpoint move of one write' }),
    pump_min_hz: Type.Number({ minimum: 25, maximum: 50, default: 25 }),
    pump_max_hz: Type.Number({ minimum: 25, maximum: 50, default: 50 }),
  },
  { additionalProperties: false, default: {} },
);

export const ControlConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'run the loop in `heatscada start`' }),
    actor: Type.String({ minLength: 1, default: 'control', description: 'who the DCMDs say asks' }),
    mqtt_url: BrokerUrlsField('broker the commands go through', 'mqtt://127.0.0.1:1883'),
    mqtt_login: Type.Optional(MqttLoginSchema),
    group: Type.String({ minLength: 1, pattern: '^[^/+#]+$', default: 'heatscada', description: 'Sparkplug group the collectors publish in' }),
    interval_s: Type.Number({ minimum: 1, maximum: 3600, default: 60, description: 'how often the loop looks; writes still keep the envelope spacing' }),
    input_period_s: Type.Number({ exclusiveMinimum: 0, maximum: 3600, default: 60, description: 'the longest a live value may go unrefreshed (the collectors\' refresh); stale after 3×' }),
    average_window_s: Type.Number({ exclusiveMinimum: 0, maximum: 86_400, default: 600, description: 'window of the averaged inputs' }),
    keepalive_s: Type.Number({ minimum: 300, maximum: 840, default: 600, description: 'remote mode: rewrite the valve at least this often (PLC watchdog is 15 min)' }),
    ack_timeout_s: Type.Number({ exclusiveMinimum: 0, maximum: 300, default: 15 }),
    refused_hold_s: Type.Number({ minimum: 0, maximum: 86_400, default: 1800, description: 'after a refused write the substation waits this long (or a hand-back) before trying again' }),
    start_mode: Type.Unsafe<'auto' | 'advisory'>(Type.String({ enum: ['auto', 'advisory'], default: 'auto', description: 'advisory: recommend only' })),
    target_indoor_min_c: Type.Number({ minimum: 16, maximum: 24, default: 18.3, description: 'aim for the coldest sampled home' }),
    indoor_gain: Type.Number({ minimum: 0, maximum: 10, default: 5, description: 'K of curve indoor offset per K of indoor error' }),
    indoor_integral_h: Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: 10, description: 'integral time of the indoor trim' }),
    return_band_k: Type.Number({ minimum: 0, maximum: 10, default: 1, description: 'returns are lifted to within this of the most demanding substation\'s return, K' }),
    return_integral_h: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 1, description: 'hours for the return bias to move 1 K of trim per K of return short of the floor' }),
    return_bias_max_k: Type.Number({ minimum: 0, maximum: 15, default: 8, description: 'most trim (K) the return bias adds to any substation' }),
    trim_limit_k: Type.Number({ minimum: 0, maximum: 15, default: 12, description: 'largest indoor trim, K (curve indoor units)' }),
    source_id: Type.String({ minLength: 1, default: 'SRC', description: "the heat source's PLC as the collectors publish it (a Sparkplug device): where the supply offset is written" }),
    source_max_offset_k: Type.Number({ minimum: 0, maximum: 20, default: 20, description: 'most the loop asks of the heat source over its own curve, K (the catalogue allows 0–20)' }),
    heating: Type.Record(Type.String(), Type.Unsafe<'radiator' | 'floor'>(Type.String({ enum: ['radiator', 'floor'] })), {
      default: {},
      description: 'emitter type per substation id; radiator when absent',
    }),
    forecast: Type.Optional(
      Type.Object(
        {
          file: Type.Optional(Type.String({ minLength: 1, description: 'a forecast file (JSON or CSV, model/forecast.ts), re-read when it changes' })),
          url: Type.Optional(Type.String({ pattern: '^https?://', description: 'an HTTP feed of the same format, polled every refresh_min' })),
          refresh_min: Type.Number({ minimum: 1, maximum: 1440, default: 10, description: 'how often the feed is polled, minutes' }),
          max_age_h: Type.Number({ exclusiveMinimum: 0, maximum: 168, default: 12, description: 'a forecast issued longer ago than this is not used' }),
          lead_h: Type.Unsafe<number | 'transport'>({
            anyOf: [{ type: 'number', exclusiveMinimum: 0, maximum: 48 }, { const: 'transport' }],
            default: 6,
            description: "how far ahead the curve looks, h; 'transport': the network's transport delay plus building_allowance_h",
          }),
          transport_h: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 24, description: "the network's transport delay to its farthest substation, h (lead_h: 'transport'; under `heatscada start`, from the simulated network)" })),
          building_allowance_h: Type.Number({ minimum: 0, maximum: 48, default: 12, description: 'how much further than the lead a cold snap is looked for: the time the buildings need to bank heat ahead of it' }),
          snap_k: Type.Number({ minimum: 1, maximum: 30, default: 3, description: 'a forecast this much colder than measured is a cold snap: the curve sees it in full, not blended' }),
          preheat_k: Type.Number({ minimum: 0, maximum: 3, default: 1, description: 'from a forecast cold snap until the weather is back, the coldest home is aimed this much higher' }),
          weight: Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'share of the forecast in the outdoor temperature the curve sees' }),
        },
        { additionalProperties: false },
      ),
    ),
    curve: CurveSettingsSchema,
    envelope: EnvelopeSchema,
    standby: Type.Optional(StandbyConfigSchema),
  },
  { additionalProperties: false, default: {} },
);

export type ControlConfig = Static<typeof ControlConfigSchema>;
export type CurveSettings = Static<typeof CurveSettingsSchema>;
export type Envelope = Static<typeof EnvelopeSchema>;
export type ForecastSettings = NonNullable<ControlConfig['forecast']>;
export type Heating = 'radiator' | 'floor';
