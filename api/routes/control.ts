import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CurveSettingsSchema } from '../../control/config-schema.ts';
import { LOOP_MODES, type Controller } from '../../control/controller.ts';
import { FORECAST_STATES, type ForecastState } from '../../control/forecast-source.ts';
import { HeatScadaError } from '../../model/errors.ts';
import { withoutDefaults } from '../../model/validate.ts';
import { CONTROL_MODES } from '../../model/tags.ts';
import { principalOf } from '../auth/guard.ts';
import { ErrorBody } from './schemas.ts';

// The balancing loop: GET /api/control (every substation: returns against the target, valves,
// what the loop wants next and why, its mode), PUT /api/control/mode (take or hand back one
// substation or all: operators), GET|PUT /api/control/curve (engineers change it), GET
// /api/control/audit. Changes are the signed-in person's, audited.
// Without a running loop every route answers 503 HS_ERR_CONTROL_OFF.

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const LoopModeSchema = Type.Unsafe<(typeof LOOP_MODES)[number]>(Type.String({ enum: [...LOOP_MODES] }));
const Inputs = Type.Object({
  mode: Type.Unsafe<(typeof CONTROL_MODES)[number]>(Type.String({ enum: [...CONTROL_MODES] })),
  outdoorC: Type.Number(),
  supplyC: Type.Number(),
  returnC: Type.Number(),
  indoorMinC: Type.Optional(Type.Number()),
  indoorAvgC: Type.Optional(Type.Number()),
  valvePct: Type.Number(),
  valveSetpointPct: Type.Number(),
  supplySetpointC: Type.Number(),
});
const Lift = { liftK: Type.Union([Type.Number(), Type.Null()], { description: "the return bias, K, while the network's return floor lifts the substation; else null" }) };
const CauseSchema = Type.Union(
  [
    Type.Object({ kind: Type.Literal('coldest_home'), indoorC: Type.Number(), targetC: Type.Number(), ...Lift }),
    Type.Object({ kind: Type.Literal('no_indoor'), offK: Type.Number({ description: "the return above (+) or below (−) the curve's, K" }), ...Lift }),
  ],
  { description: 'what drives the trim: the coldest sampled home against its target, or without indoor sensors the return against the curve' },
);
const Move = { cause: CauseSchema, tag: Type.String(), from: Type.Union([Type.Number(), Type.Null()], { description: 'the setpoint now; null where the loop cannot read it' }), to: Type.Number() };
const DecisionSchema = Type.Union(
  [
    Type.Object({ kind: Type.Literal('write'), ...Move }),
    Type.Object({ kind: Type.Literal('waiting'), ...Move, because: Type.String({ description: 'why the envelope keeps the write back' }) }),
    Type.Object({ kind: Type.Literal('hold'), cause: CauseSchema }),
    Type.Object({ kind: Type.Literal('stale'), ageS: Type.Number() }),
    Type.Object({ kind: Type.Literal('held'), note: Type.String({ description: 'the refusal: code and message' }) }),
    Type.Object({ kind: Type.Literal('manual'), by: Type.Union([Type.Literal('person'), Type.Literal('plc')]) }),
  ],
  { description: "the loop's decision this cycle as data, for the control room to word in its language (control/reason.ts); null before the first" },
);
const SubstationControl = Type.Object({
  id: Type.String(),
  heating: Type.String(),
  mode: LoopModeSchema,
  state: Type.String({ description: 'ok, stale (inputs too old: frozen), held (a write was refused), no-data' }),
  plcMode: Type.Union([Type.String(), Type.Null()]),
  inputs: Type.Union([Inputs, Type.Null()]),
  supplyTargetC: Nullable(Type.Number()),
  returnTargetC: Nullable(Type.Number()),
  trimK: Nullable(Type.Number()),
  next: Type.Union([Type.Object({ tag: Type.String(), value: Type.Number(), why: Type.String() }), Type.Null()]),
  lastWrite: Type.Union([Type.Object({ tag: Type.String(), value: Type.Number(), ts: Type.Number(), ok: Type.Boolean(), code: Type.Optional(Type.String()) }), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()], { description: "the loop's decision this cycle in one line, cause and action: 'coldest home 16.8 °C < 18.3 °C: open valve 4.0 %', 'stale data (400 s old): frozen'" }),
  decision: Type.Union([DecisionSchema, Type.Null()]),
});
const Saving = Type.Object(
  {
    savedPct: Type.Number({ description: "heat saved, % of the curve alone's (negative: the loop sends more)" }),
    curveTrimK: Type.Number({ description: 'the common trim the curve alone would need to keep the most demanding substation warm, K' }),
    substations: Type.Integer({ description: 'substations the loop steered last cycle, weighed alike' }),
  },
  { description: 'heat saved against the curve alone, estimated (control/heat-saving.ts); null before the first cycle' },
);
const ForecastHealthSchema = Type.Object({
  state: Type.Unsafe<ForecastState>({ type: 'string', enum: [...FORECAST_STATES] }),
  from: Type.String({ description: 'the file or URL' }),
  issuedAt: Nullable(Type.Number()),
  until: Nullable(Type.Number({ description: 'where the forecast ends, ms' })),
  points: Type.Integer(),
  checkedAt: Nullable(Type.Number()),
  reason: Nullable(Type.String({ description: 'why it is not in use' })),
  code: Nullable(Type.String()),
});
const ForecastSchema = Type.Object(
  {
    leadH: Type.Number({ description: 'how far ahead the curve looks, h' }),
    aheadC: Nullable(Type.Number({ description: 'the forecast at now + lead, °C' })),
    snap: Nullable(
      Type.Object({ forecastC: Type.Number(), inH: Type.Number(), since: Type.Number(), fromC: Type.Number(), preheatK: Type.Number(), preheating: Type.Boolean() }, { description: 'the cold snap the loop is ready for (寒潮预案)' }),
    ),
    health: Nullable(ForecastHealthSchema),
  },
  { description: 'what the loop makes of the weather forecast; null without one configured' },
);
const Overview = Type.Object({
  global: Type.Union([LoopModeSchema, Type.Null()], { description: 'a mode set for every substation at once, or null' }),
  source: Type.Object({ offsetK: Type.Number(), why: Type.String() }, { description: 'what the loop asks of the heat source over its own curve' }),
  substations: Type.Array(SubstationControl),
  saving: Type.Union([Saving, Type.Null()]),
  forecast: Nullable(ForecastSchema),
  returnFloorK: Nullable(Type.Number({ description: "the network's return floor: the return above the curve's return (K) that substations below it are lifted to; a substation's floor is returnTargetC + this" })),
});
const ModeBody = Type.Object(
  {
    mode: LoopModeSchema,
    substation: Type.Optional(Type.String({ minLength: 1, description: 'absent: every substation' })),
  },
  { additionalProperties: false },
);
// Every field required: a PUT replaces the curve, so a field left out must not fall back to its default.
const CurveBody = Type.Object({ curve: withoutDefaults(CurveSettingsSchema) }, { additionalProperties: false });
const AuditQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), substation: Type.Optional(Type.String({ minLength: 1 })) });
const AuditEntrySchema = Type.Object({
  ts: Type.Number(),
  substation: Type.String(),
  tag: Type.String(),
  actor: Type.String(),
  oldValue: Nullable(Type.Number()),
  newValue: Nullable(Type.Number()),
  why: Type.String(),
  outcome: Type.String({ enum: ['accepted', 'refused', 'event'] }),
  code: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
});
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };
const READ = { access: 'viewer' } as const;

export const controlRoutes: FastifyPluginAsync<{ controller: Controller | undefined }> = async (app, { controller }) => {
  const loop = (): Controller => {
    if (!controller) throw new HeatScadaError('HS_ERR_CONTROL_OFF', 'start it with `heatscada control` or control.enabled');
    return controller;
  };
  const overview = (c: Controller): Static<typeof Overview> => ({ global: c.global, source: c.source, substations: c.views(), saving: c.saving, forecast: c.forecast, returnFloorK: c.returnFloorK });

  app.get('/api/control', { config: READ, schema: { tags: ['control'], summary: 'Balancing: every substation against its targets, and what the loop does next and why', response: { 200: Overview, 503: ErrorBody } } }, async () => overview(loop()));
  app.put<{ Body: Static<typeof ModeBody> }>(
    '/api/control/mode',
    {
      config: { access: 'operator', audit: { action: 'control.mode', target: (r) => (r.body as Static<typeof ModeBody>).substation ?? '*' } },
      schema: { tags: ['control'], summary: 'Take a substation (or all) at once, or hand it back without a bump: auto, manual or advisory', body: ModeBody, response: { 200: Overview, ...errors } },
    },
    async (request) => {
      const c = loop();
      const { substation, mode } = request.body;
      const before = substation === undefined ? (c.global ?? 'per substation') : (c.views().find((v) => v.id === substation)?.mode ?? null);
      c.setMode(substation, mode, principalOf(request).name);
      request.auditValues = { oldValue: before, newValue: mode };
      return overview(c);
    },
  );
  app.get('/api/control/curve', { config: READ, schema: { tags: ['control'], summary: 'Weather-compensation curve settings', response: { 200: CurveSettingsSchema, 503: ErrorBody } } }, async () => loop().curve);
  app.put<{ Body: Static<typeof CurveBody> }>(
    '/api/control/curve',
    {
      config: { access: 'engineer', audit: { action: 'control.curve', target: () => 'curve' } },
      schema: { tags: ['control'], summary: 'Change the curve settings (engineers); audited', body: CurveBody, response: { 200: CurveSettingsSchema, ...errors } },
    },
    async (request) => {
      const c = loop();
      const before = JSON.stringify(c.curve);
      c.setCurve(request.body.curve, principalOf(request).name);
      request.auditValues = { oldValue: before, newValue: JSON.stringify(c.curve) };
      return c.curve;
    },
  );
  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/api/control/audit',
    { config: READ, schema: { tags: ['control'], summary: 'Every write the loop made (old, new, why, acknowledged outcome) and its events, newest first', querystring: AuditQuery, response: { 200: Type.Array(AuditEntrySchema), ...errors } } },
    async (request) => loop().audit(request.query.limit, request.query.substation),
  );
};
