import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HeatScadaError } from '../../model/errors.ts';
import type { RevokedTokens } from './revoked-tokens.ts';
import type { Session } from './user-store.ts';

// Short-lived access tokens: compact JWTs (HS256) over node:crypto. They carry the user name and
// the user's token generation; the role is looked up at each request, so a role change or a
// disabled user takes effect at once, not when the token runs out.

export interface AccessClaims {
  sub: string;
  gen: number;
  iat: number;
  exp: number;
  /** Random: two sign-ins of one user in the same second get different tokens, so a logout withdraws only its own. */
  jti: string;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** Tokens whose signature is known good; cleared when full (a refill costs one HMAC per caller). */
const VERIFIED_CACHE = 10_000;

export class AccessTokens {
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    private readonly key: Buffer,
    /** Seconds a token is valid. */
    readonly lifetimeS: number,
    private readonly revoked: RevokedTokens,
    private readonly now: () => number = Date.now,
  ) {}

  issue(session: Session): string {
    const iat = Math.floor(this.now() / 1000);
    const claims: AccessClaims = { sub: session.name, gen: session.generation, iat, exp: iat + this.lifetimeS, jti: randomBytes(9).toString('base64url') };
    const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${body}.${this.sign(body)}`;
  }

  /** The claims of a token this API signed and that has not expired; HS_ERR_AUTH_REQUIRED or _EXPIRED otherwise. */
  verify(token: string): AccessClaims {
    const claims = this.verified.get(token) ?? this.checkSignature(token);
    if (this.now() >= claims.exp * 1000) throw new HeatScadaError('HS_ERR_AUTH_EXPIRED');
    if (this.revoked.has(token.slice(token.lastIndexOf('.') + 1))) throw new HeatScadaError('HS_ERR_AUTH_REQUIRED', 'the token was withdrawn at logout');
    return claims;
  }

  /**
   * Checks the signature and decodes the claims, remembering them: a caller sends the same
   * token on every request for its lifetime, and the HMAC is the dearest part of the check.
   * Expiry and revocation are checked at every use all the same.
   */
  private checkSignature(token: string): AccessClaims {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) throw new HeatScadaError('HS_ERR_AUTH_REQUIRED', 'malformed token');
    const given = Buffer.from(parts[2], 'base64url');
    const expected = Buffer.from(this.sign(`${parts[0]}.${parts[1]}`), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HeatScadaError('HS_ERR_AUTH_REQUIRED', 'bad token signature');
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as AccessClaims;
    if (this.verified.size >= VERIFIED_CACHE) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }

  /** Withdraws a valid token until it expires (logout); an invalid one needs nothing. */
  revoke(token: string): void {
    const claims = this.verify(token);
    this.revoked.add(token.split('.')[2], claims.exp * 1000);
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
