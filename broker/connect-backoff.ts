// Failed CONNECTs are throttled per remote address: each one costs the broker an Argon2 check
// (tens of ms and 19 MiB on the libuv pool), so a password guesser could otherwise keep the
// pool busy and the guesses cheap. After `freeFailures` failures in a row from one address,
// every further failure shuts that address out for a while, doubling up to `maxMs`; while shut
// out its CONNECTs are refused before any check. A success from the address starts it afresh.

export interface ConnectBackoffOptions {
  /** Failures in a row an address may have before it waits. */
  freeFailures: number;
  /** The first wait, ms; each further failure doubles it. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_CONNECT_BACKOFF: ConnectBackoffOptions = { freeFailures: 5, baseMs: 1000, maxMs: 60_000 };

/** Addresses remembered at most; the one failed longest ago goes first (a flood of addresses cannot grow the map). */
const MAX_ADDRESSES = 10_000;

interface Failures {
  count: number;
  /** ms: refused without a check until then. */
  until: number;
}

export class ConnectBackoff {
  private readonly byAddress = new Map<string, Failures>();

  constructor(
    private readonly options: ConnectBackoffOptions = DEFAULT_CONNECT_BACKOFF,
    private readonly now: () => number = Date.now,
  ) {}

  /** ms the address must still wait before its CONNECT is checked; 0 when it may try now. */
  waitMs(address: string | undefined): number {
    const failures = address === undefined ? undefined : this.byAddress.get(address);
    return failures === undefined ? 0 : Math.max(0, failures.until - this.now());
  }

  failed(address: string | undefined): void {
    if (address === undefined) return;
    const failures = this.byAddress.get(address) ?? { count: 0, until: 0 };
    failures.count++;
    const over = failures.count - this.options.freeFailures;
    if (over > 0) failures.until = this.now() + Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(over - 1, 30));
    // Re-inserted: the map's order is then the order of the last failure.
    this.byAddress.delete(address);
    this.byAddress.set(address, failures);
    if (this.byAddress.size > MAX_ADDRESSES) this.byAddress.delete(this.byAddress.keys().next().value as string);
  }

  succeeded(address: string | undefined): void {
    if (address !== undefined) this.byAddress.delete(address);
  }
}
