import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

// OpenAPI 3 from the route schemas (/api/openapi.json) and Swagger UI (/api/docs), whose assets
// come from the installed package: nothing is fetched from the internet.

/** Registered before the routes: @fastify/swagger collects them as they are added. */
export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'HeatSCADA API', version, description: 'District heating SCADA: network, substations, history, health. Live push: socket.io at /socket.io (api/README.md). Sign in with POST /api/auth/login and send the access token as a Bearer token.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
