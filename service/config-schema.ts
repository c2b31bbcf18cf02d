import { Type, type Static } from '@sinclair/typebox';
import { BrokerUrlsField } from '../model/broker-urls.ts';
import { MqttLoginSchema } from '../model/mqtt-client.ts';
import { CATEGORIES, CHANNELS, type Category, type Channel } from '../model/service.ts';
import { validateDocument } from '../model/validate.ts';

// The `service` section of the configuration: the residents' service role (service/README.md
// lists every field). Time limits per category and the repeat window are the regulators'
// figures a city sets; the import mappings say which column of a channel's export holds what.

const CategorySchema = Type.Unsafe<Category>({ type: 'string', enum: [...CATEGORIES] });
const ChannelSchema = Type.Unsafe<Channel>({ type: 'string', enum: [...CHANNELS] });
const Hours = (dflt: number) => Type.Number({ exclusiveMinimum: 0, default: dflt });
const Column = (description: string) => Type.String({ minLength: 1, description });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD in the display zone' });

/** 办理时限 per category, hours from receipt (a leak floods a stairwell: 4 h; a bill can wait). */
export const DEFAULT_TIME_LIMITS_H: Record<Category, number> = {
  no_heat: 24,
  cold_home: 24,
  leak: 4,
  air_lock: 48,
  noise: 72,
  stop_restart: 72,
  billing: 120,
  other: 72,
};

const TimeLimitsSchema = Type.Object(
  Object.fromEntries(CATEGORIES.map((c) => [c, Hours(DEFAULT_TIME_LIMITS_H[c])])) as Record<Category, ReturnType<typeof Hours>>,
  { additionalProperties: false, default: {}, description: 'time limit per category, hours from receipt' },
);

export const ImportMappingSchema = Type.Object(
  {
    ticket: Column("the channel's ticket id"),
    received_at: Column('when the ticket was received'),
    community: Column('community (小区)'),
    building: Column('building (楼号)'),
    unit: Column('unit (单元); its cells may be blank'),
    room: Column('room (房号)'),
    phone: Column("the resident's phone"),
    category: Column('the category, in the words of categories'),
    words: Column("the resident's words; its cells may be blank"),
    categories: Type.Record(Type.String({ minLength: 1 }), CategorySchema, { default: {}, description: "the file's words → category; the category ids are accepted too" }),
    time_format: Type.String({ minLength: 1, default: 'YYYY-MM-DD HH:mm:ss', description: 'YYYY MM DD HH mm ss and literals, wall time in display_zone' }),
    channel: Type.Optional(ChannelSchema),
  },
  { additionalProperties: false },
);
export type ImportMappingConfig = Static<typeof ImportMappingSchema>;

/** The 12345 platform's export (接诉即办 工单导出) as the cities we serve have it. */
export const MAPPING_12345: ImportMappingConfig = {
  ticket: '工单编号',
  received_at: '受理时间',
  community: '小区',
  building: '楼号',
  unit: '单元',
  room: '房号',
  phone: '联系电话',
  category: '诉求类别',
  words: '诉求内容',
  categories: {
    不热: 'no_heat',
    无暖: 'no_heat',
    室温低: 'cold_home',
    漏水: 'leak',
    跑冒滴漏: 'leak',
    圈气: 'air_lock',
    噪音: 'noise',
    报停: 'stop_restart',
    开栓: 'stop_restart',
    收费: 'billing',
    其他: 'other',
  },
  time_format: 'YYYY-MM-DD HH:mm:ss',
  channel: '12345',
};

export const SeasonSchema = Type.Object(
  { id: Type.String({ minLength: 1, description: 'e.g. 2026-2027' }), start: IsoDate, end: IsoDate },
  { additionalProperties: false, description: 'the heating season the `season` KPI grouping reports' },
);

export const ServiceConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    company: Type.String({ minLength: 1, default: 'company', description: 'the key of the company-wide KPI row' }),
    address_book_file: Type.Optional(Type.String({ minLength: 1, description: 'CSV or YAML: community → building → substation; generated for the simulated city when absent' })),
    time_limits_h: TimeLimitsSchema,
    repeat_window_days: Type.Number({ exclusiveMinimum: 0, default: 30, description: 'a new complaint from the same home within this many days of an earlier one reopens it' }),
    season: Type.Optional(SeasonSchema),
    display_zone: Type.String({ minLength: 1, default: 'Asia/Shanghai', description: 'IANA zone of the `day` KPI key and of import wall times' }),
    mqtt_url: Type.Optional(BrokerUrlsField("broker the complaint events go to; the historian's mqtt_url when absent")),
    mqtt_login: Type.Optional(MqttLoginSchema),
    import: Type.Object(
      { mappings: Type.Record(Type.String({ minLength: 1 }), ImportMappingSchema, { default: { '12345': MAPPING_12345 }, description: 'name → column mapping (?mapping=<name>)' }) },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type ServiceConfig = Static<typeof ServiceConfigSchema>;

export function resolveServiceConfig(doc: unknown): ServiceConfig {
  return validateDocument(ServiceConfigSchema, doc ?? {}, 'HS_ERR_CONFIG_INVALID', 'service');
}
