// The `simulate.opcua.security` section's schema, apart from the code that builds a server from
// it (opcua-security.ts) so that reading a configuration does not load node-opcua.

import { Type, type Static } from '@sinclair/typebox';

export const SERVER_SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
/** The policies node-opcua implements that are not deprecated (Basic256, Basic128Rsa15 are). */
export const SERVER_SECURITY_POLICIES = ['Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;
export type ServerSecurityMode = (typeof SERVER_SECURITY_MODES)[number];
export type ServerSecurityPolicy = (typeof SERVER_SECURITY_POLICIES)[number];

/** simulate.opcua.security in the configuration (simulators/config-schema.ts); every field has a default. */
export const OpcuaServerSecuritySchema = Type.Object(
  {
    modes: Type.Array(Type.Unsafe<ServerSecurityMode>(Type.String({ enum: [...SERVER_SECURITY_MODES] })), {
      minItems: 1,
      uniqueItems: true,
      default: ['Sign', 'SignAndEncrypt'],
      description: 'message security modes offered; add None to serve unsecured clients (loopback only, unless allow_insecure_on_network)',
    }),
    policies: Type.Array(Type.Unsafe<ServerSecurityPolicy>(Type.String({ enum: [...SERVER_SECURITY_POLICIES] })), {
      minItems: 1,
      uniqueItems: true,
      default: [...SERVER_SECURITY_POLICIES],
      description: 'security policies for Sign and SignAndEncrypt; the generated collector config uses the first',
    }),
    allow_anonymous: Type.Boolean({ default: false, description: 'sessions without a user name (loopback only, unless allow_insecure_on_network)' }),
    users: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), {
      uniqueItems: true,
      default: ['collector'],
      description: 'user names accepted; each password is <data_dir>/secrets/opcua-<user>.password, made at first start',
    }),
    accept_unknown_clients: Type.Boolean({
      default: true,
      description:
        'trust a client application certificate on first sight (the simulator stands in for a PLC already paired with its SCADA); false: only <data_dir>/pki/opcua-server/trusted. Never a login: X509 user tokens are not offered',
    }),
    allow_insecure_on_network: Type.Boolean({
      default: false,
      description: 'let None or anonymous sessions be served on a host other than loopback (anyone on the network could write setpoints)',
    }),
  },
  { additionalProperties: false, default: {} },
);

export type OpcuaServerSecurityConfig = Static<typeof OpcuaServerSecuritySchema>;
