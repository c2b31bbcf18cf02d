import type { ErrorWithSubackPacket, IClientOptions, ISubscriptionMap, MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { connectBrokers, type BrokerUrls } from '../../model/broker-urls.ts';
import { HeatScadaError, isHeatScadaError, type ErrorCode } from '../../model/errors.ts';
import { ownClientId, type MqttLogin } from '../../model/mqtt-client.ts';
import { RoleStatusReporter } from '../../model/role-status.ts';
import { decodePayload, parseTopic, SPARKPLUG_NAMESPACE, stateTopic, type EdgeMessageType, type SparkplugPayload, type SparkplugTopic } from '../../model/sparkplug.ts';
import type { RetryOptions } from '../disk-full.ts';
import type { AliasEntry } from './aliases.ts';
import { Batcher, DEFAULT_HOLD, type StoreSink, type WriterStats } from './batcher.ts';
import { isDeviceTopic, type DeviceHandler, type HostContext, type HostEvents, type NodeHandler } from './context.ts';
import { MalformedCounters } from './counters.ts';
import { handleDbirth } from './handlers/dbirth.ts';
import { handleDdata } from './handlers/ddata.ts';
import { handleDdeath } from './handlers/ddeath.ts';
import { handleNbirth } from './handlers/nbirth.ts';
import { handleNdata } from './handlers/ndata.ts';
import { handleNdeath } from './handlers/ndeath.ts';
import { encodeState, handleState } from './handlers/state.ts';
import { RebirthRequests } from './rebirth.ts';
import { DEFAULT_DEVICE_OWNERS_FILE, DeviceOwners } from './owners.ts';
import { Sessions } from './sessions.ts';

// The Sparkplug B 3.0 host application that fills the store: it connects, subscribes, says
// it is online (STATE), and hands each message to the handler of its type (handlers/). Births
// and deaths reach every historian; data may be shared among several (`shared`).

export interface HistorianOptions {
  mqttUrl: BrokerUrls;
  /** User name, password, trusted CA (model/mqtt-client.ts). */
  mqttLogin?: MqttLogin;
  /** Sparkplug host id: its STATE topic and MQTT client id. Unique per historian. */
  hostId: string;
  /** Sparkplug group to historise; every group when absent. */
  group?: string;
  /** Any TimeSeriesStore; the historian only writes points and statuses. */
  store: StoreSink;
  batchMaxPoints: number;
  batchMaxMs: number;
  /** Share group name: NDATA/DDATA come through `$share/<shared>/…`, spread over the historians of that group. */
  shared?: string;
  /** The operator's device placements (store/historian/owners.ts); DEFAULT_DEVICE_OWNERS_FILE when absent. */
  deviceOwnersFile?: string;
  /** Points held in memory while the disk is full before the historian stops taking messages (batcher.ts). */
  holdMaxPoints?: number;
  /** A batch write slower than this is logged as a slow store. */
  slowBatchMs?: number;
  /** Waits between retries while the disk is full. */
  retry?: RetryOptions;
  logger?: Logger;
}

export interface HistorianStats {
  /** Subscribed and STATE online. */
  online: boolean;
  /** Messages received by Sparkplug type. */
  messages: Record<EdgeMessageType | 'STATE', number>;
  points: WriterStats & { nulls: number };
  nodes: number;
  devices: number;
  rebirthRequests: number;
  staleDeaths: number;
  /** Malformed or out-of-order traffic by HS_ERR code (seq gaps are HS_ERR_SPARKPLUG_SEQ). */
  malformed: Partial<Record<ErrorCode, number>>;
  /** Time spent on the event loop, ms: topic and payload decoding, the handlers (batching included); store writes are in points.writeMs. */
  timeMs: { decode: number; handle: number };
}

/** A metric as a device's birth described it. */
export type LearnedMetric = AliasEntry;

export interface Historian {
  stats(): HistorianStats;
  /** The metrics (alias, tag, unit, range) the current DBIRTH of a substation announced. */
  learned(substation: string): LearnedMetric[];
  /** Publishes STATE offline, disconnects, and writes what is still batched. Leaves the store open. */
  stop(): Promise<void>;
}

export const NODE_HANDLERS: Partial<Record<EdgeMessageType, NodeHandler>> = { NBIRTH: handleNbirth, NDATA: handleNdata, NDEATH: handleNdeath };
export const DEVICE_HANDLERS: Partial<Record<EdgeMessageType, DeviceHandler>> = { DBIRTH: handleDbirth, DDATA: handleDdata, DDEATH: handleDdeath };

// Everything at QoS 1: data an edge sends at QoS 1 (ours do, to lose nothing) then arrives at
// QoS 1 too, and in order with the births — a broker may reorder a subscriber's QoS 0 and
// QoS 1 deliveries, which would look like a seq gap. Data sent at QoS 0 still arrives at QoS 0.
const CONTROL_TYPES: readonly EdgeMessageType[] = ['NBIRTH', 'NDEATH', 'DBIRTH', 'DDEATH'];
const DATA_TYPES: readonly EdgeMessageType[] = ['NDATA', 'DDATA'];
// How long stop() waits for the broker to take the unsubscription and the offline STATE.
const STOP_PUBLISH_TIMEOUT_MS = 2000;
const KEEPALIVE_S = 30;
/** The role's name in its status topic (model/role-status.ts). */
export const HISTORIAN_ROLE = 'historian';

/** The subscriptions of a host: control topics for itself alone, data topics shared when asked. */
export function subscriptionsOf(hostId: string, group: string | undefined, shared: string | undefined): ISubscriptionMap {
  const g = group ?? '+';
  const map: ISubscriptionMap = { [stateTopic(hostId)]: { qos: 1 } };
  for (const type of CONTROL_TYPES) map[`${SPARKPLUG_NAMESPACE}/${g}/${type}/#`] = { qos: 1 };
  for (const type of DATA_TYPES) map[`${shared === undefined ? '' : `$share/${shared}/`}${SPARKPLUG_NAMESPACE}/${g}/${type}/#`] = { qos: 1 };
  return map;
}

/** Subscribes; a refusal names the refused filters (a broker without `$share` may refuse those). */
async function subscribe(client: MqttClient, subscriptions: ISubscriptionMap): Promise<void> {
  try {
    await client.subscribeAsync(subscriptions);
  } catch (e) {
    const granted = (e as Partial<ErrorWithSubackPacket>).packet?.granted ?? [];
    const refused = Object.keys(subscriptions).filter((_, i) => {
      const code = granted[i];
      return typeof code !== 'number' || (code & 0x80) !== 0;
    });
    throw new HeatScadaError('HS_ERR_HISTORIAN_MQTT', `subscription refused (${(e as Error).message}): ${refused.join(', ')}`);
  }
}

export async function startHistorian(options: HistorianOptions): Promise<Historian> {
  const { hostId } = options;
  const log = options.logger ?? pino({ name: 'historian' });
  let birth = Date.now();
  let online = false;
  let stopping = false;

  const stateMessage = (isOnline: boolean) => encodeState({ online: isOnline, timestamp: birth });
  const willOf = (): NonNullable<IClientOptions['will']> => ({ topic: stateTopic(hostId), payload: stateMessage(false), qos: 1, retain: true });
  const client = connectBrokers(options.mqttUrl, {
    ...options.mqttLogin,
    clientId: ownClientId(options.mqttLogin, hostId),
    protocolVersion: 4,
    clean: true,
    keepalive: KEEPALIVE_S,
    reconnectPeriod: 1000,
    // Subscriptions are made on every connect, before STATE goes online (Sparkplug 3.0 order).
    resubscribe: false,
    will: willOf(),
  });

  const subscriptions = subscriptionsOf(hostId, options.group, options.shared);
  const counters = new MalformedCounters(log);
  // What the alarm engine hears of this historian: whether its store has room (model/role-status.ts).
  const status = new RoleStatusReporter(HISTORIAN_ROLE, hostId, (topic, payload) => client.publish(topic, payload, { qos: 1, retain: true }));
  const writer = new Batcher(options.store, options.batchMaxPoints, options.batchMaxMs, log, {
    holdMaxPoints: options.holdMaxPoints ?? DEFAULT_HOLD.holdMaxPoints,
    slowBatchMs: options.slowBatchMs ?? DEFAULT_HOLD.slowBatchMs,
    retry: options.retry ?? DEFAULT_HOLD.retry,
    onDiskFull: (error, held) =>
      error ? status.report('disk_full', `store full: holding ${held} points, retrying`, error.path) : status.report('ok', 'store writable: every held point written'),
  });
  // Back-pressure: a message is acknowledged (and the next one read) only while the hold has
  // room, so beyond it the broker keeps the rest, and holds up its publishers' acknowledgements.
  client.handleMessage = (_packet, done) => {
    if (writer.hasRoom()) {
      done();
      return;
    }
    // Nothing is read meanwhile, PINGRESPs included: mqtt.js counts its keepalive from what it
    // sends and the broker from what it receives, so pings keep the session (and what the
    // broker queues for it) alive however long the disk stays full.
    const pings = setInterval(() => (stopping ? clearInterval(pings) : client.sendPing()), (KEEPALIVE_S * 1000) / 3);
    pings.unref();
    writer.whenRoom(() => {
      clearInterval(pings);
      done();
    });
  };
  const sessions = new Sessions();
  const events: HostEvents = { staleDeaths: 0, nulls: 0 };
  const ctx: HostContext = {
    hostId,
    sessions,
    owners: new DeviceOwners(options.deviceOwnersFile ?? DEFAULT_DEVICE_OWNERS_FILE, log),
    writer,
    counters,
    events,
    log,
    checkSeq: options.shared === undefined,
    rebirth: new RebirthRequests((topic, payload) => client.publish(topic, payload, { qos: 0 }), log),
    reassertState: () => {
      if (!stopping && online) client.publish(stateTopic(hostId), stateMessage(true), { qos: 1, retain: true });
    },
  };

  const messages: Record<EdgeMessageType | 'STATE', number> = { NBIRTH: 0, NDATA: 0, NDEATH: 0, NCMD: 0, DBIRTH: 0, DDATA: 0, DDEATH: 0, DCMD: 0, STATE: 0 };
  const timeMs = { decode: 0, handle: 0 };

  const onMessage = (topicName: string, bytes: Buffer): void => {
    const started = performance.now();
    let topic: SparkplugTopic;
    let payload: SparkplugPayload;
    try {
      topic = parseTopic(topicName);
      if (topic.kind === 'state') {
        messages.STATE++;
        handleState(ctx, topic, bytes);
        return;
      }
      messages[topic.type]++;
      payload = decodePayload(bytes);
    } catch (e) {
      counters.count(isHeatScadaError(e) ? e.code : 'HS_ERR_INTERNAL', 1, { topic: topicName, reason: (e as Error).message });
      return;
    }
    const decoded = performance.now();
    timeMs.decode += decoded - started;
    try {
      if (isDeviceTopic(topic)) DEVICE_HANDLERS[topic.type]?.(ctx, topic, payload);
      else NODE_HANDLERS[topic.type]?.(ctx, topic, payload);
    } catch (e) {
      log.error({ code: 'HS_ERR_INTERNAL', topic: topicName, reason: (e as Error).message }, 'message handler failed');
    }
    timeMs.handle += performance.now() - decoded;
  };

  let firstOnline: (() => void) | undefined;
  let firstFailure: ((e: Error) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    firstOnline = resolve;
    firstFailure = reject;
  });

  const goOnline = async (): Promise<void> => {
    try {
      await subscribe(client, subscriptions);
      await client.publishAsync(stateTopic(hostId), stateMessage(true), { qos: 1, retain: true });
      if (status.status) status.resend();
      else status.report('ok', 'store writable');
      online = true;
      log.info({ hostId, group: options.group ?? '+', shared: options.shared }, 'historian online');
      firstOnline?.();
    } catch (e) {
      log.error({ code: 'HS_ERR_HISTORIAN_MQTT', reason: (e as Error).message }, 'historian could not go online');
      firstFailure?.(e as Error);
    }
  };

  client.on('message', onMessage);
  client.on('connect', () => void goOnline());
  client.on('reconnect', () => {
    // The will of the next connection carries the timestamp of the STATE that connection publishes.
    birth = Date.now();
    client.options.will = willOf();
  });
  client.on('close', () => {
    if (online && !stopping) log.warn({ code: 'HS_ERR_HISTORIAN_MQTT' }, 'connection to the broker lost');
    online = false;
  });
  client.on('error', (e) => log.warn({ code: 'HS_ERR_HISTORIAN_MQTT', reason: e.message }, 'mqtt error'));

  const stop = async (): Promise<void> => {
    stopping = true;
    if (client.connected) {
      // Nothing more comes in (nor needs an acknowledgement after the end), then the goodbye.
      const goodbye = async (): Promise<void> => {
        await client.unsubscribeAsync(Object.keys(subscriptions));
        await client.publishAsync(stateTopic(hostId), stateMessage(false), { qos: 1, retain: true });
      };
      await Promise.race([goodbye(), new Promise((resolve) => setTimeout(resolve, STOP_PUBLISH_TIMEOUT_MS).unref())]);
    }
    await client.endAsync();
    online = false;
    await writer.drain();
    log.info({ hostId, points: writer.stats.written }, 'historian stopped');
  };

  try {
    await ready;
  } catch (e) {
    await stop();
    throw e;
  }
  firstOnline = undefined;
  firstFailure = undefined;

  return {
    stats: () => ({
      online,
      messages: { ...messages },
      points: { ...writer.stats, nulls: events.nulls },
      ...sessions.counts(),
      rebirthRequests: ctx.rebirth.sent,
      staleDeaths: events.staleDeaths,
      malformed: counters.snapshot(),
      timeMs: { ...timeMs },
    }),
    learned: (substation) => sessions.deviceTable(substation)?.entries() ?? [],
    stop,
  };
}
