import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { BrokerUrlsField } from '../../model/broker-urls.ts';
import { MqttLoginFields, ownClientId } from '../../model/mqtt-client.ts';
import { validateDocument } from '../../model/validate.ts';
import { TAG_NAMES, WRITABLE_TAGS, type TagName } from '../../model/tags.ts';

// The edge node's part of the `collect` section (everything but `devices`, which
// collectors/collector-config.ts adds). Field reference: collectors/sparkplug/README.md.

const ID = '^[^/+#]+$';
const Seconds = (description: string, defaultS: number) => Type.Number({ exclusiveMinimum: 0, maximum: 86_400, default: defaultS, description });

/** One of a few integers, with one error message ("must be equal to one of the allowed values") rather than one per branch. */
const oneOf = <T extends number>(values: readonly T[], defaultValue: T, description: string) =>
  Type.Unsafe<T>({ type: 'integer', enum: values, default: defaultValue, description });

/** An object keyed by tag names; any other key fails at start with its path. */
const perTag = (names: readonly string[], value: () => TSchema, description: string) =>
  Type.Object(Object.fromEntries(names.map((name) => [name, Type.Optional(value())])), { additionalProperties: false, default: {}, description });

const MqttLinkSchema = Type.Object(
  {
    url: BrokerUrlsField('the broker; with a list, each new connection goes to the next node (and births again there)', 'mqtt://127.0.0.1:1883'),
    protocol_version: oneOf([4, 5] as const, 4, '4 = MQTT 3.1.1 (what aedes speaks), 5 = MQTT 5'),
    client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'default: heatscada-<group_id>-<edge_node_id>; prefixed with <username>- when that is not its start (the broker reserves it)' })),
    ...MqttLoginFields,
    keepalive_s: Type.Integer({ minimum: 1, maximum: 65_535, default: 30, description: 'a dead edge node is known (NDEATH) within 1.5 × keepalive' }),
    reconnect_s: Seconds('wait between connection attempts', 2),
  },
  { additionalProperties: false, default: {} },
);

const edgeNodeFields = {
  mqtt: MqttLinkSchema,
  group_id: Type.String({ pattern: ID, default: 'heatscada', description: 'Sparkplug group id' }),
  edge_node_id: Type.String({ pattern: ID, default: 'collector-1', description: 'Sparkplug edge node id, unique in the group' }),
  primary_host_id: Type.Optional(
    Type.String({ pattern: ID, description: 'publish only while this host application says online at spBv1.0/STATE/<id>; buffer otherwise' }),
  ),
  data_dir: Type.String({ minLength: 1, default: './data', description: 'the store-and-forward buffer and bdSeq live under <data_dir>/sparkplug/' }),
  poll_interval_s: Seconds('how often polling drivers read their device', 1),
  refresh_interval_s: Seconds('every metric of a device is republished this often even when it did not move', 60),
  deadbands: perTag(TAG_NAMES, () => Type.Number({ minimum: 0 }), 'per tag, engineering units: a value is published when it moves beyond this'),
  command_min_interval_s: perTag(
    ['default', ...WRITABLE_TAGS.map((t) => t.name)],
    () => Type.Number({ minimum: 0, maximum: 86_400 }),
    'minimum time between two writes of one tag; default applies to tags not listed (2 s unless set)',
  ),
  buffer_max_points: Type.Integer({ minimum: 1, default: 5_000_000, description: 'store-and-forward bound; the oldest points are dropped (and counted) beyond it' }),
  buffer_memory_max_points: Type.Integer({ minimum: 1, default: 100_000, description: 'while the buffer\'s disk is full, points wait in memory up to this many; beyond, the oldest are dropped (and counted)' }),
  buffer_min_free_mb: Type.Number({ minimum: 0, default: 16, description: 'after a full disk, the buffer counts as writable again once this much is free' }),
  replay_batch: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'buffered metrics per historical DDATA' }),
  data_qos: oneOf(
    [0, 1] as const,
    1,
    '1: a DDATA not acknowledged when the link drops goes to the buffer (no loss); 0: the letter of Sparkplug, loses what is in flight',
  ),
};

/** Everything the edge node needs besides its devices. */
export const EdgeNodeConfigSchema = Type.Object(edgeNodeFields, { additionalProperties: false, default: {} });
export type EdgeNodeConfig = Static<typeof EdgeNodeConfigSchema>;

const DEFAULT_COMMAND_MIN_INTERVAL_S = 2;

/** Validates the edge node part of a `collect` section, filling defaults; bad fields fail with their path. */
export function resolveEdgeNodeConfig(doc: unknown): EdgeNodeConfig {
  return validateDocument(EdgeNodeConfigSchema, doc ?? {}, 'HS_ERR_CONFIG_INVALID', 'collect');
}

export function commandMinIntervalMs(config: EdgeNodeConfig, tag: TagName): number {
  const table = config.command_min_interval_s as Partial<Record<TagName | 'default', number>>;
  return 1000 * (table[tag] ?? table.default ?? DEFAULT_COMMAND_MIN_INTERVAL_S);
}

export const clientIdOf = (config: EdgeNodeConfig): string => ownClientId(config.mqtt, config.mqtt.client_id ?? `heatscada-${config.group_id}-${config.edge_node_id}`);
