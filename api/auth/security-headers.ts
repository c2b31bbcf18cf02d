import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

// Security headers on every answer (@fastify/helmet), with a Content-Security-Policy that lets
// the built web app and Swagger UI run from this origin only: their scripts are files (no
// inline script), styles may be inline (React style props, Swagger UI), images may be data:
// URLs, and socket.io connects back to the same origin. No upgrade-insecure-requests: a plant
// LAN may well serve plain HTTP, and the browser would then fetch nothing.

export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};

export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES }, global: true });
}
