import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TagName } from '../../model/tags.ts';
import { statusCounts, substationIds, type ApiContext } from '../context.ts';
import { OVERVIEW_TAGS } from '../live/latest-table.ts';
import { QualitySchema, StatusSchema, Value } from './schemas.ts';
import { NamedSiteFields, namedSite, Topology, topology } from './topology.ts';

// GET /api/network: every substation with its status and key values; GET /api/network/totals;
// GET /api/network/topology (topology.ts).

/** The overview row's tags plus what the network view adds. */
export const NETWORK_TAGS = [
  ...OVERVIEW_TAGS,
  'outdoor.temp',
  'primary.flow',
  'primary.valve_position',
  'pump.running',
  'power.ok',
  'pump.fault',
] as const satisfies readonly TagName[];

const LiveValueSchema = Type.Object({ value: Value, quality: QualitySchema, ts: Type.Number() });
const Totals = Type.Object({
  ts: Type.Number(),
  heatPowerKw: Type.Number({ description: 'sum of heat.power over substations not offline' }),
  outdoorC: Type.Union([Type.Number(), Type.Null()], { description: 'mean outdoor.temp over substations not offline; null when none reports' }),
  substations: Type.Integer(),
  online: Type.Integer(),
  offline: Type.Integer(),
  stale: Type.Integer(),
  alarm: Type.Integer(),
});
const Network = Type.Object({
  ts: Type.Number(),
  substations: Type.Array(
    Type.Object({
      ...NamedSiteFields,
      status: StatusSchema,
      values: Type.Record(Type.String(), LiveValueSchema),
    }),
  ),
  totals: Totals,
});
type NetworkBody = Static<typeof Network>;
type TotalsBody = Static<typeof Totals>;

export function networkTotals(ctx: ApiContext, now: number): TotalsBody {
  const { table } = ctx.feed;
  const ids = substationIds(ctx);
  let heatPowerKw = 0;
  let outdoorSum = 0;
  let outdoorN = 0;
  for (const id of ids) {
    if (table.status(id, now) === 'offline') continue;
    const heat = table.value(id, 'heat.power')?.value;
    if (typeof heat === 'number') heatPowerKw += heat;
    const outdoor = table.value(id, 'outdoor.temp')?.value;
    if (typeof outdoor === 'number') {
      outdoorSum += outdoor;
      outdoorN++;
    }
  }
  return { ts: now, heatPowerKw, outdoorC: outdoorN > 0 ? outdoorSum / outdoorN : null, substations: ids.length, ...statusCounts(ctx, now) };
}

function network(ctx: ApiContext, now: number): NetworkBody {
  const { table } = ctx.feed;
  const substations = substationIds(ctx).map((id) => {
    const values: NetworkBody['substations'][number]['values'] = {};
    for (const tag of NETWORK_TAGS) {
      const v = table.value(id, tag);
      if (v) values[tag] = v;
    }
    return { ...namedSite(id, ctx.sites.get(id)), status: table.status(id, now), values };
  });
  return { ts: now, substations, totals: networkTotals(ctx, now) };
}

export const networkRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get(
    '/api/network',
    { config: { access: 'viewer' }, schema: { tags: ['network'], summary: 'Every substation: status, location and latest key values', response: { 200: Network } } },
    async () => network(ctx, Date.now()),
  );
  app.get(
    '/api/network/totals',
    { config: { access: 'viewer' }, schema: { tags: ['network'], summary: 'Network totals: heat power, outdoor temperature, substations by status', response: { 200: Totals } } },
    async () => networkTotals(ctx, Date.now()),
  );
  app.get(
    '/api/network/topology',
    { config: { access: 'viewer' }, schema: { tags: ['network'], summary: 'The network as a picture needs it: source, junctions, substations with their pipes, places and names', response: { 200: Topology } } },
    async () => topology(ctx),
  );
};
