import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { HeatScadaError } from '../../model/errors.ts';
import { isRole, roleAllows, type Access, type Principal } from '../../model/security.ts';
import type { AccessTokens } from './access-tokens.ts';
import { withCrew, type UserStore } from './user-store.ts';

// Every route declares who may call it (`config: { access }`); a route that does not makes the
// API refuse to start, so nothing can be forgotten. Before a handler runs, the caller's bearer
// token is checked (401) and their role compared (403); the handler finds them in
// request.principal.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: 'public' or the smallest role (model/security.ts). */
    access?: Access;
    /** The scrape token (serve.auth.metrics_token_env) also opens this route, as a viewer. */
    scrape?: boolean;
  }
  interface FastifyRequest {
    /** The caller, for every route that is not public (and for a public one given a valid token). */
    principal: Principal | undefined;
  }
}

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

export interface Authenticator {
  /** The principal a bearer token stands for; 401 HS_ERR_AUTH_REQUIRED or HS_ERR_AUTH_EXPIRED otherwise. */
  principal(token: string | undefined): Principal;
  /** When a token principal() accepts runs out, ms UTC: a connection that outlives a request (socket.io) ends then. */
  expiresAt(token: string): number;
}

/** Routes added by plugins, which cannot declare access themselves: all public by nature. */
const PLUGIN_ROUTES: { method: string; url: RegExp; why: string }[] = [
  { method: 'GET', url: /^\/api\/docs(\/|$)/, why: 'Swagger UI and its assets (the document is public too)' },
  { method: 'HEAD', url: /^\/api\/docs(\/|$)/, why: 'Swagger UI' },
  { method: 'GET', url: /^\/\*$/, why: 'the built web app: its login page must load before login' },
  { method: 'HEAD', url: /^\/\*$/, why: 'the built web app' },
  { method: 'OPTIONS', url: /^\*$/, why: 'CORS preflight' },
];

const SCRAPER: Principal = { name: 'metrics-scraper', role: 'viewer' };

export function tokenAuthenticator(tokens: AccessTokens, users: UserStore): Authenticator {
  return {
    principal(token) {
      if (!token) throw new HeatScadaError('HS_ERR_AUTH_REQUIRED');
      const claims = tokens.verify(token);
      const session = users.session(claims.sub);
      if (!session || session.generation !== claims.gen) throw new HeatScadaError('HS_ERR_AUTH_REQUIRED', 'the token was withdrawn (user changed, disabled or removed)');
      return { name: session.name, role: session.role, ...withCrew(session.crew) };
    },
    expiresAt: (token) => tokens.verify(token).exp * 1000,
  };
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** The caller of a route that is not public (the guard has answered 401 otherwise). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HeatScadaError('HS_ERR_AUTH_REQUIRED');
  return request.principal;
}

function declaredAccess(route: RouteOptions): Access {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const access = route.config?.access;
  if (access !== undefined) {
    if (access !== 'public' && !isRole(access)) throw new HeatScadaError('HS_ERR_INTERNAL', `access must be 'public' or a role, not ${String(access)}`, `${methods.join(',')} ${route.url}`);
    return access;
  }
  if (methods.every((m) => PLUGIN_ROUTES.some((p) => p.method === m && p.url.test(route.url)))) return 'public';
  throw new HeatScadaError('HS_ERR_INTERNAL', 'the route declares no config.access', `${methods.join(',')} ${route.url}`);
}

/**
 * Installs the guard on the root instance, before any route is added. Returns the route table
 * as it fills (method, url, access of every route), for tests and the docs.
 */
export function installGuard(app: FastifyInstance, auth: Authenticator, scrapeToken?: string): RouteAccess[] {
  const scraper = scrapeToken === undefined ? undefined : Buffer.from(scrapeToken);
  const isScraper = (token: string | undefined): boolean => {
    const given = token === undefined ? undefined : Buffer.from(token);
    return scraper !== undefined && given !== undefined && given.length === scraper.length && timingSafeEqual(given, scraper);
  };
  const table: RouteAccess[] = [];
  app.decorateRequest('principal', undefined);
  app.addHook('onRoute', (route) => {
    const access = declaredAccess(route);
    route.config = { ...route.config, access };
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) table.push({ method, url: route.url, access });
  });
  // A root hook, so it runs before any plugin's own (an alarm route's 503 must not answer a
  // caller without a token); callback style, as it runs for every request.
  app.addHook('onRequest', (request, _reply, done) => {
    // Undefined only for the not-found handler: a 404 or the web app's index.html.
    const { access = 'public', scrape } = request.routeOptions.config;
    const token = bearerToken(request);
    if (access === 'public') {
      // A public route still knows a signed-in caller (logout, audit); a bad token is ignored.
      if (token) request.principal = tryPrincipal(auth, token);
      done();
      return;
    }
    try {
      request.principal = scrape && isScraper(token) ? SCRAPER : auth.principal(token);
      if (!roleAllows(request.principal.role, access)) throw new HeatScadaError('HS_ERR_FORBIDDEN', `this needs the ${access} role`);
      done();
    } catch (e) {
      done(e as Error);
    }
  });
  return table;
}

function tryPrincipal(auth: Authenticator, token: string): Principal | undefined {
  try {
    return auth.principal(token);
  } catch {
    return undefined;
  }
}
