import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AUDIT_ACTIONS, type AuditQuery, type AuditRecord, type AuditTrail } from '../../model/audit.ts';
import { csvCell } from './csv-cell.ts';
import { parseTime } from './history.ts';
import { ErrorBody } from './schemas.ts';

// The audit trail: GET /api/audit (search, newest first, paged with `before`), GET
// /api/audit.csv (every matching record, streamed) for engineers, and GET /api/audit/verify
// (walk the hash chain) for admins.

const PAGE = 1000;

const Filters = {
  from: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'ms since the epoch or an ISO 8601 time' })),
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'ms since the epoch or an ISO 8601 time' })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  action: Type.Optional(Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a)))),
  target: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "prefix: 'S001' finds every tag of S001" })),
  outcome: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('refused'), Type.Literal('failed')])),
};
const SearchQuery = Type.Object(
  {
    ...Filters,
    limit: Type.Integer({ minimum: 1, maximum: PAGE, default: 100 }),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'records with an id below this: the next page' })),
  },
  { additionalProperties: false },
);
const CsvQuery = Type.Object(Filters, { additionalProperties: false });
type Search = Static<typeof SearchQuery>;
type Csv = Static<typeof CsvQuery>;

const Text = Type.Union([Type.String(), Type.Null()]);
const RecordSchema = Type.Object({
  id: Type.Integer(),
  ts: Type.Number(),
  actor: Type.String(),
  source: Type.String(),
  action: Type.String(),
  target: Type.String(),
  oldValue: Text,
  newValue: Text,
  outcome: Type.String(),
  detail: Type.String(),
  prev: Type.String(),
  hash: Type.String(),
});
const Records = Type.Object({ records: Type.Array(RecordSchema) });
const ChainCheckSchema = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer(),
  brokenAt: Type.Optional(Type.Integer()),
  reason: Type.Optional(Type.String()),
});
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

/** The trail's query from the validated query string: times parsed, absent fields left out. */
function auditQuery(q: Csv & Partial<Pick<Search, 'limit' | 'before'>>): AuditQuery {
  const query: AuditQuery = {};
  if (q.from !== undefined) query.from = parseTime(q.from, 'querystring.from');
  if (q.to !== undefined) query.to = parseTime(q.to, 'querystring.to');
  if (q.actor !== undefined) query.actor = q.actor;
  if (q.action !== undefined) query.action = q.action;
  if (q.target !== undefined) query.target = q.target;
  if (q.outcome !== undefined) query.outcome = q.outcome;
  if (q.limit !== undefined) query.limit = q.limit;
  if (q.before !== undefined) query.before = q.before;
  return query;
}

const CSV_COLUMNS = ['id', 'ts', 'actor', 'source', 'action', 'target', 'oldValue', 'newValue', 'outcome', 'detail', 'prev', 'hash'] as const;
export const auditCsvRow = (r: AuditRecord): string => `${CSV_COLUMNS.map((c) => csvCell(c === 'ts' ? new Date(r.ts).toISOString() : r[c])).join(',')}\n`;

/** Every record matching the query, newest first, a page at a time so a long log is never held whole. */
export function* auditCsv(trail: AuditTrail, query: AuditQuery): Generator<string> {
  yield `${CSV_COLUMNS.join(',')}\n`;
  let before = query.before;
  for (;;) {
    const page = trail.search({ ...query, limit: PAGE, ...(before === undefined ? {} : { before }) });
    for (const record of page) yield auditCsvRow(record);
    if (page.length < PAGE) return;
    before = page[page.length - 1].id;
  }
}

export const auditRoutes: FastifyPluginAsync<{ trail: AuditTrail }> = async (app, { trail }) => {
  app.get<{ Querystring: Search }>(
    '/api/audit',
    {
      config: { access: 'engineer' },
      schema: { tags: ['audit'], summary: 'Search the audit trail, newest first; page back with `before` = the last id', querystring: SearchQuery, response: { 200: Records, ...errors } },
    },
    async (request) => ({ records: trail.search(auditQuery(request.query)) }),
  );
  app.get<{ Querystring: Csv }>(
    '/api/audit.csv',
    {
      config: { access: 'engineer' },
      schema: {
        tags: ['audit'],
        summary: 'Every matching audit record as CSV (ts ISO 8601), newest first',
        querystring: CsvQuery,
        produces: ['text/csv'],
        response: { 200: { description: 'text/csv', type: 'string' }, ...errors },
      },
    },
    async (request, reply) => {
      const query = auditQuery(request.query);
      const name = `heatscada-audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(Readable.from(auditCsv(trail, query)));
    },
  );
  app.get(
    '/api/audit/verify',
    {
      config: { access: 'admin' },
      schema: { tags: ['audit'], summary: 'Recompute the hash chain over the whole trail: ok, or the first record that does not match', response: { 200: ChainCheckSchema, ...errors } },
    },
    async () => trail.verify(),
  );
};
