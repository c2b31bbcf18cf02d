import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CATEGORIES, CHANNELS, COMPLAINT_STATES, FALSE_CLOSURE_RISKS, KPI_GROUPINGS, type Complaint, type ServiceKpi } from '../../model/service.ts';
import { FIELD_MAX_LENGTH as MAX } from '../../service/import/import-file.ts';
import { AlarmSchema } from './alarms.ts';
import { Value as TagValue, StatusSchema } from './schemas.ts';

// The residents' service at the API boundary (model/service.ts as TypeBox): what the routes
// of api/routes/service.ts take and give, so a bad field is a 400 naming it before any handler runs.

const Enum = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
// A type list, not anyOf: with the API's coerceTypes an anyOf of null and boolean turns a sent
// false into null (or null into false, the other way round); a type list coerces neither.
const Nullable = <T extends TSchema>(t: T) => Type.Unsafe<Static<T> | null>({ ...t, type: [t.type as string, 'null'] });
const Ms = Type.Number({ minimum: 0, description: 'ms UTC' });

/** A person's channel: 'proactive' complaints come from cold-homes work orders, never from a form. */
const INTAKE_CHANNELS = CHANNELS.filter((c) => c !== 'proactive');

export const AddressSchema = Type.Object(
  {
    community: Type.String({ minLength: 1, maxLength: MAX.community }),
    building: Type.String({ minLength: 1, maxLength: MAX.building }),
    unit: Type.String({ maxLength: MAX.unit, default: '', description: "'' for a building without units" }),
    room: Type.String({ minLength: 1, maxLength: MAX.room }),
  },
  { additionalProperties: false },
);

export const ComplaintInputBody = Type.Object(
  {
    channel: Enum(INTAKE_CHANNELS),
    ticket: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: MAX.ticket, description: "the channel's own ticket id; unique per channel" }))),
    receivedAt: Type.Optional(Type.Integer({ minimum: 0, description: 'ms UTC; now when absent' })),
    address: AddressSchema,
    phone: Type.String({ minLength: 7, maxLength: MAX.phone, pattern: '^\\+?[0-9][0-9 ()-]*[0-9]$', description: 'stored whole; shown masked to every role but the hotline' }),
    category: Enum(CATEGORIES),
    words: Type.String({ maxLength: MAX.words, default: '' }),
  },
  { additionalProperties: false },
);

const MeasurementSchema = Type.Object({ tempC: Type.Number(), at: Ms, instrument: Type.String() });
const FollowUpSchema = Type.Object({ at: Ms, reached: Type.Boolean(), satisfied: Nullable(Type.Boolean()), words: Type.String(), actor: Type.String() });

export const ComplaintSchema = Type.Object({
  id: Type.Integer(),
  channel: Enum(CHANNELS),
  ticket: Nullable(Type.String()),
  receivedAt: Ms,
  address: Type.Object({ community: Type.String(), building: Type.String(), unit: Type.String(), room: Type.String() }),
  substation: Type.String(),
  loop: Nullable(Type.String()),
  area: Nullable(Type.String()),
  phone: Type.String({ description: '138****5678 for every role but the hotline' }),
  category: Enum(CATEGORIES),
  words: Type.String(),
  state: Enum(COMPLAINT_STATES),
  dueAt: Ms,
  workOrderId: Nullable(Type.Integer()),
  crew: Nullable(Type.String()),
  dispatchedAt: Nullable(Ms),
  onSiteAt: Nullable(Ms),
  measurement: Nullable(MeasurementSchema),
  fix: Nullable(Type.String()),
  resolvedAt: Nullable(Ms),
  followUp: Nullable(FollowUpSchema),
  closedAt: Nullable(Ms),
  repeatOf: Nullable(Type.Integer()),
  reopened: Type.Integer(),
  falseClosureRisk: Type.Array(Enum(FALSE_CLOSURE_RISKS)),
});

export const ListQuery = Type.Object(
  {
    state: Type.Optional(Enum(COMPLAINT_STATES)),
    channel: Type.Optional(Enum(CHANNELS)),
    substation: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    community: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    crew: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "complaints whose work order is this crew's" })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'text in the address, ticket or words' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'complaints with an id below this: the next page' })),
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json', description: 'csv: every matching complaint, not one page' }),
  },
  { additionalProperties: false },
);

export const Params = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const DispatchBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export const OnSiteBody = Type.Object(
  {
    tempC: Type.Number({ minimum: -20, maximum: 45, description: 'the measured room temperature, °C' }),
    instrument: Type.String({ minLength: 1, maxLength: 100, description: 'instrument and its serial' }),
    at: Type.Optional(Type.Integer({ minimum: 0, description: 'ms UTC of the measurement; now when absent' })),
  },
  { additionalProperties: false },
);
export const ResolveBody = Type.Object({ fix: Nullable(Type.String({ minLength: 1, maxLength: 2000 })), note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export const FollowUpBody = Type.Object(
  { reached: Type.Boolean(), satisfied: Nullable(Type.Boolean({ description: 'null when the resident was not reached' })), words: Type.String({ maxLength: 2000, default: '' }) },
  { additionalProperties: false },
);

export const ImportQuery = Type.Object({ mapping: Type.String({ minLength: 1, maxLength: 64, default: '12345', description: 'a service.import.mappings name' }) }, { additionalProperties: false });
export const ImportResultSchema = Type.Object({ imported: Type.Integer(), duplicates: Type.Integer() });
export const ImportErrorBody = Type.Object(
  {
    code: Type.String({ pattern: '^HS_ERR_' }),
    message: Type.String(),
    path: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ row: Type.Integer(), column: Type.String(), message: Type.String() }))),
  },
  { description: 'HS_ERR_IMPORT_INVALID lists every bad row and column (rows as a spreadsheet numbers them); nothing was imported' },
);

const Rate = Nullable(Type.Number({ minimum: 0, maximum: 1 }));
export const KpiSchema = Type.Object({
  key: Type.String(),
  complaints: Type.Integer(),
  firstResponseMin: Nullable(Type.Number()),
  withinLimitRate: Rate,
  closureRate: Rate,
  satisfactionRate: Rate,
  effectiveFollowUpRate: Rate,
  repeatRate: Rate,
  per10kM2: Nullable(Type.Number()),
  per1kHouseholds: Nullable(Type.Number()),
  falseClosureRisks: Type.Integer(),
  reachedByOrder: Type.Integer(),
});
export const KpiQuery = Type.Object(
  {
    by: Enum(KPI_GROUPINGS),
    from: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'received from: ms since the epoch or ISO 8601' })),
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'received before: ms since the epoch or ISO 8601' })),
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
  },
  { additionalProperties: false },
);

export const AddressBookQuery = Type.Object({ q: Type.String({ maxLength: 100, default: '', description: 'community or building, or their pinyin initials' }) }, { additionalProperties: false });
export const BuildingSchema = Type.Object({
  community: Type.String(),
  building: Type.String(),
  substation: Type.String(),
  loop: Type.Optional(Type.String()),
  areaM2: Type.Number(),
  households: Type.Integer(),
});

/** Work orders beside a complaint, as GET /api/work-orders gives them. */
const OrderRecord = Type.Object({}, { additionalProperties: true });
export const ContextSchema = Type.Object({
  substation: Type.Object({
    id: Type.String(),
    name: Type.Optional(Type.String()),
    status: StatusSchema,
    values: Type.Record(Type.String(), TagValue),
    at: Nullable(Ms),
  }),
  alarms: Type.Array(Type.Omit(AlarmSchema, ['title']), { description: 'standing alarms at the substation' }),
  orders: Type.Array(OrderRecord, { description: 'open work orders at the substation, as GET /api/work-orders gives them' }),
  recent: Type.Array(ComplaintSchema, { description: 'other complaints from the substation in the last 24 h' }),
});

export type ComplaintView = Static<typeof ComplaintSchema>;
export type KpiView = Static<typeof KpiSchema>;
// The schemas say what the model says: a change to model/service.ts that the schema misses fails to compile here.
export const viewOf = (c: Complaint): ComplaintView => c;
export const kpiViewOf = (k: ServiceKpi): KpiView => k;
