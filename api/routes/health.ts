import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Controller, LoopMode } from '../../control/controller.ts';
import { statusCounts, type ApiContext } from '../context.ts';

// GET /api/health (for load balancers and the UI's banner) and GET /metrics (Prometheus).

const STORE_PROBE_TIMEOUT_MS = 2000;

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  mqtt: Type.Boolean({ description: 'the live feed is subscribed to the broker' }),
  store: Type.Boolean({ description: 'the store answered a query' }),
  uptimeS: Type.Number(),
  timeZone: Type.String({ description: 'the IANA zone people see every time in (display.time_zone); stored times are UTC' }),
  plant: Type.Optional(
    Type.Object(
      {
        kind: Type.Union([Type.Literal('simulator'), Type.Literal('plc')], { description: "the all-in-one's own simulated plant, or real PLCs" }),
        balancing: Type.Union(['auto', 'advisory', 'manual', 'mixed', 'off'].map((m) => Type.Literal(m)), { description: "the balancing loop's mode: mixed when substations differ, off without a loop" }),
      },
      { description: 'what the process steers, where it knows: the first screen says it' },
    ),
  ),
});

/** What the process steers: the all-in-one knows its plant is simulated. */
export interface PlantInfo {
  kind: 'simulator' | 'plc';
  /** The loop's start mode, shown until it has seen a substation. */
  startMode: LoopMode;
}

function balancing(control: Controller | undefined, startMode: LoopMode): LoopMode | 'mixed' | 'off' {
  if (!control) return 'off';
  if (control.global) return control.global;
  const modes = new Set(control.views().map((v) => v.mode));
  if (modes.size === 0) return startMode;
  return modes.size === 1 ? [...modes][0] : 'mixed';
}

async function storeAnswers(ctx: ApiContext): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STORE_PROBE_TIMEOUT_MS)));
  const probe = ctx.store.statuses().then(
    () => true,
    () => false,
  );
  const ok = await Promise.race([probe, timeout]);
  clearTimeout(timer);
  return ok;
}

export const healthRoutes: FastifyPluginAsync<{ ctx: ApiContext; plant?: PlantInfo; control?: Controller; displayZone: string }> = async (app, { ctx, plant, control, displayZone }) => {
  app.get('/api/health', { config: { access: 'public' }, schema: { tags: ['health'], summary: 'Is the API connected to the broker and the store', security: [], response: { 200: Health } } }, async () => {
    const mqtt = ctx.feed.connected();
    const store = await storeAnswers(ctx);
    return {
      status: mqtt && store ? 'ok' : 'degraded',
      mqtt,
      store,
      uptimeS: Math.round((Date.now() - ctx.startedAt) / 1000),
      timeZone: displayZone,
      ...(plant ? { plant: { kind: plant.kind, balancing: balancing(control, plant.startMode) } } : {}),
    } as const;
  });
  app.get(
    '/metrics',
    // A viewer may read it; Prometheus cannot sign in, so the scrape token opens it too.
    { config: { access: 'viewer', scrape: true }, schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'], response: { 200: { type: 'string' } } } },
    async (_request, reply) => {
      const now = Date.now();
      const text = ctx.http.render({
        liveClients: ctx.liveClients(),
        mqttConnected: ctx.feed.connected(),
        mqttMessages: ctx.feed.stats().messages,
        pointsPushed: ctx.pointsPushed(),
        substations: statusCounts(ctx, now),
        uptimeS: Math.round((now - ctx.startedAt) / 1000),
      });
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
    },
  );
};
