import type { FastifyReply, FastifyRequest } from 'fastify';

// The refresh token travels only in this cookie: HttpOnly (no script reads it), SameSite=Strict
// (no other site sends it), Path=/api/auth (no other route receives it), Secure over HTTPS.

export const REFRESH_COOKIE = 'hs_refresh';
const PATH = '/api/auth';

export function refreshCookie(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== REFRESH_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    // Our tokens are base64url: anything else is not one of ours.
    return /^[\w-]+$/.test(value) ? value : undefined;
  }
  return undefined;
}

function cookie(request: FastifyRequest, value: string, maxAgeS: number): string {
  return `${REFRESH_COOKIE}=${value}; Max-Age=${maxAgeS}; Path=${PATH}; HttpOnly; SameSite=Strict${request.protocol === 'https' ? '; Secure' : ''}`;
}

export function setRefreshCookie(request: FastifyRequest, reply: FastifyReply, token: string, lifetimeS: number): void {
  void reply.header('set-cookie', cookie(request, token, lifetimeS));
}

export function clearRefreshCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.header('set-cookie', cookie(request, '', 0));
}
