import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AlarmService } from '../../alarms/alarms.ts';
import { PRIORITIES } from '../../alarms/config-schema.ts';
import { ALARM_STATES } from '../../alarms/states.ts';
import { JOURNAL_EVENTS } from '../../alarms/alarm-store.ts';
import { HeatScadaError } from '../../model/errors.ts';
import type { AuditAction } from '../../model/audit.ts';
import { principalOf } from '../auth/guard.ts';
import { ErrorBody } from './schemas.ts';

// /api/alarms: the operator's list (current alarms, flood groups), one alarm with its journal,
// and the operator actions: acknowledge, shelve (with expiry), unshelve, out of service. Every
// action is taken by the signed-in operator (the journal and the audit trail name them) with a why. 503 HS_ERR_ALARMS_OFF without an engine.

const Enum = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const AlarmSchema = Type.Object({
  id: Type.Integer(),
  alarm: Type.String(),
  title: Type.Object({ en: Type.String(), zh: Type.String() }),
  substation: Type.String(),
  priority: Enum(PRIORITIES),
  state: Enum(ALARM_STATES),
  raisedAt: Type.Number(),
  returnedAt: Nullable(Type.Number()),
  ackedAt: Nullable(Type.Number()),
  ackedBy: Nullable(Type.String()),
  shelvedUntil: Nullable(Type.Number()),
  outOfService: Type.Boolean(),
  floodGroup: Nullable(Type.Integer()),
});
const JournalSchema = Type.Object({ ts: Type.Number(), event: Enum(JOURNAL_EVENTS), fromState: Enum(ALARM_STATES), toState: Enum(ALARM_STATES), actor: Type.String(), comment: Type.String() });
const FloodSchema = Type.Object({ id: Type.Integer(), startedAt: Type.Number(), endedAt: Nullable(Type.Number()), alarms: Type.Integer() });
const ListQuery = Type.Object({
  current: Type.Boolean({ default: true, description: 'only alarms not back to normal, shelved or out of service' }),
  substation: Type.Optional(Type.String({ maxLength: 64 })),
  priority: Type.Optional(Enum(PRIORITIES)),
  state: Type.Optional(Enum(ALARM_STATES)),
  limit: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
});
const Params = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Who = { comment: Type.String({ maxLength: 1000, default: '' }) };
const AckBody = Type.Object(Who, { additionalProperties: false });
const ShelveBody = Type.Object({ ...Who, minutes: Type.Number({ exclusiveMinimum: 0, maximum: 7 * 24 * 60 }) }, { additionalProperties: false });
const ServiceBody = Type.Object({ ...Who, outOfService: Type.Boolean() }, { additionalProperties: false });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };

type Alarm = Static<typeof AlarmSchema>;

/** Answers 503 HS_ERR_ALARMS_OFF from every route of a plugin when no engine runs. */
export function requireService<T>(service: T | undefined): asserts service is T {
  if (service === undefined) throw new HeatScadaError('HS_ERR_ALARMS_OFF');
}

/** The options of a plugin over the alarm engine: the engine in this process, or the handler that hands requests to the node of a cluster that runs it. */
export interface EngineRouteOptions {
  alarms: AlarmService | undefined;
  forward?: preHandlerAsyncHookHandler;
}

/** Every route of the plugin needs the engine: here, or on another node (forward), or 503. */
export function requireEngine(app: FastifyInstance, { alarms, forward }: EngineRouteOptions): void {
  if (alarms === undefined && forward) app.addHook('preHandler', forward);
  else app.addHook('onRequest', async () => requireService(alarms));
}

export const alarmRoutes: FastifyPluginAsync<EngineRouteOptions> = async (app, options) => {
  requireEngine(app, options);
  const { alarms } = options;
  // The onRequest hook has answered 503 when there is no engine.
  const svc = (): AlarmService => alarms!;
  const titled = (r: Omit<Alarm, 'title'>): Alarm => ({ ...r, title: svc().definitions.find((d) => d.id === r.alarm)?.title ?? { en: r.alarm, zh: r.alarm } });

  app.get(
    '/api/alarms',
    { config: { access: 'viewer' }, schema: { tags: ['alarms'], summary: 'Alarms, newest first, and the recent flood groups', querystring: ListQuery, response: { 200: Type.Object({ alarms: Type.Array(AlarmSchema), floods: Type.Array(FloodSchema), floodOn: Nullable(Type.Integer()) }), ...errors } } },
    async (request) => {
      const q = request.query as Static<typeof ListQuery>;
      return { alarms: svc().alarms.query(q).map(titled), floods: svc().alarms.floods(), floodOn: svc().engine.floodGroup };
    },
  );
  app.get(
    '/api/alarms/:id',
    { config: { access: 'viewer' }, schema: { tags: ['alarms'], summary: 'One alarm with its journal', params: Params, response: { 200: Type.Object({ alarm: AlarmSchema, journal: Type.Array(JournalSchema) }), ...errors } } },
    async (request) => {
      const { id } = request.params as Static<typeof Params>;
      const record = svc().alarms.get(id);
      if (!record) throw new HeatScadaError('HS_ERR_NOT_FOUND', `no alarm ${id}`, 'params.id');
      return { alarm: titled(record), journal: svc().alarms.journal(id) };
    },
  );
  const alarmTarget = (request: FastifyRequest): string => `alarm:${(request.params as Static<typeof Params>).id}`;
  /** An operator action on one alarm, audited with the state before and after. */
  const action = <B>(path: string, audit: AuditAction, summary: string, body: TSchema, run: (id: number, actor: string, b: B) => Omit<Alarm, 'title'>) =>
    app.post(
      path,
      { config: { access: 'operator', audit: { action: audit, target: alarmTarget } }, schema: { tags: ['alarms'], summary, params: Params, body, response: { 200: AlarmSchema, ...errors } } },
      async (request) => {
        const { id } = request.params as Static<typeof Params>;
        const before = svc().alarms.get(id)?.state ?? null;
        const after = run(id, principalOf(request).name, request.body as B);
        request.auditValues = { oldValue: before, newValue: after.state };
        return titled(after);
      },
    );
  action<Static<typeof AckBody>>('/api/alarms/:id/ack', 'alarm.ack', 'Acknowledge, with a comment', AckBody, (id, actor, b) => svc().engine.ack(id, actor, b.comment));
  action<Static<typeof ShelveBody>>('/api/alarms/:id/shelve', 'alarm.shelve', 'Shelve for some minutes', ShelveBody, (id, actor, b) => svc().engine.shelve(id, actor, b.comment, svc().engine.now() + b.minutes * 60_000));
  action<Static<typeof AckBody>>('/api/alarms/:id/unshelve', 'alarm.unshelve', 'Unshelve now', AckBody, (id, actor, b) => svc().engine.unshelve(id, actor, b.comment));
  action<Static<typeof ServiceBody>>('/api/alarms/:id/service', 'alarm.service', 'Take out of service, or back in', ServiceBody, (id, actor, b) => svc().engine.setOutOfService(id, b.outOfService, actor, b.comment));
};
