import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LeaseState, StandbyConfig } from '../model/standby.ts';

// Leadership of a hot-standby pair, held as a lease in Redis: no election of our own. Whoever
// sets the key (SET NX PX) is active and takes the next epoch (INCR, in the same script), which
// every command it sends carries so that an edge node can refuse a deposed leader's commands.
// The active one renews every ttl/3 (compare-and-pexpire) and stops writing at once when a
// renewal finds the key gone or another owner, or when it has not renewed for ttl minus a
// margin (Redis unreachable: by then the key may have lapsed and another taken it). A standby
// tries to take the key every poll, so it takes over within ttl + poll of a crash.

/** Takes the key when free (or still ours after a renewal we no longer trust), with a new epoch; else says who holds it. */
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  if redis.call('EXISTS', KEYS[2]) == 0 then
    local t = redis.call('TIME')
    redis.call('SET', KEYS[2], t[1] * 1000 + math.floor(t[2] / 1000))
  end
  return {1, ARGV[1], redis.call('INCR', KEYS[2])}
end
return {0, holder, tonumber(redis.call('GET', KEYS[2]) or '0')}
`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface LeaseOptions {
  redisUrl: string;
  /** The lease key; its epoch counter is `<key>:epoch`. */
  key: string;
  /** This instance's name; the owner written into the key is `<instanceId>/<random>`, new for every process. */
  instanceId: string;
  ttlMs: number;
  /** A standby's wait between attempts. */
  pollMs: number;
  logger: Logger;
}

export type LeaseListener = (state: LeaseState) => void;

/** The lease key of a role's pair: heatscada:lease:<role>:<group>, unless the configuration names one. */
export const leaseKey = (role: string, group: string, config: Pick<StandbyConfig, 'key'>): string => config.key ?? `heatscada:lease:${role}:${group}`;

export function leaseOptions(config: StandbyConfig, key: string, logger: Logger): LeaseOptions {
  return { redisUrl: config.redis_url, key, instanceId: config.instance_id, ttlMs: config.lease_ttl_s * 1000, pollMs: config.poll_s * 1000, logger };
}

export class Lease {
  /** Unique per process: a restarted instance is a new owner and takes a new epoch. */
  readonly owner: string;
  private readonly redis: Redis;
  private readonly log: Logger;
  private readonly listeners = new Set<LeaseListener>();
  private current: LeaseState = { role: 'standby', holder: null, epoch: null };
  /** While active: the wall time up to which the key is surely still ours. */
  private validUntil = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private unreachable = false;

  private constructor(private readonly options: LeaseOptions) {
    this.owner = `${options.instanceId}/${randomBytes(4).toString('hex')}`;
    this.log = options.logger.child({ lease: options.key, owner: this.owner });
    // No offline queue: a command while Redis is away fails at once instead of landing late.
    this.redis = new Redis(options.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: Math.max(100, Math.floor(options.ttlMs / 3)),
      retryStrategy: () => Math.min(options.pollMs, 1000),
      lazyConnect: true,
    });
    this.redis.on('error', (e: Error) => this.log.debug({ event: 'lease_redis_error', reason: e.message }, 'redis link error'));
  }

  /** Connects (or keeps trying in the background) and makes the first attempt; resolves once that attempt has an answer. */
  static async start(options: LeaseOptions): Promise<Lease> {
    const lease = new Lease(options);
    await lease.redis.connect().catch(() => undefined);
    await lease.tick();
    return lease;
  }

  get state(): LeaseState {
    return this.current;
  }

  /** Active and inside the renewed ttl: asked by the clock, so a process that was paused is not active for the moment before its deadline timer fires. */
  isActive(): boolean {
    return this.current.role === 'active' && Date.now() < this.validUntil;
  }

  /** The epoch to fence writes with while active; undefined on standby. */
  epoch(): number | undefined {
    return this.isActive() && this.current.role === 'active' ? this.current.epoch : undefined;
  }

  /** Hears every change of role (and of the holder seen while standing by); returns the unsubscribe. */
  listen(listener: LeaseListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Steps down and gives the lease back at once, so the standby need not wait out the ttl. */
  async stop(): Promise<void> {
    await this.halt();
    // Compare-and-delete: harmless when the key has meanwhile become another's.
    const held = this.current.role === 'active';
    this.set({ role: 'standby', holder: null, epoch: null });
    const released = held ? await this.redis.eval(RELEASE, 1, this.options.key, this.owner).catch(() => 0) : 0;
    if (released === 1) this.log.info({ event: 'lease_released' }, 'lease released');
    this.redis.disconnect();
  }

  /** As a crash: stops renewing and drops the link without a release; the key lapses after its ttl. */
  async abandon(): Promise<void> {
    await this.halt();
    this.redis.disconnect();
  }

  private async halt(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.tickTimer);
    clearTimeout(this.deadlineTimer);
    await this.ticking;
  }

  private tick(): Promise<void> {
    this.ticking = (this.current.role === 'active' ? this.renew() : this.acquire()).finally(() => {
      this.ticking = undefined;
      if (this.stopped) return;
      this.tickTimer = setTimeout(() => void this.tick(), this.current.role === 'active' ? this.options.ttlMs / 3 : this.options.pollMs);
    });
    return this.ticking;
  }

  private async acquire(): Promise<void> {
    const sentAt = Date.now();
    let reply: [number, string, number];
    try {
      reply = (await this.redis.eval(ACQUIRE, 2, this.options.key, `${this.options.key}:epoch`, this.owner, this.options.ttlMs)) as [number, string, number];
    } catch (e) {
      this.noRedis(e);
      return;
    }
    this.reachable();
    const [taken, holder, epoch] = reply;
    if (this.stopped) return;
    if (taken === 1) {
      this.armDeadline(sentAt);
      this.log.info({ event: 'lease_acquired', epoch, owner: this.owner, ttl_ms: this.options.ttlMs }, `lease acquired: active with epoch ${epoch}`);
      this.set({ role: 'active', epoch, owner: this.owner });
      return;
    }
    const seen = this.current.role === 'standby' ? this.current.holder : null;
    if (seen !== holder) {
      this.log.info({ event: 'standing_by', holder, epoch }, `standing by: ${holder || 'nobody'} holds the lease (epoch ${epoch})`);
      this.set({ role: 'standby', holder: holder || null, epoch: epoch || null });
    }
  }

  private async renew(): Promise<void> {
    const sentAt = Date.now();
    let renewed: number;
    try {
      renewed = (await this.redis.eval(RENEW, 1, this.options.key, this.owner, this.options.ttlMs)) as number;
    } catch (e) {
      // Still active until the deadline: a blip shorter than that changes nothing.
      this.noRedis(e);
      return;
    }
    this.reachable();
    if (this.current.role !== 'active' || this.stopped) return;
    if (renewed === 1) this.armDeadline(sentAt);
    else this.stepDown('the key lapsed or another instance holds it');
  }

  /** The key lives at least ttl from when the command left; trust it for ttl minus a margin for clock rates and transit. */
  private armDeadline(sentAt: number): void {
    clearTimeout(this.deadlineTimer);
    const marginMs = this.options.ttlMs / 5;
    this.validUntil = sentAt + this.options.ttlMs - marginMs;
    this.deadlineTimer = setTimeout(() => this.stepDown(`no renewal for ${this.options.ttlMs - marginMs} ms (Redis unreachable)`), sentAt + this.options.ttlMs - marginMs - Date.now());
  }

  private stepDown(reason: string): void {
    if (this.current.role !== 'active') return;
    clearTimeout(this.deadlineTimer);
    this.log.warn({ event: 'lease_lost', code: 'HS_ERR_LEASE_LOST', epoch: this.current.epoch, owner: this.owner, reason }, `lease lost: standing by (${reason})`);
    this.set({ role: 'standby', holder: null, epoch: this.current.epoch });
    // The next attempt comes at the standby's pace.
    clearTimeout(this.tickTimer);
    if (!this.stopped && !this.ticking) this.tickTimer = setTimeout(() => void this.tick(), this.options.pollMs);
  }

  private noRedis(e: unknown): void {
    if (this.unreachable) return;
    this.unreachable = true;
    this.log.warn({ event: 'lease_unreachable', code: 'HS_ERR_LEASE_LOST', reason: (e as Error).message, active: this.isActive() }, 'Redis does not answer the lease');
  }

  private reachable(): void {
    if (!this.unreachable) return;
    this.unreachable = false;
    this.log.info({ event: 'lease_reachable' }, 'Redis answers the lease again');
  }

  private set(state: LeaseState): void {
    this.current = state;
    for (const l of this.listeners) {
      try {
        l(state);
      } catch (e) {
        // A listener's failure is its role's; the lease goes on renewing or polling.
        this.log.error({ event: 'lease_listener_failed', code: 'HS_ERR_INTERNAL', reason: (e as Error).message }, 'a lease listener failed');
      }
    }
  }
}
