import { HeatScadaError } from '../../model/errors.ts';

// Failed sign-ins are counted over a window per client address (over every name), per user
// name from one address, and per user name from everywhere. Past a limit, sign-in is refused
// with HS_ERR_AUTH_RATE until the window ends:
// - an address that failed perAddress times is locked for every name (a sprayer);
// - a name that failed perUser times from an address is locked for that address only, so
//   somebody guessing the admin's password cannot lock the control room out of it;
// - a name that failed perUserTotal times from anywhere is under attack from many addresses:
//   each address then gets a single try at it (a guesser needs an address per guess), while an
//   address that has not failed for it — the owner's — still gets in.
// An attempt is counted before the password is verified and taken back when it was right:
// parallel requests see each other, so no more than the limit ever reach Argon2.
// (@fastify/rate-limit counts requests under one key per route, so it does not fit here.)

export interface ThrottleLimits {
  /** Failed sign-ins allowed from one address per window, over every name. */
  perAddress: number;
  /** Failed sign-ins allowed for one user name from one address per window. */
  perUser: number;
  /** Failed sign-ins for one user name from every address per window before each address gets one try. */
  perUserTotal: number;
  windowS: number;
}

/** A sign-in attempt counted as failed until the caller says the password was right. */
export interface LoginAttempt {
  succeeded(): void;
}

/** Past this many counted keys, ended windows are swept (random names must not grow memory). */
const MAX_KEYS = 10_000;

interface Window {
  failures: number;
  endsAt: number;
}

export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts an attempt of `user` from `address`; throws HS_ERR_AUTH_RATE (counting nothing) while locked. */
  attempt(address: string, user: string): LoginAttempt {
    const keys = { address: `a:${address}`, pair: `p:${user}\n${address}`, user: `u:${user}` };
    const underAttack = this.lockedFor(keys.user, this.limits.perUserTotal) > 0;
    const wait = Math.max(this.lockedFor(keys.address, this.limits.perAddress), this.lockedFor(keys.pair, underAttack ? 1 : this.limits.perUser));
    if (wait > 0) throw new HeatScadaError('HS_ERR_AUTH_RATE', `locked for ${wait} s more`);
    if (this.windows.size > MAX_KEYS) this.forgetEnded();
    for (const key of Object.values(keys)) this.count(key);
    return {
      // A right password from an address clears that name's count there; the address and the
      // name's total only lose this attempt (their other failures were somebody's guesses).
      succeeded: () => {
        this.windows.delete(keys.pair);
        this.uncount(keys.address);
        this.uncount(keys.user);
      },
    };
  }

  private count(key: string): void {
    const w = this.current(key);
    if (w) w.failures++;
    else this.windows.set(key, { failures: 1, endsAt: this.now() + this.limits.windowS * 1000 });
  }

  private uncount(key: string): void {
    const w = this.current(key);
    if (w && --w.failures <= 0) this.windows.delete(key);
  }

  private forgetEnded(): void {
    const now = this.now();
    for (const [key, w] of this.windows) if (w.endsAt <= now) this.windows.delete(key);
  }

  private current(key: string): Window | undefined {
    const w = this.windows.get(key);
    if (w && w.endsAt <= this.now()) {
      this.windows.delete(key);
      return undefined;
    }
    return w;
  }

  /** Seconds until the key may try again; 0 when it may now. */
  private lockedFor(key: string, limit: number): number {
    const w = this.current(key);
    return w && w.failures >= limit ? Math.ceil((w.endsAt - this.now()) / 1000) : 0;
  }
}
