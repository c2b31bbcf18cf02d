import type { Socket } from 'node:net';
import type { Aedes, Client } from 'aedes';
import type { BrokerClient } from './auth.ts';

// Per-client statistics of the connected clients: what an operator asks when the data path
// is slow ("who floods the broker, who does not read?"). Bytes are the socket's own counters
// (MQTT and, for WebSocket, its framing), so counting them costs nothing per message.

export interface ClientStats {
  clientId: string;
  transport: BrokerClient['transport'];
  remoteAddress: string | undefined;
  /** When the CONNECT was accepted, ms UTC. */
  connectedSince: number;
  /** PUBLISH packets the client sent. */
  messagesIn: number;
  /** PUBLISH packets the broker forwarded to the client. */
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Topic filters as the client subscribed them. */
  subscriptions: string[];
}

/** The transport side of a connection, known from the listener that accepted it. */
export interface ClientLink {
  transport: BrokerClient['transport'];
  socket: Socket;
}

interface Entry {
  link: ClientLink;
  // Read at connect time: a closed socket no longer knows it.
  remoteAddress: string | undefined;
  since: number;
  messagesIn: number;
  messagesOut: number;
  subscriptions: Set<string>;
}

export class ClientStatsTracker {
  private readonly entries = new Map<Client, Entry>();

  constructor(aedes: Aedes, linkOf: (client: Client) => ClientLink) {
    aedes.on('client', (client) => {
      const link = linkOf(client);
      this.entries.set(client, {
        link,
        remoteAddress: link.socket.remoteAddress,
        since: Date.now(),
        messagesIn: 0,
        messagesOut: 0,
        subscriptions: new Set(),
      });
    });
    aedes.on('clientDisconnect', (client) => this.entries.delete(client));
    aedes.on('publish', (_packet, client) => {
      const entry = client && this.entries.get(client);
      if (entry) entry.messagesIn++;
    });
    aedes.on('subscribe', (subscriptions, client) => {
      const entry = this.entries.get(client);
      // 0x80: the subscription was refused.
      if (entry) for (const s of subscriptions) if ((s.qos as number) !== 0x80) entry.subscriptions.add(s.topic);
    });
    aedes.on('unsubscribe', (topics, client) => {
      const entry = this.entries.get(client);
      if (entry) for (const t of topics) entry.subscriptions.delete(t);
    });
  }

  /** Called for every message the broker hands to a client. */
  forwarded(client: Client): void {
    const entry = this.entries.get(client);
    if (entry) entry.messagesOut++;
  }

  snapshot(): ClientStats[] {
    return [...this.entries].map(([client, e]) => ({
      clientId: client.id,
      transport: e.link.transport,
      remoteAddress: e.remoteAddress,
      connectedSince: e.since,
      messagesIn: e.messagesIn,
      messagesOut: e.messagesOut,
      bytesIn: e.link.socket.bytesRead,
      bytesOut: e.link.socket.bytesWritten,
      subscriptions: [...e.subscriptions],
    }));
  }
}

/** Refusals of one client id: kept after it disconnects (a refused publish disconnects it). */
export interface RefusalStats {
  clientId: string;
  /** CONNECTs refused: bad credentials, or a will outside the topic rules. */
  connect: number;
  /** PUBLISHes refused (each one disconnected the client). */
  publish: number;
  /** Topic filters refused (SUBACK 0x80). */
  subscribe: number;
  /** The topic or filter of the last refused publish or subscription. */
  lastTopic: string | undefined;
  /** When the last refusal happened, ms UTC. */
  lastAt: number;
}

export type RefusalKind = 'connect' | 'publish' | 'subscribe';

/** Refusals per client id; the oldest ids are forgotten past `capacity`, so random ids cannot grow it without bound. */
export class RefusalCounter {
  private readonly byClient = new Map<string, RefusalStats>();

  constructor(private readonly capacity = 1000) {}

  count(clientId: string, kind: RefusalKind, topic?: string): void {
    let entry = this.byClient.get(clientId);
    if (entry) this.byClient.delete(clientId);
    else entry = { clientId, connect: 0, publish: 0, subscribe: 0, lastTopic: undefined, lastAt: 0 };
    entry[kind]++;
    if (topic !== undefined) entry.lastTopic = topic;
    entry.lastAt = Date.now();
    // Re-inserted last: the map's order is least recently refused first.
    this.byClient.set(clientId, entry);
    if (this.byClient.size > this.capacity) this.byClient.delete(this.byClient.keys().next().value as string);
  }

  snapshot(): RefusalStats[] {
    return [...this.byClient.values()].map((e) => ({ ...e }));
  }
}
