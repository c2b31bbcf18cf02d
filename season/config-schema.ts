import { Type, type Static } from '@sinclair/typebox';
import { BrokerUrlsField } from '../model/broker-urls.ts';
import { HeatScadaError } from '../model/errors.ts';
import { CHECK_PHASES, type CheckPhase } from '../model/season.ts';
import { validateDocument } from '../model/validate.ts';

// The `season:` section: the season's plan (the checks every substation goes through, each
// with a deadline per company and per area) and the judges' parameters. Defaults are Harbin's
// dates for the current season (检修 by 10 Oct, 充水试压 by 30 Sep, 冷态运行 by 5 Oct, quality
// standard by 20 Oct), at the end of the day in the plan's UTC offset.

const Deadline = Type.String({ minLength: 10, description: 'YYYY-MM-DD (the end of that day at utc_offset) or an ISO date-time' });
const Deadlines = (dflt?: Record<CheckPhase, string>) =>
  Type.Object(
    Object.fromEntries(CHECK_PHASES.map((p) => [p, dflt ? Type.String({ ...Deadline, default: dflt[p] }) : Type.Optional(Deadline)])) as Record<CheckPhase, typeof Deadline>,
    { additionalProperties: false, default: {} },
  );

const HARBIN: Record<CheckPhase, string> = {
  inspection: '2026-10-10',
  filling: '2026-09-30',
  pressure_test: '2026-09-30',
  cold_run: '2026-10-05',
  hot_run: '2026-10-20',
};

const AreaSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, description: "the area's name; the alarms' `groups` of the same name say which crew gets its work orders" }),
    name: Type.Optional(Type.String()),
    substations: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    deadlines: Deadlines(),
  },
  { additionalProperties: false },
);
const CompanySchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    name: Type.Optional(Type.String()),
    deadlines: Deadlines(),
    areas: Type.Array(AreaSchema, { default: [] }),
  },
  { additionalProperties: false },
);

const Positive = (description: string, dflt: number) => Type.Number({ exclusiveMinimum: 0, default: dflt, description });
/** A big loop's normal losses are more than a small one's: the make-up limits grow with the volume. */
const MakeupShare = Type.Number({ minimum: 0, maximum: 0.1, default: 0.005, description: "make-up flow at most this share of the loop's water volume per hour, where that is more than max_makeup_m3h" });

export const PressureTestParamsSchema = Type.Object(
  {
    test_pressure_mpa: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1.6, description: 'the test pressure; from the ratio over static when absent' })),
    test_pressure_ratio: Type.Number({ minimum: 1, maximum: 2, default: 1.25, description: 'test pressure = ratio × the static pressure, and at least static + min_margin_mpa' }),
    min_margin_mpa: Type.Number({ minimum: 0, default: 0.1 }),
    tolerance_mpa: Type.Number({ minimum: 0, default: 0.02, description: 'the hold starts once the pressure is within this of the test pressure' }),
    hold_min: Positive('how long the isolated loop must hold', 30),
    max_drop_mpa: Positive('the most the pressure may fall over the hold', 0.02),
    smoothing_s: Positive('levels are averaged over this window, so sensor noise is not a drop', 60),
    raise_max_min: Positive('a filled loop whose make-up runs over max_makeup_m3h this long without reaching the test pressure fails: it loses more than make-up gives', 60),
    max_makeup_m3h: Type.Number({ minimum: 0, default: 0.5, description: 'make-up flow a tight, filled loop needs at most, or max_makeup_share_per_h of its volume where that is more' }),
    max_makeup_share_per_h: MakeupShare,
  },
  { additionalProperties: false, default: {} },
);
export type PressureTestParams = Static<typeof PressureTestParamsSchema>;

export const ColdRunParamsSchema = Type.Object(
  {
    hours: Positive('circulation without heat for this long', 24),
    min_flow_ratio: Type.Number({ exclusiveMinimum: 0, maximum: 2, default: 0.9, description: 'secondary flow at least this share of design flow' }),
    max_makeup_m3h: Type.Number({ minimum: 0, default: 0.5, description: 'make-up flow (losses and leaks) at most this, or at most max_makeup_share_per_h of the volume where that is more' }),
    max_makeup_share_per_h: MakeupShare,
    settle_min: Type.Number({ minimum: 0, default: 10, description: 'after the pump starts, flow and make-up are judged from this long on' }),
    smoothing_s: Positive('levels are averaged over this window', 300),
  },
  { additionalProperties: false, default: {} },
);
export type ColdRunParams = Static<typeof ColdRunParamsSchema>;

export const HotRunParamsSchema = Type.Object(
  {
    hours: Positive('the standard must hold this long without a break', 24),
    curve_tolerance_k: Positive('secondary supply within this of its setpoint (the weather curve)', 3),
    indoor_floor_c: Type.Number({ default: 18, description: 'every building (indoor.temp_min) at or above this' }),
    smoothing_s: Positive('levels are averaged over this window', 600),
  },
  { additionalProperties: false, default: {} },
);
export type HotRunParams = Static<typeof HotRunParamsSchema>;

export const DetectionParamsSchema = Type.Object(
  {
    empty_below_mpa: Type.Number({ minimum: 0, default: 0.03, description: 'a loop below this pressure with pumps off is empty' }),
    filled_within_mpa: Type.Number({ minimum: 0, default: 0.02, description: 'filled once the pressure is this close to static' }),
    hot_above_c: Type.Number({ default: 25, description: 'pump running with secondary supply above this: the source is lit (hot run), else a cold run' }),
  },
  { additionalProperties: false, default: {} },
);
export type DetectionParams = Static<typeof DetectionParamsSchema>;

export const SeasonConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    season: Type.String({ minLength: 1, default: '2026-2027', description: "the season's name: checks are kept per season" }),
    utc_offset: Type.String({ pattern: '^[+-]\\d{2}:\\d{2}$', default: '+08:00', description: 'where a date-only deadline ends its day' }),
    deadlines: Deadlines(HARBIN),
    companies: Type.Array(CompanySchema, { default: [], description: "companies and their areas; a substation in none has the plan's deadlines" }),
    judges: Type.Object(
      { pressure_test: PressureTestParamsSchema, cold_run: ColdRunParamsSchema, hot_run: HotRunParamsSchema, detection: DetectionParamsSchema },
      { additionalProperties: false, default: {} },
    ),
    evaluate_every_s: Positive('wall seconds between judgements', 5),
    work_order_priority: Type.Union([Type.Literal('critical'), Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')], { default: 'high' }),
    mqtt_url: Type.Optional(BrokerUrlsField("broker the watcher follows; the historian's when absent")),
  },
  { additionalProperties: false, default: {} },
);
export type SeasonConfig = Static<typeof SeasonConfigSchema>;

/** A deadline as ms UTC: a date alone is the end of that day at the plan's offset. */
export function deadlineMs(text: string, utcOffset: string, path: string): number {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T23:59:59.999${utcOffset}` : text;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `season: "${text}" is not a date or an ISO date-time`, path);
  return ms;
}

/**
 * What the schema cannot say: every deadline is a date, and no substation is in two areas. Paths
 * start at `prefix`: '' for the section alone, '/season' inside the whole configuration.
 */
export function checkSeasonPlan(config: SeasonConfig, prefix: string): void {
  const check = (d: Partial<Record<CheckPhase, string>>, at: string) => {
    for (const [phase, text] of Object.entries(d)) if (text !== undefined) deadlineMs(text, config.utc_offset, `${prefix}${at}/deadlines/${phase}`);
  };
  check(config.deadlines, '');
  const seen = new Map<string, string>();
  config.companies.forEach((c, i) => {
    check(c.deadlines, `/companies/${i}`);
    c.areas.forEach((a, k) => {
      check(a.deadlines, `/companies/${i}/areas/${k}`);
      a.substations.forEach((s, j) => {
        const other = seen.get(s);
        if (other !== undefined) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `season: substation ${s} is already in area ${other}`, `${prefix}/companies/${i}/areas/${k}/substations/${j}`);
        seen.set(s, `${c.id}/${a.id}`);
      });
    });
  });
}

/** Validates the section alone (defaults filled) and its plan, naming the bad field's path. */
export function resolveSeasonConfig(doc: unknown): SeasonConfig {
  const config = validateDocument(SeasonConfigSchema, doc ?? {}, 'HS_ERR_CONFIG_INVALID', 'season');
  checkSeasonPlan(config, '');
  return config;
}
