import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HeatScadaError } from '../../model/errors.ts';
import { CHECK_PHASES, CHECK_STATES } from '../../model/season.ts';
import type { SeasonRole } from '../../season/start.ts';
import { principalOf } from '../auth/guard.ts';
import { ErrorBody } from './schemas.ts';

// /api/season: the season's plan (phases, deadlines per company and area), each substation's
// checklist with its evidence (the curves the judge saw), the board (done against deadline, the
// late ones first, the forecast), the CSV, the printable end-of-phase report, and an engineer's
// tick of a phase data cannot judge (inspection), audited as `season.change`. 503
// HS_ERR_SEASON_OFF when the role does not run in this process.

const Enum = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Deadlines = Type.Record(Type.String(), Type.Number());
const Figures = Type.Record(Type.String(), Type.Number());

const PlanSchema = Type.Object({
  season: Type.String(),
  deadlines: Deadlines,
  companies: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), areas: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), substations: Type.Array(Type.String()), deadlines: Deadlines })) })),
  entries: Type.Array(Type.Object({ substation: Type.String(), company: Nullable(Type.String()), area: Nullable(Type.String()), deadlines: Deadlines })),
});
const CheckSchema = Type.Object({
  substation: Type.String(),
  phase: Enum(CHECK_PHASES),
  state: Enum(CHECK_STATES),
  who: Nullable(Type.String()),
  at: Nullable(Type.Number()),
  startedAt: Nullable(Type.Number()),
  code: Type.String(),
  reason: Type.String(),
  evidence: Nullable(Type.Object({ from: Type.Number(), to: Type.Number(), figures: Figures, curves: Type.Record(Type.String(), Type.Array(Type.Array(Type.Number()))) })),
  workOrder: Nullable(Type.Integer()),
  note: Type.String(),
});
const RowSchema = Type.Object({
  substation: Type.String(),
  company: Nullable(Type.String()),
  area: Nullable(Type.String()),
  state: Enum(CHECK_STATES),
  deadline: Type.Number(),
  late: Type.Boolean(),
  code: Type.String(),
  reason: Type.String(),
  at: Nullable(Type.Number()),
  workOrder: Nullable(Type.Integer()),
});
const BoardSchema = Type.Object({
  season: Type.String(),
  at: Type.Number(),
  phases: Type.Array(
    Type.Object({
      phase: Enum(CHECK_PHASES),
      total: Type.Integer(),
      passed: Type.Integer(),
      failed: Type.Integer(),
      running: Type.Integer(),
      pending: Type.Integer(),
      late: Type.Integer(),
      share: Type.Number(),
      deadline: Type.Number(),
      lastDeadline: Type.Number(),
      forecastDoneAt: Nullable(Type.Number()),
      atRisk: Type.Boolean(),
      open: Type.Array(RowSchema),
    }),
  ),
});
const SubstationParams = Type.Object({ substation: Type.String({ minLength: 1 }) });
const TickParams = Type.Object({ substation: Type.String({ minLength: 1 }), phase: Enum(CHECK_PHASES) });
const TickBody = Type.Object({ state: Enum(['passed', 'failed', 'pending'] as const), note: Type.String({ minLength: 1, maxLength: 2000, description: 'what was inspected or repaired, by whom' }) }, { additionalProperties: false });
const ReportQuery = Type.Object({ phase: Enum(CHECK_PHASES), lang: Type.Union([Type.Literal('en'), Type.Literal('zh')], { default: 'en' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
const READ = { access: 'viewer' } as const;
const tickTarget = (r: FastifyRequest): string => {
  const p = r.params as Static<typeof TickParams>;
  return `season:${p.substation}/${p.phase}`;
};
const TICK = { access: 'engineer', audit: { action: 'season.change', target: tickTarget } } as const;

export const seasonRoutes: FastifyPluginAsync<{ season: SeasonRole | undefined }> = async (app, { season }) => {
  app.addHook('onRequest', async () => {
    if (season === undefined) throw new HeatScadaError('HS_ERR_SEASON_OFF');
  });
  // The onRequest hook has answered 503 when the role does not run.
  const role = (): SeasonRole => season!;
  const tags = ['season'];

  app.get('/api/season/plan', { config: READ, schema: { tags, summary: "The season's plan: phases and deadlines per company and area", response: { 200: PlanSchema, ...errors } } }, async () => role().plan());
  app.get('/api/season/board', { config: READ, schema: { tags, summary: 'Per phase: done against the deadline, the late ones first, the forecast of the last', response: { 200: BoardSchema, ...errors } } }, async () => role().board());
  app.get('/api/season/checklist', { config: READ, schema: { tags, summary: "Every substation's checks (without their curves)", response: { 200: Type.Array(CheckSchema), ...errors } } }, async () =>
    role().checks().map((c) => ({ ...c, evidence: c.evidence && { ...c.evidence, curves: {} } })),
  );
  app.get('/api/season/checklist/:substation', { config: READ, schema: { tags, summary: "One substation's checklist with each check's evidence (its curves)", params: SubstationParams, response: { 200: Type.Array(CheckSchema), ...errors } } }, async (request) => {
    const { substation } = request.params as Static<typeof SubstationParams>;
    const checks = role().checks(substation);
    if (checks.length === 0) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', `no substation ${substation} in the season's plan`, 'substation');
    return checks;
  });
  app.get('/api/season/checklist.csv', { config: READ, schema: { tags, summary: 'Every check of every substation as CSV', response: { 200: Type.String(), ...errors } } }, async (_request, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="season-${role().config.season}.csv"`).send(role().csv()),
  );
  app.get('/api/season/report', { config: READ, schema: { tags, summary: 'The printable end-of-phase report (HTML for A4)', querystring: ReportQuery, response: { 200: Type.String(), ...errors } } }, async (request, reply) => {
    const q = request.query as Static<typeof ReportQuery>;
    return reply.type('text/html; charset=utf-8').send(role().report(q.phase, q.lang));
  });
  app.post(
    '/api/season/checklist/:substation/:phase',
    { config: TICK, schema: { tags, summary: 'An engineer ticks a phase data cannot judge (inspection, 检修), with a note', params: TickParams, body: TickBody, response: { 200: CheckSchema, ...errors } } },
    async (request) => {
      const p = request.params as Static<typeof TickParams>;
      const b = request.body as Static<typeof TickBody>;
      const before = role().checks(p.substation).find((c) => c.phase === p.phase)?.state ?? null;
      const after = role().tick(p.substation, p.phase, b.state, principalOf(request).name, b.note);
      request.auditValues = { oldValue: before, newValue: `${after.state}: ${b.note.slice(0, 200)}` };
      return after;
    },
  );
};
