import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../tests/helpers/capture-log.ts';
import { eventually } from '../tests/helpers/eventually.ts';
import { freePort } from '../tests/helpers/ports.ts';
import { startRedisServer, type RedisServer } from './engines/redis-server.ts';
import { Lease, type LeaseOptions } from './lease.ts';

// The lease against a real redis-server: one holder, takeover after a release, a crash, a
// stolen key and a lost Redis, and an epoch that only grows. Short ttls keep it quick; nothing
// here asserts how long a takeover took, only who holds what with which epoch.

const TTL_MS = 600;
/** The test's own client, for looking at and meddling with the key; quiet while its server is down. */
const adminOf = (server: RedisServer): Redis => new Redis(server.url).on('error', () => undefined);
const POLL_MS = 100;

describe('leadership lease in Redis', () => {
  let port: number;
  let redis: RedisServer;
  let admin: Redis;
  const leases: Lease[] = [];
  const { log, lines } = captureLog('info');
  let n = 0;

  const start = async (instanceId: string, over: Partial<LeaseOptions> = {}): Promise<Lease> => {
    const lease = await Lease.start({ redisUrl: redis.url, key: `test:lease:${n}`, instanceId, ttlMs: TTL_MS, pollMs: POLL_MS, logger: log, ...over });
    leases.push(lease);
    return lease;
  };

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
    admin = adminOf(redis);
  });
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((l) => l.stop()));
    n++;
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  it('gives the lease to exactly one of two; the other stands by knowing holder and epoch', async () => {
    const a = await start('a');
    const b = await start('b');
    expect(a.state).toMatchObject({ role: 'active', owner: a.owner });
    expect(b.state).toEqual({ role: 'standby', holder: a.owner, epoch: a.epoch() });
    expect(b.epoch()).toBeUndefined();
    expect(await admin.get(`test:lease:${n}`)).toBe(a.owner);
    // Renewals keep it: several ttls later it is still a's, with the same epoch.
    const epoch = a.epoch();
    await new Promise((r) => setTimeout(r, 3 * TTL_MS));
    expect(a.state).toMatchObject({ role: 'active', epoch });
    expect(b.isActive()).toBe(false);
    expect(lines.some((l) => l.event === 'lease_acquired' && l.epoch === epoch)).toBe(true);
    expect(lines.some((l) => l.event === 'standing_by' && l.holder === a.owner)).toBe(true);
  });

  it('a release hands over at once; a crash after the ttl; each new holder takes a higher epoch', async () => {
    const a = await start('a');
    const b = await start('b');
    const first = a.epoch()!;
    await a.stop();
    await eventually(() => expect(b.isActive()).toBe(true), 5000);
    const second = b.epoch()!;
    expect(second).toBeGreaterThan(first);
    const c = await start('c');
    expect(c.state).toMatchObject({ role: 'standby', holder: b.owner });
    await b.abandon();
    // The key is still b's until its ttl lapses: c takes it after that, never while b renews.
    await eventually(() => expect(c.isActive()).toBe(true), 5000);
    expect(c.epoch()!).toBeGreaterThan(second);
  });

  it('steps down when a renewal finds another owner', async () => {
    const a = await start('a');
    const epoch = a.epoch();
    await admin.set(`test:lease:${n}`, 'intruder/1', 'PX', 10_000);
    await eventually(() => expect(a.isActive()).toBe(false), 5000);
    expect(a.state).toMatchObject({ role: 'standby' });
    expect(lines.some((l) => l.event === 'lease_lost' && l.epoch === epoch && l.code === 'HS_ERR_LEASE_LOST')).toBe(true);
    // It stands by for the intruder rather than taking the key back.
    await eventually(() => expect(a.state).toMatchObject({ role: 'standby', holder: 'intruder/1' }), 5000);
  });

  it('steps down when Redis is gone, and after Redis lost its memory the epoch still grows', async () => {
    const a = await start('a');
    const before = a.epoch()!;
    await redis.kill();
    await eventually(() => expect(a.isActive()).toBe(false), 5000);
    expect(lines.some((l) => l.event === 'lease_lost' && /Redis unreachable/.test(String(l.reason)))).toBe(true);
    // A new server on the same port, empty: the epoch counter starts anew from its clock.
    redis = await startRedisServer(port);
    await eventually(() => expect(a.isActive()).toBe(true), 10_000);
    expect(a.epoch()!).toBeGreaterThan(before);
    admin.disconnect();
    admin = adminOf(redis);
  });
});
