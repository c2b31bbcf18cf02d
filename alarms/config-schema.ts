import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { BrokerUrlsField } from '../model/broker-urls.ts';
import { MqttLoginSchema } from '../model/mqtt-client.ts';
import { CATEGORIES, type Category } from '../model/service.ts';
import { TAG_NAMES, type TagName } from '../model/tags.ts';
import { loadDocument, validateDocument } from '../model/validate.ts';
import { StandbyConfigSchema } from '../model/standby.ts';

// The `alarms` section of the configuration and the rule-set document it points at
// (config/alarm-rules.yaml ships DOMAIN.md's default rules). An alarm is raised when any of its
// rules holds; each rule is one kind of condition (alarms/rules/<kind>.ts) with its own delays.
// Engineers change thresholds per substation or per group with `overrides`, without code.

const Tag = Type.Unsafe<TagName>({ type: 'string', enum: [...TAG_NAMES] });
const Seconds = (description: string, dflt: number) => Type.Number({ minimum: 0, default: dflt, description });

export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
const PrioritySchema = Type.Unsafe<Priority>({ type: 'string', enum: [...PRIORITIES] });

/** Fields every rule kind has: how long the condition must hold (or be gone) before it counts. */
const Delays = {
  on_delay_s: Seconds('the condition must hold this long before the alarm raises', 0),
  off_delay_s: Seconds('the condition must be gone this long before the alarm returns', 0),
};
const rule = <K extends string, P extends Record<string, TSchema>>(kind: K, props: P) =>
  Type.Object({ kind: Type.Literal(kind), ...Delays, ...props }, { additionalProperties: false });

export const LIMIT_LEVELS = ['HH', 'H', 'L', 'LL'] as const;
export type LimitLevel = (typeof LIMIT_LEVELS)[number];

export const LimitRuleSchema = rule('limit', {
  tag: Tag,
  minus: Type.Optional(Type.Unsafe<TagName>({ type: 'string', enum: [...TAG_NAMES], description: 'compare tag − minus (a deviation from a setpoint)' })),
  level: Type.Unsafe<LimitLevel>({ type: 'string', enum: [...LIMIT_LEVELS], description: 'HH/H: above the threshold; L/LL: below' }),
  threshold: Type.Number(),
  deadband: Type.Number({ minimum: 0, default: 0, description: 'an active alarm returns only once the value is this far back inside' }),
  only_if: Type.Optional(Type.Object({ tag: Tag, above: Type.Optional(Type.Number()), below: Type.Optional(Type.Number()) }, { additionalProperties: false })),
});
export const RateRuleSchema = rule('rate', {
  tag: Tag,
  direction: Type.Union([Type.Literal('rise'), Type.Literal('fall'), Type.Literal('either')]),
  per_min: Type.Number({ exclusiveMinimum: 0, description: 'change per minute, engineering units' }),
  window_s: Type.Number({ exclusiveMinimum: 0, default: 60, description: 'the change is measured over this window' }),
});
export const BaselineRuleSchema = rule('baseline', {
  tag: Tag,
  factor: Type.Number({ exclusiveMinimum: 1, description: 'raise when the value exceeds factor × the learned median' }),
  window_h: Type.Number({ exclusiveMinimum: 0, default: 24 }),
  sample_s: Type.Number({ exclusiveMinimum: 0, default: 60, description: 'one baseline sample this often' }),
  min_samples: Type.Integer({ minimum: 1, default: 10 }),
  floor: Type.Number({ minimum: 0, default: 0, description: 'the value must also exceed this: a near-zero median makes noise look like a leak' }),
});
export const StaleRuleSchema = rule('stale', {
  polls: Type.Number({ exclusiveMinimum: 0, default: 3, description: 'no data for this many poll periods' }),
});
export const FrozenRuleSchema = rule('frozen', {
  tags: Type.Array(Tag, { minItems: 1 }),
  digits: Type.Integer({ minimum: 0, maximum: 6, default: 1, description: 'unchanged to this many decimals' }),
  for_s: Type.Number({ exclusiveMinimum: 0, default: 1800 }),
  moving: Tag,
  moving_by: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'the moving tag must have travelled this far since the value froze: a valve whose command stands still rightly stands still too' })),
  between: Type.Optional(Type.Tuple([Type.Number(), Type.Number()], { description: 'judge a value only inside (low, high): a valve resting on its end stop is not stuck' })),
});
export const CommLossRuleSchema = rule('comm-loss', {
  polls: Type.Number({ exclusiveMinimum: 0, default: 3, description: 'silent: a Sparkplug DEATH, or no data for this many poll periods' }),
  while_neighbours_report: Type.Boolean({ default: false, description: 'only when other substations still report (a local cause: power)' }),
});
export const ControlStaleRuleSchema = rule('control-stale', {});
export const BadQualityRuleSchema = rule('bad-quality', {
  tags: Type.Optional(Type.Array(Tag, { minItems: 1, description: 'the tags to watch; every tag the substation reports when absent' })),
});
export const ClockRuleSchema = rule('clock', {
  tag: Type.Unsafe<TagName>({ type: 'string', enum: [...TAG_NAMES], default: 'plc.clock', description: "the PLC's clock, whole seconds since 1970 UTC" }),
  max_offset_s: Type.Number({ exclusiveMinimum: 0, default: 30, description: "holds when the PLC's clock differs from the collector's (the point's time) by more than this" }),
});
export const DiskFullRuleSchema = rule('disk-full', {});
export const ComplaintClusterRuleSchema = rule('complaint-cluster', {
  count: Type.Integer({ minimum: 1, default: 3, description: "this many residents' complaints at the substation …" }),
  within_min: Type.Number({ exclusiveMinimum: 0, default: 60, description: '… received within this many minutes' }),
  categories: Type.Optional(
    Type.Array(Type.Unsafe<Category>({ type: 'string', enum: [...CATEGORIES] }), { minItems: 1, uniqueItems: true, description: 'count only complaints of these categories; every category when absent' }),
  ),
});
const Clause = Type.Object(
  { tag: Tag, eq: Type.Optional(Type.Union([Type.Boolean(), Type.Number()])), ne: Type.Optional(Type.Union([Type.Boolean(), Type.Number()])) },
  { additionalProperties: false },
);
export const CompositeRuleSchema = rule('composite', {
  any: Type.Array(Type.Array(Clause, { minItems: 1 }), { minItems: 1, description: 'holds when every clause of any one group holds' }),
});

const RULE_SCHEMAS = {
  limit: LimitRuleSchema,
  rate: RateRuleSchema,
  baseline: BaselineRuleSchema,
  stale: StaleRuleSchema,
  frozen: FrozenRuleSchema,
  'comm-loss': CommLossRuleSchema,
  composite: CompositeRuleSchema,
  'control-stale': ControlStaleRuleSchema,
  'complaint-cluster': ComplaintClusterRuleSchema,
  'bad-quality': BadQualityRuleSchema,
  clock: ClockRuleSchema,
  'disk-full': DiskFullRuleSchema,
} as const;
export type RuleConfig = Static<(typeof RULE_SCHEMAS)[keyof typeof RULE_SCHEMAS]>;
// Ajv fills no defaults inside a union, so a rule is checked in two passes: its kind here, then
// the fields against that kind's schema (resolveRuleSet), with defaults and the path of a bad field.
const RuleEnvelope = Type.Object({ kind: Type.Unsafe<RuleConfig['kind']>({ type: 'string', enum: Object.keys(RULE_SCHEMAS) }) });
export type RuleOf<K extends RuleConfig['kind']> = Extract<RuleConfig, { kind: K }>;
export type CompositeClause = Static<typeof Clause>;

const AlarmDefinitionSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
    priority: PrioritySchema,
    title: Type.Object({ en: Type.String(), zh: Type.String() }, { additionalProperties: false }),
    scope: Type.Union([Type.Literal('substation'), Type.Literal('network'), Type.Literal('role')], {
      default: 'substation',
      description: 'network: rules see the median over reporting substations; role: one alarm per platform role instance (its status, model/role-status.ts)',
    }),
    aggregate: Type.Union([Type.Literal('median'), Type.Literal('min'), Type.Literal('max')], {
      default: 'median',
      description: 'network scope: how reporting substations are combined (min: the first substation to see a change)',
    }),
    suppressed_by: Type.Array(Type.String(), { default: [], description: 'root alarms (same substation or network) under which this one is a consequence and stays silent' }),
    settle_s: Type.Number({ minimum: 0, default: 0, description: 'after this alarm returns, its consequences stay silent this long while the plant settles' }),
    work_order: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('manual')], { description: 'default: auto for critical and high' })),
    rules: Type.Array(RuleEnvelope, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type AlarmDefinition = Omit<Static<typeof AlarmDefinitionSchema>, 'rules'> & { rules: RuleConfig[] };

export const RuleSetSchema = Type.Object({ alarms: Type.Array(AlarmDefinitionSchema, { minItems: 1 }) }, { additionalProperties: false });

/** Checks every rule against its kind's schema, filling its defaults. */
export function resolveRuleSet(doc: Static<typeof RuleSetSchema>, source: string): AlarmDefinition[] {
  return doc.alarms.map((a, i) => ({
    ...a,
    rules: a.rules.map((r, k) => validateDocument(RULE_SCHEMAS[r.kind], r, 'HS_ERR_CONFIG_INVALID', `${source}#/alarms/${i}/rules/${k}`)),
  }));
}

const OverrideSchema = Type.Object(
  {
    alarm: Type.String(),
    rule: Type.Integer({ minimum: 0, default: 0, description: 'index of the rule in the alarm' }),
    substations: Type.Optional(Type.Array(Type.String())),
    group: Type.Optional(Type.String()),
    set: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Boolean(), Type.String()]), { description: 'rule fields to replace' }),
  },
  { additionalProperties: false },
);
export type RuleOverride = Static<typeof OverrideSchema>;

const RouteSchema = Type.Object(
  {
    priorities: Type.Array(PrioritySchema, { default: [...PRIORITIES] }),
    groups: Type.Optional(Type.Array(Type.String(), { description: 'areas; every area when absent' })),
    hours: Type.Optional(Type.Tuple([Type.Integer({ minimum: 0, maximum: 23 }), Type.Integer({ minimum: 1, maximum: 24 })], { description: '[from, to) local hour of day' })),
  },
  { additionalProperties: false, default: {} },
);
export type NotifyRoute = Static<typeof RouteSchema>;

const SmtpSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
    secure: Type.Boolean({ default: false, description: 'TLS from the start (port 465); false: STARTTLS when the server offers it' }),
    user: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String({ description: 'prefer password_file: a secret does not belong in the configuration' })),
    password_file: Type.Optional(Type.String({ minLength: 1, description: 'a file holding the password (trailing newline ignored)' })),
    from: Type.String({ minLength: 3, description: 'the sender, e.g. "HeatSCADA <alarms@example.org>"' }),
    timeout_s: Type.Number({ exclusiveMinimum: 0, default: 20, description: 'connection, greeting and socket timeout' }),
  },
  { additionalProperties: false },
);
export type SmtpConfig = Static<typeof SmtpSchema>;

const EmailSchema = Type.Object(
  {
    smtp: SmtpSchema,
    language: Type.Union([Type.Literal('en'), Type.Literal('zh')], { default: 'en', description: 'language of subject and body' }),
    routes: Type.Array(
      Type.Object({ to: Type.Array(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' }), { minItems: 1 }), route: RouteSchema, escalation: Type.Boolean({ default: false }) }, { additionalProperties: false }),
      { minItems: 1 },
    ),
  },
  { additionalProperties: false },
);
export type EmailConfig = Static<typeof EmailSchema>;

export const AlarmsConfigSchema = Type.Object(
  {
    rules_file: Type.String({ minLength: 1, default: 'config/alarm-rules.yaml' }),
    mqtt_url: Type.Optional(BrokerUrlsField("broker the engine follows; the historian's mqtt_url when absent")),
    mqtt_login: Type.Optional(MqttLoginSchema),
    poll_period_s: Type.Number({ exclusiveMinimum: 0, default: 1, description: "the collectors' poll period: stale and communication loss count it" }),
    evaluate_every_s: Type.Number({ exclusiveMinimum: 0, default: 1, description: 'wall seconds between rule evaluations' }),
    groups: Type.Record(Type.String(), Type.Array(Type.String()), { default: {}, description: 'areas: name → substations' }),
    overrides: Type.Array(OverrideSchema, { default: [] }),
    flood: Type.Object({ count: Type.Integer({ minimum: 2, default: 10 }), window_s: Type.Number({ exclusiveMinimum: 0, default: 600 }) }, { additionalProperties: false, default: {} }),
    escalate_after_s: Type.Number({ exclusiveMinimum: 0, default: 900, description: 'a critical alarm unacknowledged this long is sent to the escalation routes (webhooks and e-mail); not once acknowledged' }),
    webhooks: Type.Array(
      Type.Object({ url: Type.String({ minLength: 1 }), route: RouteSchema, escalation: Type.Boolean({ default: false }) }, { additionalProperties: false }),
      { default: [] },
    ),
    email: Type.Optional(EmailSchema),
    time_zone: Type.Optional(Type.String({ minLength: 1, description: "IANA time zone of the routes' hours and the e-mails' times (e.g. Asia/Shanghai); the process's own when absent" })),
    retry: Type.Object({ first_s: Type.Number({ exclusiveMinimum: 0, default: 1 }), max_s: Type.Number({ exclusiveMinimum: 0, default: 300 }) }, { additionalProperties: false, default: {} }),
    crews: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), groups: Type.Array(Type.String(), { default: [] }) }, { additionalProperties: false }), { default: [] }),
    cold_home_alarm: Type.String({ default: 'cold_homes' }),
    repeat_window_days: Type.Number({ exclusiveMinimum: 0, default: 30 }),
    standby: Type.Optional(StandbyConfigSchema),
  },
  { additionalProperties: false, default: {} },
);
export type AlarmsConfig = Static<typeof AlarmsConfigSchema>;

export function resolveAlarmsConfig(doc: unknown): AlarmsConfig {
  return validateDocument(AlarmsConfigSchema, doc ?? {}, 'HS_ERR_CONFIG_INVALID', 'alarms');
}

export function loadRuleSet(file: string): AlarmDefinition[] {
  return resolveRuleSet(loadDocument(RuleSetSchema, file, 'HS_ERR_CONFIG_INVALID'), file);
}
