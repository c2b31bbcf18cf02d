import type Database from 'better-sqlite3';
import type { AuditTrail } from '../../model/audit.ts';
import { AccessTokens } from './access-tokens.ts';
import type { AuthChanged } from './auth-change.ts';
import { tokenAuthenticator, type Authenticator } from './guard.ts';
import { LoginThrottle, type ThrottleLimits } from './login-throttle.ts';
import { originCheck, type OriginCheck } from './origin-check.ts';
import { RefreshTokens } from './refresh-tokens.ts';
import { RevokedTokens } from './revoked-tokens.ts';
import { loadSigningKey } from './signing-key.ts';
import { UserStore } from './user-store.ts';

// The parts of authentication over one SQLite database (users, refresh tokens, signing key),
// made once by startApi and handed to the guard, the routes and socket.io.

export interface AuthOptions {
  /** Access token lifetime; default 900 s. */
  accessTokenS?: number;
  /** Refresh token (sign-in session) lifetime; default 12 h. */
  refreshTokenS?: number;
  throttle?: Partial<ThrottleLimits>;
  /** Origins besides the API's own whose pages may refresh and end a sign-in (serve.auth.session_origins). */
  sessionOrigins?: readonly string[];
  /** How often a live (socket.io) connection's token is checked for withdrawal; default 5 s. */
  liveRecheckMs?: number;
  /** The key file the nodes of a cluster share (serve.cluster.signing_key_file); the one beside the database by default. */
  signingKeyFile?: string;
  /** Told of every revocation and user change, for the other nodes of a cluster (api/cluster/auth-sync.ts). */
  changed?: AuthChanged;
  now?: () => number;
}

export interface Auth {
  users: UserStore;
  accessTokens: AccessTokens;
  /** The tokens withdrawn at logout, which the other nodes of a cluster add to. */
  revokedTokens: RevokedTokens;
  refreshTokens: RefreshTokens;
  throttle: LoginThrottle;
  /** Refuses a foreign web page at the routes the refresh cookie opens. */
  originCheck: OriginCheck;
  authenticator: Authenticator;
  trail: AuditTrail;
}

export const AUTH_DEFAULTS = { accessTokenS: 900, refreshTokenS: 12 * 3600, throttle: { perAddress: 20, perUser: 5, perUserTotal: 50, windowS: 900 }, liveRecheckMs: 5000 } as const;

export function createAuth(db: Database.Database, trail: AuditTrail, options: AuthOptions = {}): Auth {
  const now = options.now ?? Date.now;
  const users = new UserStore(db, now, options.changed);
  const revokedTokens = new RevokedTokens(db, now, options.changed);
  const accessTokens = new AccessTokens(loadSigningKey(db, options.signingKeyFile), options.accessTokenS ?? AUTH_DEFAULTS.accessTokenS, revokedTokens, now);
  return {
    users,
    accessTokens,
    revokedTokens,
    refreshTokens: new RefreshTokens(db, options.refreshTokenS ?? AUTH_DEFAULTS.refreshTokenS, (user) => users.withdrawTokens(user), now),
    throttle: new LoginThrottle({ ...AUTH_DEFAULTS.throttle, ...options.throttle }, now),
    originCheck: originCheck(options.sessionOrigins ?? []),
    authenticator: tokenAuthenticator(accessTokens, users),
    trail,
  };
}
