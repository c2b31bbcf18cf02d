import type { Aedes, AedesPublishPacket, Client, Subscription } from 'aedes';
import { HeatScadaError } from '../model/errors.ts';

// MQTT shared subscriptions (`$share/<group>/<filter>`, MQTT 5 §4.8.2, accepted from 3.1.1
// clients as Mosquitto, EMQX and HiveMQ do). aedes 1.2 has none: it would keep such a filter
// as a literal topic that no message ever matches. So the broker subscribes once per
// (group, filter) itself and hands each message to one connected member, round robin. The
// member's own literal `$share/…` subscription stays in aedes, where nothing can match it
// (publishing to `$…` topics is refused). In a cluster of brokers, a ShareCoordinator
// (cluster-shares.ts) says which node hands each message over, so the group gets it once.

const SHARE_PREFIX = '$share/';

export interface ShareFilter {
  group: string;
  filter: string;
}

/** Parts of a `$share/<group>/<filter>` subscription; null for an ordinary filter. */
export function parseShare(topic: string): ShareFilter | null {
  if (!topic.startsWith(SHARE_PREFIX)) return null;
  const slash = topic.indexOf('/', SHARE_PREFIX.length);
  const group = slash < 0 ? '' : topic.slice(SHARE_PREFIX.length, slash);
  const filter = slash < 0 ? '' : topic.slice(slash + 1);
  if (group === '' || /[+#]/.test(group) || filter === '') {
    throw new HeatScadaError('HS_ERR_BAD_REQUEST', `shared subscription must be $share/<group>/<filter>: ${topic}`);
  }
  return { group, filter };
}

export interface SharedGroupStats {
  group: string;
  filter: string;
  /** Client ids of the members on this broker, and how many messages each was handed. */
  members: { clientId: string; delivered: number }[];
  /** In a cluster: the broker nodes with members of the group, as this node knows them. */
  nodes?: readonly string[];
}

/** Across a broker cluster: which node hands a group's message to one of its members. */
export interface ShareCoordinator {
  /** The group's first member on this node: resolves once the other nodes can know it. */
  joined(topic: string): Promise<void>;
  /** The group's last member on this node left. */
  left(topic: string): void;
  /** Whether this node hands this message of the group over. */
  owns(topic: string, packet: AedesPublishPacket): boolean;
  nodes(topic: string): readonly string[];
}

interface Member {
  client: Client;
  qos: Subscription['qos'];
  delivered: number;
}

class SharedGroup {
  readonly members: Member[] = [];
  private next = 0;

  /** Resolves once the group receives its messages: the broker's subscription made, the cluster told. */
  ready: Promise<void> = Promise.resolve();

  constructor(
    readonly topic: string,
    readonly share: ShareFilter,
    readonly deliver: (packet: AedesPublishPacket, done: () => void) => void,
  ) {}

  /** The next connected member after the last one served; undefined when none is left. */
  pick(): Member | undefined {
    for (let tried = 0; tried < this.members.length; tried++) {
      const member = this.members[this.next++ % this.members.length];
      if (!member.client.closed) return member;
    }
    return undefined;
  }
}

// MQTT 4.7.2-1: filters starting with a wildcard do not match topics starting with `$`.
const startsWithWildcard = (filter: string): boolean => filter[0] === '+' || filter[0] === '#';

export class SharedSubscriptions {
  /** By the subscription as the clients send it: `$share/<group>/<filter>`. */
  private readonly groups = new Map<string, SharedGroup>();

  constructor(
    private readonly aedes: Aedes,
    private readonly coordinator?: ShareCoordinator,
  ) {
    aedes.on('unsubscribe', (topics, client) => {
      for (const topic of topics) this.leave(client, topic);
    });
    // A persistent session closes without an 'unsubscribe' event.
    aedes.on('clientDisconnect', (client) => {
      for (const topic of [...this.groups.keys()]) this.leave(client, topic);
    });
  }

  /**
   * Adds a client to a group (again: updates its QoS), subscribing the broker on the first
   * member; resolves once the group receives messages, so the SUBACK can wait for it.
   */
  join(client: Client, topic: string, share: ShareFilter, qos: Subscription['qos']): Promise<void> {
    let group = this.groups.get(topic);
    if (!group) {
      const created: SharedGroup = new SharedGroup(topic, share, (packet, done) => this.hand(created, packet, done));
      group = created;
      this.groups.set(topic, group);
      const subscribed = new Promise<void>((resolve) => this.aedes.subscribe(share.filter, created.deliver, resolve));
      group.ready = Promise.all([subscribed, this.coordinator?.joined(topic)]).then(() => undefined);
    }
    const existing = group.members.find((m) => m.client === client);
    if (existing) existing.qos = qos;
    else group.members.push({ client, qos, delivered: 0 });
    return group.ready;
  }

  stats(): SharedGroupStats[] {
    return [...this.groups.values()].map((g) => ({
      group: g.share.group,
      filter: g.share.filter,
      members: g.members.map((m) => ({ clientId: m.client.id, delivered: m.delivered })),
      ...(this.coordinator ? { nodes: this.coordinator.nodes(g.topic) } : {}),
    }));
  }

  private leave(client: Client, topic: string): void {
    const group = this.groups.get(topic);
    if (!group) return;
    const at = group.members.findIndex((m) => m.client === client);
    if (at < 0) return;
    group.members.splice(at, 1);
    if (group.members.length === 0) {
      this.groups.delete(topic);
      this.aedes.unsubscribe(group.share.filter, group.deliver, () => undefined);
      this.coordinator?.left(topic);
    }
  }

  private hand(group: SharedGroup, packet: AedesPublishPacket, done: () => void): void {
    const skip = (packet.topic[0] === '$' && startsWithWildcard(group.share.filter)) || (this.coordinator !== undefined && !this.coordinator.owns(group.topic, packet));
    const member = skip ? undefined : group.pick();
    if (!member) {
      done();
      return;
    }
    member.delivered++;
    // brokerId/brokerCounter travel along so aedes' per-client de-duplication treats this copy
    // like one from an ordinary subscription.
    const copy: AedesPublishPacket = {
      cmd: 'publish',
      topic: packet.topic,
      payload: packet.payload,
      qos: packet.qos < member.qos ? packet.qos : member.qos,
      retain: false,
      dup: false,
      brokerId: packet.brokerId,
      brokerCounter: packet.brokerCounter,
    };
    member.client.publish(copy, () => done());
  }
}
