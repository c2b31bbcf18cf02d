import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { PRIORITIES } from '../../alarms/config-schema.ts';
import { kpiCsv, ORDER_STATES } from '../../alarms/work-orders.ts';
import { HeatScadaError } from '../../model/errors.ts';
import { principalOf } from '../auth/guard.ts';
import { requireEngine, type EngineRouteOptions } from './alarms.ts';
import { ErrorBody } from './schemas.ts';

// /api/work-orders: the crews' board, an order opened by hand from an alarm, its steps
// (assigned → en route → on site → resolved) with notes, and the KPIs per crew or area as JSON
// or CSV. Changes are made by the signed-in operator and audited. 503 HS_ERR_ALARMS_OFF without
// an engine.

const Enum = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const OrderSchema = Type.Object({
  id: Type.Integer(),
  alarmId: Nullable(Type.Integer()),
  alarm: Type.String(),
  substation: Type.String(),
  area: Nullable(Type.String()),
  priority: Enum(PRIORITIES),
  crew: Nullable(Type.String()),
  state: Enum(ORDER_STATES),
  openedAt: Type.Number(),
  enRouteAt: Nullable(Type.Number()),
  onSiteAt: Nullable(Type.Number()),
  resolvedAt: Nullable(Type.Number()),
  repeatOf: Nullable(Type.Integer()),
  notes: Type.Array(Type.Object({ ts: Type.Number(), actor: Type.String(), text: Type.String() })),
});
const KpiSchema = Type.Object({
  key: Type.String(),
  orders: Type.Integer(),
  open: Type.Integer(),
  repeats: Type.Integer(),
  medianToSiteMin: Nullable(Type.Number()),
  onSiteWithinTarget: Type.Integer(),
  medianToResolveMin: Nullable(Type.Number()),
});
const ListQuery = Type.Object({ state: Type.Optional(Enum(ORDER_STATES)), crew: Type.Optional(Type.String()), substation: Type.Optional(Type.String()), open: Type.Optional(Type.Boolean()) });
const Params = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const OpenBody = Type.Object({ alarmId: Type.Integer({ minimum: 1 }), note: Type.String({ maxLength: 2000, default: '' }) }, { additionalProperties: false });
const StateBody = Type.Object({ state: Enum(ORDER_STATES), note: Type.String({ maxLength: 2000, default: '' }) }, { additionalProperties: false });
const NoteBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
const KpiQuery = Type.Object({ by: Type.Union([Type.Literal('crew'), Type.Literal('area')], { default: 'crew' }), format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
const READ = { access: 'viewer' } as const;
const orderTarget = (request: FastifyRequest): string => `work_order:${(request.params as Static<typeof Params>).id}`;
const CHANGE = { access: 'operator', audit: { action: 'work_order.change', target: orderTarget } } as const;

export const workOrderRoutes: FastifyPluginAsync<EngineRouteOptions> = async (app, options) => {
  requireEngine(app, options);
  const { alarms } = options;
  // The onRequest hook has answered 503 when there is no engine.
  const orders = () => alarms!.workOrders;

  app.get('/api/work-orders', { config: READ, schema: { tags: ['work-orders'], summary: 'Work orders, newest first', querystring: ListQuery, response: { 200: Type.Array(OrderSchema), ...errors } } }, async (request) =>
    orders().list(request.query as Static<typeof ListQuery>),
  );
  const openConfig = { access: 'operator', audit: { action: 'work_order.change', target: (r: FastifyRequest) => `alarm:${(r.body as Static<typeof OpenBody>).alarmId}` } } as const;
  app.post('/api/work-orders', { config: openConfig, schema: { tags: ['work-orders'], summary: 'Open an order from an alarm, by hand', body: OpenBody, response: { 200: OrderSchema, ...errors } } }, async (request) => {
    const b = request.body as Static<typeof OpenBody>;
    const alarm = alarms!.alarms.get(b.alarmId);
    if (!alarm) throw new HeatScadaError('HS_ERR_NOT_FOUND', `no alarm ${b.alarmId}`, 'body.alarmId');
    const order = orders().open(alarm, principalOf(request).name, b.note);
    request.auditValues = { target: `work_order:${order.id}`, oldValue: null, newValue: order.state };
    return order;
  });
  app.get(
    '/api/work-orders/kpis',
    { config: READ, schema: { tags: ['work-orders'], summary: 'KPIs per crew or area: time to site (target 30 min), time to resolve, repeats, open', querystring: KpiQuery, response: { 200: Type.Union([Type.Array(KpiSchema), Type.String()]), ...errors } } },
    async (request, reply) => {
      const q = request.query as Static<typeof KpiQuery>;
      const rows = orders().kpis(q.by);
      if (q.format === 'json') return rows;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="work-order-kpis-${q.by}.csv"`).send(kpiCsv(q.by, rows));
    },
  );
  app.get('/api/work-orders/:id', { config: READ, schema: { tags: ['work-orders'], summary: 'One work order', params: Params, response: { 200: OrderSchema, ...errors } } }, async (request) =>
    orders().get((request.params as Static<typeof Params>).id),
  );
  app.post('/api/work-orders/:id/state', { config: CHANGE, schema: { tags: ['work-orders'], summary: 'Move an order on (en route, on site, resolved)', params: Params, body: StateBody, response: { 200: OrderSchema, ...errors } } }, async (request) => {
    const b = request.body as Static<typeof StateBody>;
    const { id } = request.params as Static<typeof Params>;
    const before = orders().get(id).state;
    const after = orders().advance(id, b.state, principalOf(request).name, b.note);
    request.auditValues = { oldValue: before, newValue: after.state };
    return after;
  });
  app.post('/api/work-orders/:id/notes', { config: CHANGE, schema: { tags: ['work-orders'], summary: 'Add a note', params: Params, body: NoteBody, response: { 200: OrderSchema, ...errors } } }, async (request) => {
    const b = request.body as Static<typeof NoteBody>;
    request.auditValues = { newValue: `note: ${b.text.slice(0, 200)}` };
    return orders().addNote((request.params as Static<typeof Params>).id, principalOf(request).name, b.text);
  });
};
