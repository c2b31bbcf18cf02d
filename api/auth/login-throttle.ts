import { HeatScadaError } from '../../model/errors.ts';

// Failed sign-ins are counted per client address and per user name over a window; past the
// limit, sign-in from that address (or for that name) is refused with HS_ERR_AUTH_RATE until
// the window ends. Counting failures (not requests) locks out a guesser without locking out a
// person who signs in often; counting per name too stops a guesser spread over addresses.
// (@fastify/rate-limit counts requests under one key per route, so it does not fit here.)

export interface ThrottleLimits {
  /** Failed sign-ins allowed from one address per window. */
  perAddress: number;
  /** Failed sign-ins allowed for one user name per window. */
  perUser: number;
  windowS: number;
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

  /** Throws HS_ERR_AUTH_RATE while the address or the name is locked out. */
  check(address: string, user: string): void {
    const wait = Math.max(this.lockedFor(`a:${address}`, this.limits.perAddress), this.lockedFor(`u:${user}`, this.limits.perUser));
    if (wait > 0) throw new HeatScadaError('HS_ERR_AUTH_RATE', `locked for ${wait} s more`);
  }

  failed(address: string, user: string): void {
    if (this.windows.size > MAX_KEYS) this.forgetEnded();
    for (const key of [`a:${address}`, `u:${user}`]) {
      const w = this.current(key);
      if (w) w.failures++;
      else this.windows.set(key, { failures: 1, endsAt: this.now() + this.limits.windowS * 1000 });
    }
  }

  /** A right password clears the name's count (the address keeps its own). */
  succeeded(user: string): void {
    this.windows.delete(`u:${user}`);
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
