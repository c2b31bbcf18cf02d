import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { HeatScadaError } from '../../model/errors.ts';
import { TAGS } from '../../model/tags.ts';
import { knows, type ApiContext } from '../context.ts';
import { ErrorBody, LocationSchema, QualitySchema, StatusSchema, Value } from './schemas.ts';

// GET /api/substations/:id: every catalogue tag of one substation with its latest value.

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[^/+#]+$' }) });
const Substation = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String({ description: 'as people say it (zh)' })),
  name_en: Nullable(Type.String({ description: 'the English name, where the sites file gives one' })),
  location: Nullable(LocationSchema),
  status: StatusSchema,
  tags: Type.Array(
    Type.Object({
      tag: Type.String(),
      unit: Type.String(),
      kind: Type.String(),
      writable: Type.Boolean(),
      min: Type.Number(),
      max: Type.Number(),
      value: Nullable(Value),
      quality: Nullable(QualitySchema),
      ts: Nullable(Type.Number()),
      ageMs: Nullable(Type.Number()),
    }),
  ),
});
type SubstationBody = Static<typeof Substation>;

function substation(ctx: ApiContext, id: string, now: number): SubstationBody {
  const { table } = ctx.feed;
  const site = ctx.sites.get(id);
  return {
    id,
    name: site?.name ?? null,
    name_en: site?.name_en ?? null,
    location: site?.location ?? null,
    status: table.status(id, now),
    tags: TAGS.map((def) => {
      const v = table.value(id, def.name);
      return {
        tag: def.name,
        unit: def.unit,
        kind: def.kind,
        writable: def.writable,
        min: def.min,
        max: def.max,
        value: v?.value ?? null,
        quality: v?.quality ?? null,
        ts: v?.ts ?? null,
        ageMs: v ? now - v.ts : null,
      };
    }),
  };
}

export const substationRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get<{ Params: Static<typeof Params> }>(
    '/api/substations/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['substations'],
        summary: 'One substation: every catalogue tag with unit, range, latest value, quality and age',
        params: Params,
        response: { 200: Substation, 404: ErrorBody },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!knows(ctx, id)) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', undefined, 'params.id');
      return substation(ctx, id, Date.now());
    },
  );
};
