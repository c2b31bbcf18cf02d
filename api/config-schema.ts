import { Type, type Static } from '@sinclair/typebox';
import { AUTH_DEFAULTS } from './auth/auth.ts';
import { BrokerUrlsField } from '../model/broker-urls.ts';
import { MqttLoginSchema, readMqttLogin } from '../model/mqtt-client.ts';
import type { ApiOptions } from './server.ts';

// The `serve:` section of the configuration document (bin/config.ts). Field reference: api/README.md.

export const AuthConfigSchema = Type.Object(
  {
    access_token_s: Type.Integer({ minimum: 60, maximum: 86_400, default: AUTH_DEFAULTS.accessTokenS, description: 'lifetime of an access token' }),
    refresh_token_s: Type.Integer({ minimum: 300, maximum: 30 * 86_400, default: AUTH_DEFAULTS.refreshTokenS, description: 'lifetime of a sign-in (the refresh cookie)' }),
    login_failures_per_address: Type.Integer({ minimum: 1, maximum: 10_000, default: AUTH_DEFAULTS.throttle.perAddress, description: 'failed sign-ins from one address before it is locked out for the window' }),
    login_failures_per_user: Type.Integer({ minimum: 1, maximum: 10_000, default: AUTH_DEFAULTS.throttle.perUser, description: 'failed sign-ins for one user name from one address before the name is locked out there for the window' }),
    login_failures_per_user_total: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: AUTH_DEFAULTS.throttle.perUserTotal,
      description: 'failed sign-ins for one user name from all addresses in the window past which each address gets a single try at it',
    }),
    login_window_s: Type.Integer({ minimum: 1, maximum: 86_400, default: AUTH_DEFAULTS.throttle.windowS, description: 'the window failed sign-ins are counted over, and the lockout' }),
    cors_origins: Type.Array(Type.String({ pattern: '^https?://[^/]+$' }), { default: [], description: 'origins (scheme://host[:port]) other web pages may call the API from; none by default' }),
    session_origins: Type.Array(Type.String({ pattern: '^https?://[^/]+$' }), {
      default: [],
      description: "origins besides the API's own whose pages may refresh and end a sign-in (the web app's address at a reverse proxy that rewrites Host); none by default",
    }),
    database: Type.Optional(Type.String({ minLength: 1, description: 'SQLite file for users and sessions when the store is InfluxDB; in the store file otherwise' })),
    metrics_token_env: Type.String({
      minLength: 1,
      default: 'HEATSCADA_METRICS_TOKEN',
      description: 'environment variable holding a bearer token Prometheus may scrape /metrics with; without it /metrics needs a viewer sign-in',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const ClusterConfigSchema = Type.Object(
  {
    redis_url: Type.String({ pattern: '^rediss?://', description: "the Redis every API node of the cluster uses: live events, sign-outs and the alarm engine's requests between nodes" }),
    signing_key_file: Type.Optional(
      Type.String({ minLength: 1, description: 'the token signing key every node shares (32 bytes, base64url, mode 0600), copied to each machine; the key beside the users database by default' }),
    ),
  },
  { additionalProperties: false, description: 'several API nodes behind one address (api/README.md, "Several nodes"); one node when absent' },
);

export const ServeConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address the HTTP server binds' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port (REST, socket.io, web); 0 picks a free one' }),
    mqtt_url: BrokerUrlsField('broker the live feed subscribes to', 'mqtt://127.0.0.1:1883'),
    mqtt_login: Type.Optional(MqttLoginSchema),
    group: Type.Optional(Type.String({ minLength: 1, pattern: '^[^/+#]+$', description: 'Sparkplug group to follow; every group when absent' })),
    web_dir: Type.String({ minLength: 1, default: './web/dist', description: 'the built web app, served with SPA fallback to index.html' }),
    sites_file: Type.Optional(Type.String({ minLength: 1, description: 'JSON with substations [{ id, name?, location: { lat, lon } }], e.g. ./data/sim-endpoints.json' })),
    stale_after_s: Type.Number({ exclusiveMinimum: 0, maximum: 86_400, default: 10, description: 'a substation heard nothing from this long is stale' }),
    overview_interval_ms: Type.Integer({ minimum: 10, maximum: 10_000, default: 250, description: 'overview frames are coalesced to at most one per this' }),
    body_limit_kb: Type.Integer({ minimum: 1, maximum: 10_240, default: 256, description: 'a request body larger than this is refused with 413 HS_ERR_BODY_TOO_LARGE' }),
    trust_proxy: Type.Union([Type.Boolean(), Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1 })], {
      default: false,
      description: 'reverse proxies whose X-Forwarded-For names the client (login throttle, audit source): true for any, or their addresses, CIDRs, loopback/linklocal/uniquelocal',
    }),
    auth: AuthConfigSchema,
    cluster: Type.Optional(ClusterConfigSchema),
  },
  { additionalProperties: false, default: {} },
);

export type ServeConfig = Static<typeof ServeConfigSchema>;

/** The options of a validated section; the caller opens the store (section `store:`). */
export function serveOptions(config: ServeConfig, env: NodeJS.ProcessEnv = process.env): Omit<ApiOptions, 'store' | 'logger' | 'sites'> {
  const { auth } = config;
  const options: Omit<ApiOptions, 'store' | 'logger' | 'sites'> = {
    host: config.host,
    port: config.port,
    mqttUrl: config.mqtt_url,
    mqttLogin: readMqttLogin(config.mqtt_login, '/serve/mqtt_login'),
    webDir: config.web_dir,
    staleAfterS: config.stale_after_s,
    overviewIntervalMs: config.overview_interval_ms,
    bodyLimitBytes: config.body_limit_kb * 1024,
    trustProxy: config.trust_proxy,
    corsOrigins: auth.cors_origins,
    auth: {
      accessTokenS: auth.access_token_s,
      refreshTokenS: auth.refresh_token_s,
      throttle: { perAddress: auth.login_failures_per_address, perUser: auth.login_failures_per_user, perUserTotal: auth.login_failures_per_user_total, windowS: auth.login_window_s },
      sessionOrigins: auth.session_origins,
    },
  };
  if (config.group !== undefined) options.group = config.group;
  if (config.sites_file !== undefined) options.sitesFile = config.sites_file;
  if (auth.database !== undefined) options.authDatabaseFile = auth.database;
  if (config.cluster !== undefined) options.cluster = { redisUrl: config.cluster.redis_url, ...(config.cluster.signing_key_file === undefined ? {} : { signingKeyFile: config.cluster.signing_key_file }) };
  const metricsToken = env[auth.metrics_token_env];
  if (metricsToken) options.metricsToken = metricsToken;
  return options;
}
