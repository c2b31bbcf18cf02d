import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { statusCounts, type ApiContext } from '../context.ts';

// GET /api/health (for load balancers and the UI's banner) and GET /metrics (Prometheus).

const STORE_PROBE_TIMEOUT_MS = 2000;

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  mqtt: Type.Boolean({ description: 'the live feed is subscribed to the broker' }),
  store: Type.Boolean({ description: 'the store answered a query' }),
  uptimeS: Type.Number(),
});

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

export const healthRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (app, { ctx }) => {
  app.get('/api/health', { config: { access: 'public' }, schema: { tags: ['health'], summary: 'Is the API connected to the broker and the store', security: [], response: { 200: Health } } }, async () => {
    const mqtt = ctx.feed.connected();
    const store = await storeAnswers(ctx);
    return { status: mqtt && store ? 'ok' : 'degraded', mqtt, store, uptimeS: Math.round((Date.now() - ctx.startedAt) / 1000) } as const;
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
