import { Type, type Static } from '@sinclair/typebox';
import { LocationSchema, PlaceNameSchema } from '../../model/topology.ts';
import { substationIds, type ApiContext, type Site } from '../context.ts';

// GET /api/network/topology: the network as a picture needs it — the source, the junctions and
// every substation with the pipe it hangs from, where each stands, and its names for search.
// Substations the data names but the description does not come without a parent or place.

const Pipe = { parent: Type.String(), diameter_mm: Type.Optional(Type.Number()) };

/** How a substation is named and placed, in every body that lists substations. */
export const NamedSiteFields = {
  id: Type.String(),
  name: Type.Optional(Type.String()),
  name_en: Type.Optional(Type.String()),
  initials: Type.Optional(Type.String({ description: 'pinyin initials of the name, lower case' })),
  location: Type.Optional(LocationSchema),
};

const NamedSite = Type.Object(NamedSiteFields);

/** A substation's names and place from the site list, the fields absent where it has none. */
export function namedSite(id: string, site: Site | undefined): Static<typeof NamedSite> {
  const { name, name_en, initials, location } = site ?? {};
  return { id, ...(name ? { name } : {}), ...(name_en ? { name_en } : {}), ...(initials ? { initials } : {}), ...(location ? { location } : {}) };
}

export const Topology = Type.Object({
  name: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.Object({ id: Type.String(), location: Type.Optional(LocationSchema) }), Type.Null()], { description: 'null when no network description is loaded' }),
  junctions: Type.Array(Type.Object({ id: Type.String(), ...Pipe, location: Type.Optional(LocationSchema) })),
  substations: Type.Array(
    Type.Object({
      ...NamedSiteFields,
      community: Type.Optional(PlaceNameSchema),
      area: Type.Optional(PlaceNameSchema),
      parent: Type.Optional(Type.String()),
      diameter_mm: Type.Optional(Type.Number()),
    }),
  ),
});
export type TopologyBody = Static<typeof Topology>;

export function topology(ctx: ApiContext): TopologyBody {
  const described = new Map(ctx.topology?.substations.map((s) => [s.id, s]));
  return {
    name: ctx.topology?.name ?? null,
    source: ctx.topology?.source ?? null,
    junctions: ctx.topology?.junctions ?? [],
    // The site list's names and places win: it merges the description with what the API was given.
    substations: substationIds(ctx).map((id) => ({ ...described.get(id), ...namedSite(id, ctx.sites.get(id)) })),
  };
}
