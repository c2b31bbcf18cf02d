import { Readable } from 'node:stream';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AlarmService } from '../../alarms/alarms.ts';
import { HeatScadaError } from '../../model/errors.ts';
import type { Principal } from '../../model/security.ts';
import type { Complaint } from '../../model/service.ts';
import { formatOf, IMPORT_FORMATS } from '../../service/import/read-table.ts';
import { importFile, mappingNamed } from '../../service/import/import-file.ts';
import type { ServiceRole } from '../../service/start.ts';
import type { ApiContext } from '../context.ts';
import { principalOf } from '../auth/guard.ts';
import { parseTime } from './history.ts';
import { ErrorBody } from './schemas.ts';
import { complaintCsv, complaintForRole, kpiCsv, scopeOf } from './service-views.ts';
import {
  AddressBookQuery,
  BuildingSchema,
  ComplaintInputBody,
  ComplaintSchema,
  ContextSchema,
  DispatchBody,
  FollowUpBody,
  ImportErrorBody,
  ImportQuery,
  ImportResultSchema,
  KpiQuery,
  KpiSchema,
  ListQuery,
  OnSiteBody,
  Params,
  ResolveBody,
} from './service-schemas.ts';

// /api/service: the residents' service. Complaints (list newest first, as JSON or CSV; one; the
// telemetry beside one), the hotline's intake and its steps (dispatch, follow-up, close), the
// crew's (on site with the measured room, resolved), the 12345 import, the regulators' KPIs and
// the address book's completion. Phone numbers are masked for every role but the hotline, in
// JSON and CSV alike; a crew member sees its own crew's complaints only. Every change is made by
// the signed-in person and appended to the audit trail by the service itself (complaint.change);
// an import is audited here too, as the one request it is. 503 HS_ERR_SERVICE_OFF without the role.

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
const READ = { access: 'viewer' } as const;
const HOTLINE = { access: 'hotline' } as const;
/**
 * On site and resolved: the crew's (the handler holds a crew member to its own crew's orders) and
 * the admin's. Declared as the crew's, so the route table says truthfully that no plant role below
 * the admin may record a measurement; an operator standing in for a crew would need the guard to
 * take more than one role.
 */
const CREW_STEP = { access: 'crew' } as const;
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** A season's export of a large city's tickets: 200,000 rows of CSV are about 22 MB. */
const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;
const CSV_PAGE = 500;
const RECENT_MS = 24 * 3_600_000;
const tags = ['service'];

type List = Static<typeof ListQuery>;

export interface ServiceRouteOptions {
  service: ServiceRole | undefined;
  ctx: ApiContext;
  alarms: AlarmService | undefined;
}

export const serviceRoutes: FastifyPluginAsync<ServiceRouteOptions> = async (app, { service, ctx, alarms }) => {
  app.addHook('onRequest', async () => {
    if (service === undefined) throw new HeatScadaError('HS_ERR_SERVICE_OFF');
  });
  // The onRequest hook has answered 503 when the role does not run.
  const svc = (): ServiceRole => service!;
  // The file is the body: its bytes, checked by the import (this plugin only).
  app.addContentTypeParser(['text/csv', XLSX_TYPE], { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));

  /** The complaint, if the caller may see it: a crew member only its own crew's (403 otherwise). */
  const visible = (request: FastifyRequest, id: number): Complaint => {
    // 404 HS_ERR_NOT_FOUND when there is none.
    const complaint = svc().complaints.get(id);
    const scope = scopeOf(principalOf(request));
    if (scope.crew !== undefined && complaint.crew !== scope.crew) throw new HeatScadaError('HS_ERR_FORBIDDEN', `complaint ${id} is not an order of crew ${scope.crew}`, 'params.id');
    return complaint;
  };
  /** A crew member moves its own crew's orders only (the guard lets the crew role and the admin in). */
  const crewOfOrder = (who: Principal, complaint: Complaint): void => {
    if (who.role !== 'crew' || (who.crew !== undefined && who.crew === complaint.crew)) return;
    throw new HeatScadaError('HS_ERR_FORBIDDEN', `this is an order of crew ${complaint.crew ?? '(none yet: dispatch it first)'}`, 'params.id');
  };
  const shown = (request: FastifyRequest, c: Complaint) => complaintForRole(c, principalOf(request).role);

  app.get(
    '/api/service/complaints',
    { config: READ, schema: { tags, summary: 'Complaints, newest first (every channel, proactive ones too); format=csv gives every match', querystring: ListQuery, response: { 200: Type.Union([Type.Array(ComplaintSchema), Type.String()]), ...errors } } },
    async (request, reply) => {
      const { format, ...q } = request.query as List;
      const scope = scopeOf(principalOf(request));
      if (scope.crew !== undefined && q.crew !== undefined && q.crew !== scope.crew) throw new HeatScadaError('HS_ERR_FORBIDDEN', `a crew member sees the complaints of crew ${scope.crew} only`, 'querystring.crew');
      const filter = scope.crew === undefined ? q : { ...q, crew: scope.crew };
      if (format === 'json') return svc().complaints.list(filter).map((c) => shown(request, c));
      const role = principalOf(request).role;
      const pages = function* () {
        let before = filter.before;
        for (;;) {
          const page = svc().complaints.list({ ...filter, limit: CSV_PAGE, ...(before === undefined ? {} : { before }) });
          yield page;
          if (page.length < CSV_PAGE) return;
          before = page[page.length - 1].id;
        }
      };
      const name = `complaints-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(Readable.from(complaintCsv(pages(), role)));
    },
  );

  app.post('/api/service/complaints', { config: HOTLINE, schema: { tags, summary: 'Take a complaint (hotline): the address book finds its substation', body: ComplaintInputBody, response: { 200: ComplaintSchema, ...errors } } }, async (request) =>
    shown(request, svc().complaints.create(request.body as Static<typeof ComplaintInputBody>, principalOf(request).name)),
  );

  app.get('/api/service/complaints/:id', { config: READ, schema: { tags, summary: 'One complaint', params: Params, response: { 200: ComplaintSchema, ...errors } } }, async (request) =>
    shown(request, visible(request, (request.params as Static<typeof Params>).id)),
  );

  app.get(
    '/api/service/complaints/:id/context',
    { config: READ, schema: { tags, summary: "The telemetry beside a complaint: its substation's live state, standing alarms and open orders there, other complaints from it in the last 24 h", params: Params, response: { 200: ContextSchema, ...errors } } },
    async (request) => {
      const complaint = visible(request, (request.params as Static<typeof Params>).id);
      const id = complaint.substation;
      const now = svc().now();
      const points = ctx.feed.table.points(id);
      const name = ctx.sites.get(id)?.name;
      const scope = scopeOf(principalOf(request));
      const recent = svc()
        .complaints.list({ substation: id, limit: 500, ...(scope.crew === undefined ? {} : { crew: scope.crew }) })
        .filter((c) => c.id !== complaint.id && c.receivedAt >= now - RECENT_MS);
      return {
        substation: {
          id,
          ...(name === undefined ? {} : { name }),
          status: ctx.feed.table.status(id, now),
          values: Object.fromEntries(points.map((p) => [p.tag, p.value])),
          at: points.length === 0 ? null : Math.max(...points.map((p) => p.ts)),
        },
        alarms: alarms ? alarms.alarms.query({ current: true, substation: id }) : [],
        orders: alarms ? alarms.workOrders.list({ substation: id, open: true }) : [],
        recent: recent.map((c) => shown(request, c)),
      };
    },
  );

  app.post('/api/service/complaints/:id/dispatch', { config: HOTLINE, schema: { tags, summary: "Dispatch (hotline): opens or joins a work order for the substation's crew", params: Params, body: DispatchBody, response: { 200: ComplaintSchema, ...errors } } }, async (request) => {
    const { id } = request.params as Static<typeof Params>;
    return shown(request, svc().complaints.dispatch(id, principalOf(request).name, (request.body as Static<typeof DispatchBody>).note));
  });

  /** A step only the crew of the complaint's order (or an admin) may take: the complaint is looked up, its crew checked, then `act` runs. */
  const crewStep = <B extends TSchema>(step: string, summary: string, body: B, act: (id: number, b: Static<B>, actor: string) => Complaint) =>
    app.post(`/api/service/complaints/:id/${step}`, { config: CREW_STEP, schema: { tags, summary, params: Params, body, response: { 200: ComplaintSchema, ...errors } } }, async (request) => {
      const complaint = visible(request, (request.params as Static<typeof Params>).id);
      crewOfOrder(principalOf(request), complaint);
      return shown(request, act(complaint.id, request.body as Static<B>, principalOf(request).name));
    });

  crewStep('on-site', 'On site (the crew of the order): the measured room temperature, its time and instrument', OnSiteBody, (id, b, actor) =>
    svc().complaints.onSite(id, { tempC: b.tempC, instrument: b.instrument, ...(b.at === undefined ? {} : { at: b.at }) }, actor),
  );
  crewStep('resolve', 'Resolved (the crew of the order): the fix, or null when nothing was fixed', ResolveBody, (id, b, actor) =>
    svc().complaints.resolve(id, { fix: b.fix, ...(b.note === undefined ? {} : { note: b.note }) }, actor),
  );

  app.post(
    '/api/service/complaints/:id/follow-up',
    { config: HOTLINE, schema: { tags, summary: 'The follow-up call (回访, hotline): reached or not, satisfied or not, the resident\'s words', params: Params, body: FollowUpBody, response: { 200: ComplaintSchema, ...errors } } },
    async (request) => {
      const { id } = request.params as Static<typeof Params>;
      const b = request.body as Static<typeof FollowUpBody>;
      if (!b.reached && b.satisfied !== null) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'a resident who was not reached cannot be satisfied or not: send null', 'body.satisfied');
      if (b.reached && b.satisfied === null) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'a resident reached was satisfied or not: send true or false', 'body.satisfied');
      return shown(request, svc().complaints.followUp(id, { at: svc().now(), reached: b.reached, satisfied: b.satisfied, words: b.words }, principalOf(request).name));
    },
  );

  app.post('/api/service/complaints/:id/close', { config: HOTLINE, schema: { tags, summary: 'Close (hotline); flagged when it may be a false closure', params: Params, response: { 200: ComplaintSchema, ...errors } } }, async (request) =>
    shown(request, svc().complaints.close((request.params as Static<typeof Params>).id, principalOf(request).name)),
  );

  const importConfig = {
    access: 'hotline',
    audit: { action: 'complaint.change', target: (r: FastifyRequest) => `import:${(r.query as Partial<Static<typeof ImportQuery>>).mapping ?? '12345'}` },
  } as const;
  app.post(
    '/api/service/import',
    {
      config: importConfig,
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags,
        summary: "Import a channel's ticket export (hotline): the file is the body, text/csv or XLSX; all rows or none",
        querystring: ImportQuery,
        consumes: ['text/csv', XLSX_TYPE],
        response: { 200: ImportResultSchema, 400: ImportErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const { mapping } = request.query as Static<typeof ImportQuery>;
      const format = formatOf(request.headers['content-type'] ?? '');
      if (format === undefined || !Buffer.isBuffer(request.body)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `send the file as ${IMPORT_FORMATS.join(' or ')}: content-type text/csv or ${XLSX_TYPE}`, 'headers.content-type');
      const role = svc();
      const result = await importFile(request.body, format, {
        mapping: mappingNamed(role.config, mapping, 'querystring.mapping'),
        addressBook: role.addressBook,
        complaints: role.complaints,
        zone: role.config.display_zone,
        actor: principalOf(request).name,
      });
      request.auditValues = { newValue: `${result.imported} imported, ${result.duplicates} duplicates of ${result.rows} rows` };
      return { imported: result.imported, duplicates: result.duplicates };
    },
  );

  app.get(
    '/api/service/kpis',
    { config: READ, schema: { tags, summary: "The regulators' figures per company, area, crew, community, day or season, of the complaints received in [from, to)", querystring: KpiQuery, response: { 200: Type.Union([Type.Array(KpiSchema), Type.String()]), ...errors } } },
    async (request, reply) => {
      const q = request.query as Static<typeof KpiQuery>;
      const rows = svc().kpis({ by: q.by, ...(q.from === undefined ? {} : { from: parseTime(q.from, 'querystring.from') }), ...(q.to === undefined ? {} : { to: parseTime(q.to, 'querystring.to') }) });
      if (q.format === 'json') return rows;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="service-kpis-${q.by}.csv"`).send(kpiCsv(q.by, rows));
    },
  );

  app.get(
    '/api/service/address-book',
    { config: READ, schema: { tags, summary: "Buildings of the address book matching q (community or building), at most 50: the intake form's completion", querystring: AddressBookQuery, response: { 200: Type.Array(BuildingSchema), ...errors } } },
    async (request) => svc().addressBook.search((request.query as Static<typeof AddressBookQuery>).q),
  );
};
