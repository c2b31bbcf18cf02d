// The configuration of one OPC UA device (a substation PLC, alone on its endpoint or one of a
// group): where it answers, how to secure the channel, and which node carries each tag.
// Without `tags`, every catalogue tag is read from `s=<id>.<tag>` in namespace_uri.

import { Type, type Static } from '@sinclair/typebox';
import type { TagName } from '../../model/tags.ts';
import { DeviceIdSchema, ReconnectSchema, mappedTags, tagMapSchema } from '../driver-support.ts';

/** How the collector trusts a server's certificate (server-trust.ts). */
export const SERVER_TRUST = ['first_use', 'trust_list'] as const;
export type ServerTrustPolicy = (typeof SERVER_TRUST)[number];

/** DOMAIN.md: the namespace every HeatSCADA PLC (and the simulator) serves its tags in. */
export const HEATSCADA_NAMESPACE_URI = 'urn:heatscada:plc';

export const SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
export const SECURITY_POLICIES = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss', 'Basic256', 'Basic128Rsa15'] as const;

const DeadbandSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('absolute'), Type.Literal('percent')], {
      description: 'absolute: engineering units; percent: of the EURange (AnalogItemType nodes only)',
    }),
    value: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false, description: 'the server reports a change only when the value moves more than this' },
);
export type Deadband = Static<typeof DeadbandSchema>;

// Strings, numbers, GUIDs and opaque ids; an optional ns=<n>; is replaced by namespace_uri's index.
const NODE_ID_PATTERN = '^(ns=\\d+;)?(s=.+|i=\\d+|g=[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}|b=.+)$';

const nodeId = Type.String({ pattern: NODE_ID_PATTERN, description: 'node id in namespace_uri; default s=<id>.<tag>' });
const PlainTagSchema = Type.Object({ node_id: Type.Optional(nodeId) }, { additionalProperties: false });
const NumericTagSchema = Type.Object({ node_id: Type.Optional(nodeId), deadband: Type.Optional(DeadbandSchema) }, { additionalProperties: false });

export const OpcuaDeviceSchema = Type.Object(
  {
    id: DeviceIdSchema,
    protocol: Type.Literal('opcua'),
    url: Type.String({ pattern: '^opc\\.tcp://\\S+$', description: 'endpoint URL, opc.tcp://host:port[/path]' }),
    namespace_uri: Type.String({
      minLength: 1,
      default: HEATSCADA_NAMESPACE_URI,
      description: "the tags' namespace; its index is looked up in the server's NamespaceArray at every connect",
    }),
    security_mode: Type.Union(
      SECURITY_MODES.map((m) => Type.Literal(m)),
      { default: 'None' },
    ),
    security_policy: Type.Union(
      SECURITY_POLICIES.map((p) => Type.Literal(p)),
      { default: 'None' },
    ),
    username: Type.Optional(Type.String({ minLength: 1, description: 'user name identity; anonymous without one' })),
    password: Type.Optional(Type.String({ description: 'or password_file' })),
    password_file: Type.Optional(Type.String({ minLength: 1, description: 'a file holding the password (its first line), read at start' })),
    pki_dir: Type.String({ minLength: 1, default: './data/pki/opcua-client', description: "the client's certificate, key and trust lists" }),
    server_trust: Type.Unsafe<(typeof SERVER_TRUST)[number]>(
      Type.String({
        enum: [...SERVER_TRUST],
        default: 'first_use',
        description: "first_use: pin the first certificate seen at the URL (pki_dir/trusted); trust_list: only certificates already in pki_dir/trusted",
      }),
    ),
    sampling_interval_ms: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 1000, description: 'how often the server samples each tag' }),
    queue_size: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 10,
      description: 'samples the server keeps per tag between publishes (oldest dropped): 1 keeps only the latest, so a late publish loses samples',
    }),
    request_timeout_ms: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000, description: 'reads, writes and service calls' }),
    reconnect: ReconnectSchema,
    tags: Type.Optional(
      tagMapSchema(
        (def) => (def.valueType === 'number' ? NumericTagSchema : PlainTagSchema),
        'tag → node id and deadband; every catalogue tag at s=<id>.<tag> when absent',
      ),
    ),
  },
  {
    additionalProperties: false,
    allOf: [
      // Security policy None goes with mode None, and only with it.
      {
        if: { properties: { security_mode: { const: 'None' } } },
        then: { properties: { security_policy: { const: 'None' } } },
        else: { properties: { security_policy: { not: { const: 'None' } } }, required: ['security_policy'] },
      },
    ],
    // A user name goes with exactly one of password and password_file, and they only with it.
    dependencies: {
      username: { oneOf: [{ required: ['password'] }, { required: ['password_file'] }] },
      password: ['username'],
      password_file: ['username'],
    },
  },
);
export type OpcuaDeviceConfig = Static<typeof OpcuaDeviceSchema>;

/** One tag as the driver monitors it: the node id without its namespace, and its deadband. */
export interface OpcuaTag {
  tag: TagName;
  /** `s=…`, `i=…`, `g=…` or `b=…`: the namespace index is added at connect. */
  identifier: string;
  deadband?: Deadband;
}

export function opcuaTags(device: OpcuaDeviceConfig): OpcuaTag[] {
  const map: Partial<Record<TagName, { node_id?: string; deadband?: Deadband }>> | undefined = device.tags;
  return mappedTags(map).map((tag) => {
    const entry = map?.[tag];
    const identifier = (entry?.node_id ?? `s=${device.id}.${tag}`).replace(/^ns=\d+;/, '');
    return entry?.deadband ? { tag, identifier, deadband: entry.deadband } : { tag, identifier };
  });
}
