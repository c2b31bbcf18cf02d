import { createRequire } from 'node:module';
import { HeatScadaError } from './errors.ts';
import type { Quality } from './point.ts';
import { TAGS, type TagDefinition } from './tags.ts';

// Sparkplug B 3.0: topics, payload codec (Eclipse Tahu's sparkplug-payload, protobuf) and the
// conventions HeatSCADA's edge nodes and host applications share.

const require = createRequire(import.meta.url);
interface LongLike {
  toNumber(): number;
}
interface TahuMetric {
  name?: string | null;
  alias?: number | LongLike | null;
  timestamp?: number | LongLike | null;
  type: string;
  value: unknown;
  isHistorical?: boolean | null;
  isNull?: boolean | null;
  properties?: Record<string, { type: string; value: unknown }>;
}
interface TahuPayload {
  timestamp?: number | LongLike | null;
  seq?: number | LongLike | null;
  metrics?: TahuMetric[] | null;
}
const tahu = (require('sparkplug-payload') as { get(ns: string): { encodePayload(p: TahuPayload): Uint8Array; decodePayload(b: Uint8Array): TahuPayload } }).get(
  'spBv1.0',
);

export const SPARKPLUG_NAMESPACE = 'spBv1.0';
export const EDGE_MESSAGE_TYPES = ['NBIRTH', 'NDATA', 'NDEATH', 'NCMD', 'DBIRTH', 'DDATA', 'DDEATH', 'DCMD'] as const;
export type EdgeMessageType = (typeof EDGE_MESSAGE_TYPES)[number];

export type SparkplugTopic =
  | { kind: 'edge'; type: EdgeMessageType; group: string; edge: string; device?: string }
  | { kind: 'state'; hostId: string };

/** Metric names of the edge node itself (Sparkplug 3.0 §6.4.x). */
export const BD_SEQ = 'bdSeq';
export const REBIRTH = 'Node Control/Rebirth';
/** A device metric carrying the outcome of a command as JSON text (see CommandOutcome). */
export const COMMAND_ACK = 'command.ack';
/**
 * Properties of a DCMD metric that identify the request. The platform's broker overwrites
 * `actor` and `actorKind` with the MQTT principal that sent the command (broker/actor-stamp.ts)
 * and keeps what the sender said in `onBehalfOf` (e.g. the operator control writes for).
 */
export const REQUEST_ID_PROPERTY = 'requestId';
export const ACTOR_PROPERTY = 'actor';
export const ACTOR_KIND_PROPERTY = 'actorKind';
export const ON_BEHALF_OF_PROPERTY = 'onBehalfOf';
/**
 * The leader's epoch on a command of a hot-standby pair (cluster/lease.ts): a UInt64 property of
 * each DCMD metric, and the value of a COMMAND_EPOCH metric in an NCMD by which a new leader
 * announces itself. An edge node refuses commands of an epoch older than the highest it has seen
 * from the same source (collectors/sparkplug/epoch-fence.ts).
 */
export const EPOCH_PROPERTY = 'epoch';
export const COMMAND_EPOCH = 'Command/Epoch';

/** Sparkplug quality property, OPC-style codes as Ignition reads them. */
export const QUALITY_PROPERTY = 'Quality';
const QUALITY_CODE: Record<Quality, number> = { good: 192, uncertain: 64, bad: 0 };
export const qualityCode = (q: Quality): number => QUALITY_CODE[q];
export const qualityFromCode = (code: number): Quality => (code >= 192 ? 'good' : code >= 64 ? 'uncertain' : 'bad');

const ID = /^[^/+#]+$/;

export function edgeTopic(group: string, type: EdgeMessageType, edge: string, device?: string): string {
  return device === undefined ? `${SPARKPLUG_NAMESPACE}/${group}/${type}/${edge}` : `${SPARKPLUG_NAMESPACE}/${group}/${type}/${edge}/${device}`;
}

export function stateTopic(hostId: string): string {
  return `${SPARKPLUG_NAMESPACE}/STATE/${hostId}`;
}

/** Parses a topic of the Sparkplug namespace; anything else is HS_ERR_SPARKPLUG_TOPIC. */
export function parseTopic(topic: string): SparkplugTopic {
  const parts = topic.split('/');
  if (parts[0] !== SPARKPLUG_NAMESPACE) throw new HeatScadaError('HS_ERR_SPARKPLUG_TOPIC', `not in ${SPARKPLUG_NAMESPACE}: ${topic}`);
  if (parts[1] === 'STATE' && parts.length === 3 && ID.test(parts[2])) return { kind: 'state', hostId: parts[2] };
  const [, group, type, edge, device] = parts;
  const deviceType = type?.startsWith('D');
  const wellFormed =
    (EDGE_MESSAGE_TYPES as readonly string[]).includes(type ?? '') &&
    parts.length === (deviceType ? 5 : 4) &&
    [group, edge, ...(deviceType ? [device] : [])].every((p) => p !== undefined && ID.test(p));
  if (!wellFormed) throw new HeatScadaError('HS_ERR_SPARKPLUG_TOPIC', `malformed topic ${topic}`);
  return deviceType
    ? { kind: 'edge', type: type as EdgeMessageType, group, edge, device }
    : { kind: 'edge', type: type as EdgeMessageType, group, edge };
}

export type MetricDataType = 'Double' | 'Boolean' | 'UInt16' | 'UInt32' | 'UInt64' | 'Int32' | 'String';
export type MetricValue = number | boolean | string | null;
export type MetricProperty = { type: 'String'; value: string } | { type: 'Double' | 'Int32' | 'UInt64'; value: number } | { type: 'Boolean'; value: boolean };

export interface Metric {
  name?: string;
  alias?: number;
  timestamp?: number;
  datatype: MetricDataType;
  value: MetricValue;
  isHistorical?: boolean;
  properties?: Record<string, MetricProperty>;
}

export interface SparkplugPayload {
  timestamp: number;
  seq?: number;
  metrics: Metric[];
}

const toNumber = (v: number | LongLike | null | undefined): number | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'number' ? v : v.toNumber();

export function encodePayload(payload: SparkplugPayload): Buffer {
  const metrics: TahuMetric[] = payload.metrics.map((m) => {
    const out: TahuMetric = { type: m.datatype, value: m.value };
    if (m.name !== undefined) out.name = m.name;
    if (m.alias !== undefined) out.alias = m.alias;
    if (m.timestamp !== undefined) out.timestamp = m.timestamp;
    if (m.isHistorical) out.isHistorical = true;
    if (m.value === null) out.isNull = true;
    if (m.properties) out.properties = m.properties;
    return out;
  });
  const body: TahuPayload = { timestamp: payload.timestamp, metrics };
  if (payload.seq !== undefined) body.seq = payload.seq;
  return Buffer.from(tahu.encodePayload(body));
}

const DATATYPES = new Set<string>(['Double', 'Float', 'Boolean', 'Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'String', 'Text']);

function decodeValue(m: TahuMetric): MetricValue {
  if (m.isNull) return null;
  const v = m.value;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && 'toNumber' in v) return (v as LongLike).toNumber();
  return null;
}

/** Decodes a protobuf payload; a payload that is not Sparkplug B is HS_ERR_SPARKPLUG_DECODE. */
export function decodePayload(bytes: Uint8Array): SparkplugPayload {
  let raw: TahuPayload;
  try {
    raw = tahu.decodePayload(bytes);
  } catch (e) {
    throw new HeatScadaError('HS_ERR_SPARKPLUG_DECODE', (e as Error).message);
  }
  const metrics: Metric[] = (raw.metrics ?? []).map((m) => {
    const datatype = (m.type === 'Float' ? 'Double' : m.type === 'Text' ? 'String' : m.type) as MetricDataType;
    const metric: Metric = { datatype: DATATYPES.has(m.type) ? datatype : ('String' as const), value: DATATYPES.has(m.type) ? decodeValue(m) : null };
    if (m.name) metric.name = m.name;
    const alias = toNumber(m.alias);
    if (alias !== undefined) metric.alias = alias;
    const ts = toNumber(m.timestamp);
    if (ts !== undefined) metric.timestamp = ts;
    if (m.isHistorical) metric.isHistorical = true;
    if (m.properties) {
      metric.properties = Object.fromEntries(
        Object.entries(m.properties).map(([k, p]) => [k, { type: p.type, value: typeof p.value === 'object' && p.value !== null && 'toNumber' in p.value ? (p.value as LongLike).toNumber() : p.value } as MetricProperty]),
      );
    }
    return metric;
  });
  // A will (NDEATH) may carry no timestamp of its own: it is then stamped on receipt.
  const timestamp = toNumber(raw.timestamp) ?? Date.now();
  const seq = toNumber(raw.seq);
  return seq === undefined ? { timestamp, metrics } : { timestamp, seq, metrics };
}

/** The Sparkplug datatype a catalogue tag travels as. */
export function datatypeOf(def: TagDefinition): MetricDataType {
  if (def.valueType === 'boolean') return 'Boolean';
  if (def.valueType === 'enum' || def.name === 'plc.heartbeat') return 'UInt16';
  return 'Double';
}

/** Aliases are unique per edge node: the device's place in the node times a stride, plus the tag's. */
export const ALIAS_STRIDE = 64;
export const COMMAND_ACK_OFFSET = TAGS.length;
export function aliasFor(deviceIndex: number, tagIndex: number): number {
  return (deviceIndex + 1) * ALIAS_STRIDE + tagIndex;
}

/** The outcome of a command as the collector publishes it in COMMAND_ACK. */
export type CommandOutcome =
  | { requestId: string; tag: string; ok: true; value: number; actor?: string; onBehalfOf?: string }
  | { requestId: string; tag: string; ok: false; code: string; reason: string; actor?: string; onBehalfOf?: string };
