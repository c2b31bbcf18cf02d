import type { Aedes, AedesPublishPacket } from 'aedes';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ShareCoordinator } from './shared-subscriptions.ts';

// Shared subscription groups (`$share/<group>/<filter>`) across the nodes of a broker cluster.
// Every node with members of a group subscribes to its filter, and mqemitter-redis brings it
// every matching message wherever it was published, so each node would hand one copy to a
// member of its own. Instead the nodes agree, per message, on the one that hands it over:
// who has members is a Redis set per group, kept to the living nodes (each renews a liveness
// key every heartbeat; one silent for 3 heartbeats is dropped from the sets). The node the
// message was published on hands it over when it has members: no hop between nodes, and when a
// node dies nothing published on the others was routed to it. Otherwise the owner is picked
// from that sorted list by a hash of the message's origin broker id and counter, which every
// node sees alike. Nothing is asked of Redis per message; a node that joins or leaves a group
// says so on `$SYS/<node>/heatscada/share`, and the others re-read.

const PREFIX = 'heatscada:broker:';
const membersKey = (topic: string): string => `${PREFIX}share:${topic}`;
const aliveKey = (node: string): string => `${PREFIX}alive:${node}`;
const noticeTopic = (node: string): string => `$SYS/${node}/heatscada/share`;
const NOTICES = '$SYS/+/heatscada/share';
const DEAD_AFTER_HEARTBEATS = 3;

/** murmur3's 32-bit finaliser: neighbouring counters land on unrelated owners. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class ClusterShares implements ShareCoordinator {
  /** Groups with members on this node → the living nodes with members of each, sorted (empty until first read). */
  private readonly groups = new Map<string, readonly string[]>();
  private readonly originHashes = new Map<string, number>();
  /** Redis work runs one task at a time, so a join is in Redis before a later leave. */
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** A renewal waits for Redis: the next heartbeat skips rather than queue behind it. */
  private renewing = false;
  /** The last Redis task failed: the next failures are not logged again until one succeeds. */
  private failing = false;
  private withdrawn = false;

  private constructor(
    private readonly redis: Redis,
    private readonly aedes: Aedes,
    /** This node's aedes id. */
    readonly node: string,
    private readonly heartbeatMs: number,
    private readonly log: Logger,
  ) {}

  static async start(redis: Redis, aedes: Aedes, heartbeatMs: number, log: Logger): Promise<ClusterShares> {
    const shares = new ClusterShares(redis, aedes, aedes.id, heartbeatMs, log);
    await shares.renew();
    await new Promise<void>((resolve) => aedes.subscribe(NOTICES, shares.onNotice, resolve));
    shares.timer = setInterval(() => {
      if (shares.renewing) return;
      shares.renewing = true;
      void shares.serially(() => shares.renew()).then(() => (shares.renewing = false));
    }, heartbeatMs);
    return shares;
  }

  joined(topic: string): Promise<void> {
    this.groups.set(topic, []);
    return this.serially(async () => {
      try {
        await this.redis.sadd(membersKey(topic), this.node);
        await this.notify(topic);
        await this.refresh(topic);
      } finally {
        // Without Redis there is no cluster to share with: hand the group's messages over here.
        if (this.groups.get(topic)?.length === 0) this.groups.set(topic, [this.node]);
      }
    });
  }

  left(topic: string): void {
    if (!this.groups.delete(topic)) return;
    void this.serially(async () => {
      await this.redis.srem(membersKey(topic), this.node);
      await this.notify(topic);
    });
  }

  owns(topic: string, packet: AedesPublishPacket): boolean {
    const nodes = this.groups.get(topic);
    if (!nodes || nodes.length === 0) return false;
    if (nodes.length === 1) return true;
    if (nodes.includes(packet.brokerId)) return packet.brokerId === this.node;
    return nodes[mix(this.originHash(packet.brokerId) + packet.brokerCounter) % nodes.length] === this.node;
  }

  nodes(topic: string): readonly string[] {
    return this.groups.get(topic) ?? [];
  }

  /** Leaves every group and the living (the other nodes take over at once), before the broker closes. */
  async withdraw(): Promise<void> {
    if (this.withdrawn) return;
    this.withdrawn = true;
    clearInterval(this.timer);
    const topics = [...this.groups.keys()];
    this.groups.clear();
    await this.serially(async () => {
      await this.redis.del(aliveKey(this.node));
      for (const topic of topics) {
        await this.redis.srem(membersKey(topic), this.node);
        await this.notify(topic);
      }
    });
    await new Promise<void>((resolve) => this.aedes.unsubscribe(NOTICES, this.onNotice, resolve));
  }

  private readonly onNotice = (packet: AedesPublishPacket, done: () => void): void => {
    done();
    const topic = packet.payload.toString();
    if (packet.topic !== noticeTopic(this.node) && this.groups.has(topic)) void this.serially(() => this.refresh(topic));
  };

  /** Says this node lives, and re-reads each group (a dead node drops out; a flushed Redis is filled again). */
  private async renew(): Promise<void> {
    if (this.withdrawn) return;
    await this.redis.set(aliveKey(this.node), '1', 'PX', DEAD_AFTER_HEARTBEATS * this.heartbeatMs);
    for (const topic of this.groups.keys()) {
      await this.redis.sadd(membersKey(topic), this.node);
      await this.refresh(topic);
    }
  }

  private async refresh(topic: string): Promise<void> {
    const nodes = await this.redis.smembers(membersKey(topic));
    const alive = nodes.length === 0 ? [] : await this.redis.mget(nodes.map(aliveKey));
    const living = nodes.filter((n, i) => alive[i] !== null || n === this.node);
    const dead = nodes.filter((n) => !living.includes(n));
    if (dead.length > 0) {
      await this.redis.srem(membersKey(topic), ...dead);
      this.log.info({ group: topic, dead }, 'share group: silent broker nodes dropped');
    }
    if (!this.groups.has(topic)) return;
    if (!living.includes(this.node)) living.push(this.node);
    this.groups.set(topic, living.sort());
  }

  private notify(topic: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.aedes.publish({ cmd: 'publish', topic: noticeTopic(this.node), payload: Buffer.from(topic), qos: 0, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())),
    );
  }

  private originHash(brokerId: string): number {
    let h = this.originHashes.get(brokerId);
    if (h === undefined) {
      h = hashString(brokerId);
      this.originHashes.set(brokerId, h);
    }
    return h;
  }

  private serially(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task).then(
      () => {
        this.failing = false;
      },
      (e: unknown) => {
        const fields = { code: 'HS_ERR_BROKER_CLUSTER', reason: (e as Error).message };
        if (this.failing) this.log.debug(fields, 'share group coordination through Redis still failing');
        else this.log.warn(fields, 'share group coordination through Redis failed');
        this.failing = true;
      },
    );
    this.queue = run;
    return run;
  }
}
