import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CurveSettingsSchema } from '../../control/config-schema.ts';
import { LOOP_MODES, type Controller } from '../../control/controller.ts';
import { HeatScadaError } from '../../model/errors.ts';
import { CONTROL_MODES } from '../../model/tags.ts';
import { ErrorBody } from './schemas.ts';

// The balancing loop: GET /api/control (every substation: returns against the target, valves,
// what the loop wants next and why, its mode), PUT /api/control/mode (take or hand back one
// substation or all), GET|PUT /api/control/curve (engineers), GET /api/control/audit.
// Without a running loop every route answers 503 HS_ERR_CONTROL_OFF.

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);
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
});
const Overview = Type.Object({
  global: Type.Union([LoopModeSchema, Type.Null()], { description: 'a mode set for every substation at once, or null' }),
  source: Type.Object({ offsetK: Type.Number(), why: Type.String() }, { description: 'what the loop asks of the heat source over its own curve' }),
  substations: Type.Array(SubstationControl),
});
const ModeBody = Type.Object(
  {
    mode: LoopModeSchema,
    substation: Type.Optional(Type.String({ minLength: 1, description: 'absent: every substation' })),
    actor: Type.String({ minLength: 1, maxLength: 100, description: 'who takes or hands back' }),
  },
  { additionalProperties: false },
);
const CurveBody = Type.Object({ actor: Type.String({ minLength: 1, maxLength: 100 }), curve: CurveSettingsSchema }, { additionalProperties: false });
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
const errors = { 400: ErrorBody, 404: ErrorBody, 503: ErrorBody };

export const controlRoutes: FastifyPluginAsync<{ controller: Controller | undefined }> = async (app, { controller }) => {
  const loop = (): Controller => {
    if (!controller) throw new HeatScadaError('HS_ERR_CONTROL_OFF', 'start it with `heatscada control` or control.enabled');
    return controller;
  };
  const overview = (c: Controller): Static<typeof Overview> => ({ global: c.global, source: c.source, substations: c.views() });

  app.get('/api/control', { schema: { tags: ['control'], summary: 'Balancing: every substation against its targets, and what the loop does next and why', response: { 200: Overview, 503: ErrorBody } } }, async () => overview(loop()));
  app.put<{ Body: Static<typeof ModeBody> }>(
    '/api/control/mode',
    { schema: { tags: ['control'], summary: 'Take a substation (or all) at once, or hand it back without a bump: auto, manual or advisory', body: ModeBody, response: { 200: Overview, ...errors } } },
    async (request) => {
      const c = loop();
      c.setMode(request.body.substation, request.body.mode, request.body.actor);
      return overview(c);
    },
  );
  app.get('/api/control/curve', { schema: { tags: ['control'], summary: 'Weather-compensation curve settings', response: { 200: CurveSettingsSchema, 503: ErrorBody } } }, async () => loop().curve);
  app.put<{ Body: Static<typeof CurveBody> }>(
    '/api/control/curve',
    { schema: { tags: ['control'], summary: 'Change the curve settings (engineers); audited', body: CurveBody, response: { 200: CurveSettingsSchema, ...errors } } },
    async (request) => {
      const c = loop();
      c.setCurve(request.body.curve, request.body.actor);
      return c.curve;
    },
  );
  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/api/control/audit',
    { schema: { tags: ['control'], summary: 'Every write the loop made (old, new, why, acknowledged outcome) and its events, newest first', querystring: AuditQuery, response: { 200: Type.Array(AuditEntrySchema), ...errors } } },
    async (request) => loop().audit(request.query.limit, request.query.substation),
  );
};
