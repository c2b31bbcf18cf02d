import { Type, type Static } from '@sinclair/typebox';

// The `store` section of the configuration document (composed in bin/config.ts). Relative
// paths are taken from the working directory, like every path in the document.

export const SqliteConfigSchema = Type.Object(
  {
    file: Type.String({ minLength: 1, default: './data/heatscada.db', description: 'SQLite file; its folder is created if missing' }),
    rollups: Type.Boolean({ default: true, description: 'keep minute and hourly rollups and read them for steps of a minute or more' }),
    rollup_after_s: Type.Integer({
      minimum: 0,
      maximum: 86_400,
      default: 300,
      description: 'roll raw points up once they are this much older than the newest point; 0: every minute as it closes',
    }),
    retention_days: Type.Number({ minimum: 0, default: 30, description: 'raw points older than this are dropped, rollups kept; 0 keeps them forever' }),
    cache_mb: Type.Integer({ minimum: 2, maximum: 65_536, default: 64, description: 'SQLite page cache' }),
    wal_mb: Type.Integer({ minimum: 1, maximum: 65_536, default: 256, description: 'WAL size that triggers a checkpoint; larger writes faster (README)' }),
  },
  { additionalProperties: false, default: {} },
);

export const InfluxConfigSchema = Type.Object(
  {
    url: Type.String({ format: 'uri', description: 'InfluxDB base URL, e.g. http://influxdb:8086' }),
    org: Type.String({ minLength: 1 }),
    bucket: Type.String({ minLength: 1 }),
    token_env: Type.String({
      minLength: 1,
      default: 'HEATSCADA_INFLUXDB_TOKEN',
      description: 'environment variable that holds the API token, so the token stays out of the file',
    }),
    batch_lines: Type.Integer({ minimum: 1, maximum: 100_000, default: 5000, description: 'lines per HTTP write request' }),
    timeout_ms: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
    retention_days: Type.Number({
      minimum: 0,
      default: 0,
      description: 'delete raw points older than this with the delete API; 0: leave it to the bucket retention period (preferred)',
    }),
  },
  { additionalProperties: false },
);

export const ClickHouseConfigSchema = Type.Object(
  {
    urls: Type.Array(Type.String({ format: 'uri' }), {
      minItems: 1,
      description: 'HTTP URLs of ClickHouse nodes, e.g. http://ch1:8123; requests fail over from one to the next (in a cluster list every node)',
    }),
    database: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$', default: 'heatscada', description: 'created with the tables if missing' }),
    cluster: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$',
        description: 'a <remote_servers> cluster name: cluster mode (ReplicatedMergeTree tables behind Distributed ones, created ON CLUSTER)',
      }),
    ),
    username: Type.String({ minLength: 1, default: 'default' }),
    password_env: Type.Optional(Type.String({ minLength: 1, description: 'environment variable that holds the password, so it stays out of the file' })),
    timeout_ms: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000, description: 'per HTTP request' }),
    ddl_timeout_ms: Type.Integer({ minimum: 1000, maximum: 600_000, default: 60_000, description: 'how long ON CLUSTER DDL and retention deletes wait for every node' }),
    batch_rows: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 200_000, description: 'rows per INSERT request' }),
    retention_days: Type.Number({ minimum: 0, default: 30, description: 'raw points older than this are rolled up into minutes and dropped; 0 keeps them forever' }),
  },
  { additionalProperties: false },
);

export const StoreConfigSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('sqlite'), Type.Literal('influxdb'), Type.Literal('clickhouse')], {
      default: 'sqlite',
      description: 'which implementation holds the time series',
    }),
    sqlite: SqliteConfigSchema,
    influxdb: Type.Optional(InfluxConfigSchema),
    clickhouse: Type.Optional(ClickHouseConfigSchema),
  },
  { additionalProperties: false, default: {} },
);

export type StoreConfig = Static<typeof StoreConfigSchema>;
export type SqliteConfig = Static<typeof SqliteConfigSchema>;
export type InfluxConfig = Static<typeof InfluxConfigSchema>;
export type ClickHouseConfig = Static<typeof ClickHouseConfigSchema>;
