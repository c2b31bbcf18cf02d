import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { HeatScadaError } from '../../model/errors.ts';
import type { Aggregate, SeriesKey } from '../../model/store.ts';
import { isTagName, tagDefinition } from '../../model/tags.ts';
import type { ApiContext } from '../context.ts';
import { ErrorBody } from './schemas.ts';

// GET /api/history (JSON) and /api/history.csv: any tags over any range, downsampled on the
// server to about `points` buckets (the screen's width), with a step the store can roll up.

export const MAX_SERIES = 20;
export const MAX_RANGE_MS = 400 * 86_400_000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NICE_STEPS = [1, 2, 5, 10, 15, 30].map((s) => s * SECOND).concat([1, 2, 5, 10, 15, 30].map((m) => m * MINUTE), [1, 2, 3, 6, 12].map((h) => h * HOUR), [DAY]);

export const Query = Type.Object(
  {
    series: Type.String({ minLength: 3, maxLength: 4000, description: 'comma-separated substation:tag, e.g. S001:primary.supply_temp,S002:heat.power' }),
    from: Type.String({ minLength: 1, description: 'ms since the epoch or an ISO 8601 time' }),
    to: Type.String({ minLength: 1, description: 'ms since the epoch or an ISO 8601 time; after from' }),
    points: Type.Integer({ minimum: 10, maximum: 5000, default: 800, description: 'about how many buckets per series' }),
    agg: Type.Union([Type.Literal('avg'), Type.Literal('min'), Type.Literal('max'), Type.Literal('last')], { default: 'avg' }),
  },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof Query>;

const History = Type.Object({
  from: Type.Number(),
  to: Type.Number(),
  stepMs: Type.Number(),
  series: Type.Array(
    Type.Object({
      substation: Type.String(),
      tag: Type.String(),
      unit: Type.String(),
      points: Type.Array(Type.Tuple([Type.Number(), Type.Number()]), { description: '[bucket start ms, value]' }),
    }),
  ),
});
export type HistoryBody = Static<typeof History>;

/** The smallest round step (1 s, 2 s, 5 s … 1 d, then whole days) that gives at most `points` buckets. */
export function niceStep(rangeMs: number, points: number): number {
  const raw = Math.ceil(rangeMs / points);
  return NICE_STEPS.find((s) => s >= raw) ?? Math.ceil(raw / DAY) * DAY;
}

export function parseTime(text: string, path: string): number {
  const ms = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `not a time (ms since the epoch or ISO 8601): ${text}`, path);
  return ms;
}

export function parseSeries(text: string): SeriesKey[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length > MAX_SERIES) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `at most ${MAX_SERIES} series`, 'querystring.series');
  return items.map((item, i) => {
    const match = /^([^:/+#\s]+):([^:\s]+)$/.exec(item);
    const path = `querystring.series[${i}]`;
    if (!match) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `expected substation:tag, got "${item}"`, path);
    if (!isTagName(match[2])) throw new HeatScadaError('HS_ERR_UNKNOWN_TAG', match[2], path);
    return { substation: match[1], tag: match[2] };
  });
}

export interface HistoryRequest {
  series: SeriesKey[];
  from: number;
  to: number;
  stepMs: number;
  agg: Aggregate;
}

export function parseHistoryQuery(q: HistoryQuery): HistoryRequest {
  const series = parseSeries(q.series);
  const from = parseTime(q.from, 'querystring.from');
  const to = parseTime(q.to, 'querystring.to');
  if (from >= to) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'from must be before to', 'querystring.from');
  if (to - from > MAX_RANGE_MS) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `range longer than ${MAX_RANGE_MS / DAY} days`, 'querystring.to');
  return { series, from, to, stepMs: niceStep(to - from, q.points), agg: q.agg };
}

export async function queryHistory(ctx: ApiContext, request: HistoryRequest): Promise<HistoryBody> {
  const { series, from, to, stepMs, agg } = request;
  const ranges = await ctx.store.range({ series, from, to, stepMs, agg });
  return {
    from,
    to,
    stepMs,
    series: ranges.map((r) => ({
      substation: r.substation,
      tag: r.tag,
      unit: isTagName(r.tag) ? tagDefinition(r.tag).unit : '',
      points: r.points.map((p): [number, number] => [p.ts, p.value]),
    })),
  };
}

const csvCell = (text: string): string => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/** One row per bucket present in any series; an empty cell where a series has no value. */
export function historyCsv(body: HistoryBody): string {
  const header = ['ts', ...body.series.map((s) => `${s.substation}:${s.tag}${s.unit ? ` (${s.unit})` : ''}`)];
  const byTs = new Map<number, (number | undefined)[]>();
  body.series.forEach((s, column) => {
    for (const [ts, value] of s.points) {
      let row = byTs.get(ts);
      if (!row) byTs.set(ts, (row = new Array<number | undefined>(body.series.length)));
      row[column] = value;
    }
  });
  const lines = [header.map(csvCell).join(',')];
  for (const ts of [...byTs.keys()].sort((a, b) => a - b)) {
    const row = byTs.get(ts) ?? [];
    lines.push([new Date(ts).toISOString(), ...body.series.map((_, i) => (row[i] === undefined ? '' : String(row[i])))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const BAD = { 400: ErrorBody, 404: ErrorBody };

export const historyRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get<{ Querystring: HistoryQuery }>(
    '/api/history',
    { config: { access: 'viewer' }, schema: { tags: ['history'], summary: 'History of up to 20 series, downsampled to about `points` buckets', querystring: Query, response: { 200: History, ...BAD } } },
    async (request) => queryHistory(ctx, parseHistoryQuery(request.query)),
  );
  app.get<{ Querystring: HistoryQuery }>(
    '/api/history.csv',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['history'],
        summary: 'The same history as CSV: ts (ISO 8601) and one column per series with its unit',
        querystring: Query,
        produces: ['text/csv'],
        response: { 200: { description: 'text/csv', type: 'string' }, ...BAD },
      },
    },
    async (request, reply) => {
      const parsed = parseHistoryQuery(request.query);
      const csv = historyCsv(await queryHistory(ctx, parsed));
      const name = `heatscada-history-${new Date(parsed.from).toISOString().slice(0, 19).replace(/:/g, '')}.csv`;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(csv);
    },
  );
};
