import type { FastifyRequest } from 'fastify';
import { HeatScadaError } from '../../model/errors.ts';

// POST /api/auth/refresh and /logout act on the refresh cookie alone. SameSite=Strict keeps it
// from other sites, but a site ignores the port: a page another program serves on the same host
// (http://scada-host:3000) would get the cookie sent along and could rotate the control room's
// refresh token (its next refresh then looks like a reuse and ends the session) or sign it out.
// Browsers send Origin with every POST, so these routes take a request only from the API's own
// origin (scheme and Host as the API sees them, X-Forwarded-* from trusted proxies included) or
// one listed in serve.auth.session_origins. A request without Origin comes from no web page
// (curl, a script): it cannot have been made by another page with the user's cookie, and passes.

/** Throws 403 HS_ERR_FORBIDDEN, path headers.origin, when a web page of a foreign origin sent the request. */
export type OriginCheck = (request: FastifyRequest) => void;

export function originCheck(sessionOrigins: readonly string[]): OriginCheck {
  const allowed = new Set(sessionOrigins.map((o) => o.toLowerCase()));
  return (request) => {
    const origin = request.headers.origin?.toLowerCase();
    if (origin === undefined || origin === `${request.protocol}://${request.host}`.toLowerCase() || allowed.has(origin)) return;
    throw new HeatScadaError('HS_ERR_FORBIDDEN', `a page of ${origin} may not use the sign-in cookie of this API`, 'headers.origin');
  };
}
