import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditInput } from '../../model/audit.ts';
import { HeatScadaError } from '../../model/errors.ts';
import { ALL_ROLES, type Principal, type Role } from '../../model/security.ts';
import { ErrorBody } from '../routes/schemas.ts';
import type { Auth } from './auth.ts';
import { bearerToken, principalOf } from './guard.ts';
import type { LoginAttempt } from './login-throttle.ts';
import { clearRefreshCookie, refreshCookie, setRefreshCookie } from './refresh-cookie.ts';
import { withCrew, type UserInfo } from './user-store.ts';

// /api/auth: sign in (rate-limited), refresh (rotating the cookie), sign out, who am I. Every
// sign-in (right or wrong), refresh and sign-out is audited. Refresh and sign-out, which the
// cookie alone opens, refuse a page of another origin (origin-check.ts).

const RoleSchema = Type.Unsafe<Role>({ type: 'string', enum: [...ALL_ROLES] });
export const Me = Type.Object({ name: Type.String(), role: RoleSchema, crew: Type.Optional(Type.String({ description: 'the crew of a crew member (alarms.crews[].id); only for the crew role' })) });
/** Who a principal is, as the API shows it: the crew only when it has one. */
const me = ({ name, role, crew }: Principal): Static<typeof Me> => ({ name, role, ...withCrew(crew) });
const LoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
const Tokens = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds the access token is valid' }),
  user: Me,
});
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody };

export const authRoutes: FastifyPluginAsync<{ auth: Auth }> = async (app, { auth }) => {
  const { users, accessTokens, refreshTokens, throttle, originCheck, trail } = auth;
  const audit = (request: FastifyRequest, entry: Omit<AuditInput, 'source' | 'target'>): void => {
    trail.append({ ...entry, source: request.ip, target: `user:${entry.actor}` });
  };
  /** The answer of a sign-in or refresh: a new access token, and the refresh cookie. */
  const signedIn = (request: FastifyRequest, reply: FastifyReply, user: UserInfo, refreshToken: string): Static<typeof Tokens> => {
    const session = users.session(user.name);
    if (!session) throw new HeatScadaError('HS_ERR_AUTH_REQUIRED', 'the user is disabled');
    setRefreshCookie(request, reply, refreshToken, refreshTokens.lifetimeS);
    return { accessToken: accessTokens.issue(session), tokenType: 'Bearer', expiresIn: accessTokens.lifetimeS, user: me(session) };
  };

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/api/auth/login',
    { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'Sign in: an access token, and the refresh cookie (hs_refresh)', security: [], body: LoginBody, response: { 200: Tokens, ...errors } } },
    async (request, reply) => {
      const { username, password } = request.body;
      let attempt: LoginAttempt;
      try {
        // Counted before the (slow) verification, so parallel guesses see each other.
        attempt = throttle.attempt(request.ip, username);
      } catch (e) {
        audit(request, { actor: username, action: 'auth.login', outcome: 'refused', detail: 'HS_ERR_AUTH_RATE' });
        throw e;
      }
      const user = await users.authenticate(username, password);
      if (!user) {
        audit(request, { actor: username, action: 'auth.login', outcome: 'failed', detail: 'HS_ERR_AUTH_FAILED' });
        throw new HeatScadaError('HS_ERR_AUTH_FAILED');
      }
      attempt.succeeded();
      audit(request, { actor: user.name, action: 'auth.login', outcome: 'ok' });
      return signedIn(request, reply, user, refreshTokens.issue(user.name));
    },
  );

  app.post(
    '/api/auth/refresh',
    { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'A new access token for the refresh cookie, which is replaced', security: [], response: { 200: Tokens, ...errors } } },
    async (request, reply) => {
      originCheck(request);
      const token = refreshCookie(request);
      if (!token) throw new HeatScadaError('HS_ERR_AUTH_REQUIRED', 'no refresh cookie');
      const rotated = refreshTokens.rotate(token);
      const user = users.get(rotated.user);
      if (!user || user.disabled) {
        refreshTokens.revokeUser(rotated.user);
        throw new HeatScadaError('HS_ERR_AUTH_REQUIRED', 'the user is disabled or removed');
      }
      audit(request, { actor: user.name, action: 'auth.refresh', outcome: 'ok' });
      return signedIn(request, reply, user, rotated.token);
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'Sign out: the refresh cookie and the access token are revoked', security: [], response: { 204: Type.Null(), 403: ErrorBody } } },
    async (request, reply) => {
      originCheck(request);
      const token = refreshCookie(request);
      const user = (token ? refreshTokens.revoke(token) : undefined) ?? request.principal?.name;
      // The access token in hand dies now too, not when it runs out.
      const bearer = bearerToken(request);
      if (bearer && request.principal) accessTokens.revoke(bearer);
      if (user) audit(request, { actor: user, action: 'auth.logout', outcome: 'ok' });
      clearRefreshCookie(request, reply);
      return reply.status(204).send();
    },
  );

  app.get('/api/auth/me', { config: { access: 'viewer' }, schema: { tags: ['auth'], summary: 'Who the access token stands for', response: { 200: Me, 401: ErrorBody } } }, async (request) => {
    return me(principalOf(request));
  });
};
