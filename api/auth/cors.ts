import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

// Cross-origin requests are closed by default: a page on another origin gets no CORS headers
// and the browser keeps the answer from it. Origins an operator lists (a separate web front
// end, say) are allowed, without cookies: the refresh cookie stays same-origin.

export async function registerCors(app: FastifyInstance, allowedOrigins: readonly string[]): Promise<void> {
  const allowed = new Set(allowedOrigins);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    credentials: false,
    maxAge: 600,
  });
}
