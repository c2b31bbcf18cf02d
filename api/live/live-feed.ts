import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { connectBrokers, type BrokerUrls } from '../../model/broker-urls.ts';
import { isHeatScadaError } from '../../model/errors.ts';
import { ownClientId, type MqttLogin } from '../../model/mqtt-client.ts';
import type { Quality } from '../../model/point.ts';
import { decodePayload, parseTopic, type SparkplugPayload, type SparkplugTopic } from '../../model/sparkplug.ts';
import type { SubstationStatus, TimeSeriesStore } from '../../model/store.ts';
import { isDeviceTopic, type HostContext, type PointSink } from '../../store/historian/context.ts';
import { MalformedCounters } from '../../store/historian/counters.ts';
import { DEVICE_HANDLERS, NODE_HANDLERS, subscriptionsOf } from '../../store/historian/historian.ts';
import { RebirthRequests } from '../../store/historian/rebirth.ts';
import { DEFAULT_DEVICE_OWNERS_FILE, DeviceOwners } from '../../store/historian/owners.ts';
import { Sessions } from '../../store/historian/sessions.ts';
import { LatestTable, type LivePoint } from './latest-table.ts';

// The API's Sparkplug host subscriber: the historian's handlers and alias tables (store/historian)
// with a sink that feeds the latest-value table and tells listeners what changed, instead of a
// batcher that writes the store. Not a primary host: it publishes no STATE; it only asks an edge
// node for a rebirth when it meets data it cannot place (it joined after the births).

export interface LiveListener {
  /** The points of one message of one substation, in arrival order (only those newer than held). */
  points(substation: string, points: LivePoint[]): void;
  /** A BIRTH or DEATH of the substation (or of its edge node). */
  link(substation: string, online: boolean): void;
}

/** Messages outside the Sparkplug namespace that the feed follows too, on its one connection (the roles' statuses). */
export interface FeedFollower {
  /** Subscribed at every connection, apart from the Sparkplug filters: a broker refusing it leaves the live data alone. */
  readonly filter: string;
  /** The follower's topics never reach the Sparkplug handlers. */
  owns(topic: string): boolean;
  message(topic: string, payload: Buffer): void;
}

export interface LiveFeedOptions {
  mqttUrl: BrokerUrls;
  /** User name, password, trusted CA (model/mqtt-client.ts). */
  mqttLogin?: MqttLogin;
  /** Sparkplug group to follow; every group when absent. */
  group?: string;
  /** MQTT client id; a unique heatscada-api-… by default (several APIs may run); prefixed with the login's user name. */
  clientId?: string;
  store: Pick<TimeSeriesStore, 'latest' | 'statuses'>;
  staleAfterMs: number;
  /** The operator's device placements (store/historian/owners.ts); DEFAULT_DEVICE_OWNERS_FILE when absent. */
  deviceOwnersFile?: string;
  /** Other topics followed on the same connection (the API's platform status); none when absent. */
  followers?: readonly FeedFollower[];
  /** How long start waits for the first subscription before carrying on without it. */
  connectTimeoutMs?: number;
  logger: Logger;
}

export interface LiveFeedStats {
  connected: boolean;
  messages: number;
  points: number;
  malformed: Record<string, number>;
}

export interface LiveFeed {
  readonly table: LatestTable;
  connected(): boolean;
  stats(): LiveFeedStats;
  listen(listener: LiveListener): () => void;
  close(): Promise<void>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export async function startLiveFeed(options: LiveFeedOptions): Promise<LiveFeed> {
  const log = options.logger;
  const table = new LatestTable(options.staleAfterMs);
  const [latest, statuses] = await Promise.all([options.store.latest(), options.store.statuses()]);
  table.seed(latest, statuses);
  log.info({ substations: table.substations().length, points: latest.length }, 'live table seeded from the store');

  const listeners = new Set<LiveListener>();
  const counts = { messages: 0, points: 0 };
  let subscribed = false;

  // A message's points are gathered per substation and handed over once the handler is done.
  const pending = new Map<string, LivePoint[]>();
  const sink: PointSink = {
    push(substation: string, tag: string, ts: number, value: number | boolean, quality: Quality): void {
      if (!table.set(substation, tag, { value, quality, ts }, Date.now())) return;
      let points = pending.get(substation);
      if (!points) pending.set(substation, (points = []));
      points.push({ tag, value, quality, ts });
    },
    setStatus(status: SubstationStatus): void {
      table.setOnline(status.substation, status.online, Date.now());
      for (const l of listeners) l.link(status.substation, status.online);
    },
  };

  const clientId = ownClientId(options.mqttLogin, options.clientId ?? `heatscada-api-${randomBytes(4).toString('hex')}`);
  const client = connectBrokers(options.mqttUrl, { ...options.mqttLogin, clientId, protocolVersion: 4, clean: true, keepalive: 30, reconnectPeriod: 1000, resubscribe: false });
  const counters = new MalformedCounters(log);
  const ctx: HostContext = {
    hostId: clientId,
    sessions: new Sessions(),
    owners: new DeviceOwners(options.deviceOwnersFile ?? DEFAULT_DEVICE_OWNERS_FILE, log),
    writer: sink,
    counters,
    events: { staleDeaths: 0, nulls: 0 },
    log,
    checkSeq: true,
    rebirth: new RebirthRequests((topic, payload) => client.publish(topic, payload, { qos: 0 }), log),
    reassertState: () => undefined,
  };

  /** A handler's failure is logged: it must not end the feed. */
  const guarded = (topicName: string, handle: () => void): void => {
    try {
      handle();
    } catch (e) {
      log.error({ code: 'HS_ERR_INTERNAL', topic: topicName, reason: (e as Error).message }, 'live message handler failed');
    }
  };
  const followers = options.followers ?? [];
  const onMessage = (topicName: string, bytes: Buffer): void => {
    counts.messages++;
    const follower = followers.find((f) => f.owns(topicName));
    if (follower) return guarded(topicName, () => follower.message(topicName, bytes));
    let topic: SparkplugTopic;
    let payload: SparkplugPayload;
    try {
      topic = parseTopic(topicName);
      if (topic.kind === 'state') return;
      payload = decodePayload(bytes);
    } catch (e) {
      counters.count(isHeatScadaError(e) ? e.code : 'HS_ERR_INTERNAL', 1, { topic: topicName, reason: (e as Error).message });
      return;
    }
    guarded(topicName, () => (isDeviceTopic(topic) ? DEVICE_HANDLERS[topic.type]?.(ctx, topic, payload) : NODE_HANDLERS[topic.type]?.(ctx, topic, payload)));
    for (const [substation, points] of pending) {
      counts.points += points.length;
      for (const l of listeners) l.points(substation, points);
    }
    pending.clear();
  };

  const subscriptions = subscriptionsOf(clientId, options.group, undefined);
  let firstSubscribed: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (firstSubscribed = resolve));
  client.on('message', onMessage);
  client.on('connect', () => {
    client
      .subscribeAsync(subscriptions)
      .then(() => {
        subscribed = true;
        log.info({ clientId, group: options.group ?? '+' }, 'live feed subscribed');
        firstSubscribed();
      })
      .catch((e: unknown) => log.error({ code: 'HS_ERR_HISTORIAN_MQTT', reason: (e as Error).message }, 'live feed could not subscribe'));
    for (const { filter } of followers) {
      client.subscribeAsync(filter, { qos: 1 }).catch((e: unknown) => log.warn({ code: 'HS_ERR_HISTORIAN_MQTT', filter, reason: (e as Error).message }, 'live feed could not subscribe'));
    }
  });
  client.on('close', () => {
    if (subscribed) log.warn({ code: 'HS_ERR_HISTORIAN_MQTT' }, 'live feed lost the broker');
    subscribed = false;
  });
  client.on('error', (e) => log.warn({ code: 'HS_ERR_HISTORIAN_MQTT', reason: e.message }, 'live feed mqtt error'));

  const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS).unref());
  await Promise.race([ready, timeout]);
  if (!subscribed) log.warn({ code: 'HS_ERR_HISTORIAN_MQTT', url: options.mqttUrl }, 'live feed not subscribed yet; serving the store picture');

  return {
    table,
    connected: () => subscribed && client.connected,
    stats: () => ({ connected: subscribed && client.connected, ...counts, malformed: counters.snapshot() }),
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      subscribed = false;
      await client.endAsync(true);
    },
  };
}
