import { HeatScadaError } from '../model/errors.ts';
import type { TimeSeriesStore } from '../model/store.ts';
import { openClickHouseStore, type ClickHouseStoreOptions } from './clickhouse/clickhouse-store.ts';
import type { ClickHouseConfig, SqliteConfig, StoreConfig } from './config-schema.ts';
import { openInfluxStore } from './influxdb/influxdb-store.ts';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.ts';
import { openSqliteWriter, type StoreWriter } from './sqlite/worker-writer.ts';

// The one place that turns the `store` configuration section into a TimeSeriesStore.

const DAY = 86_400_000;

/**
 * Opens the configured store: SQLite by default, InfluxDB when kind is influxdb (its token is
 * read from the environment variable the section names), ClickHouse when kind is clickhouse.
 * Fails with the section path at fault.
 */
export async function openStore(config: StoreConfig, env: NodeJS.ProcessEnv = process.env): Promise<TimeSeriesStore> {
  if (config.kind === 'sqlite') return openSqliteStore(sqliteOptions(config.sqlite));
  if (config.kind === 'clickhouse') return openClickHouseStore(clickHouseOptions(config.clickhouse, env));
  const c = config.influxdb;
  if (!c) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'kind is influxdb but the influxdb section is missing', '/store/influxdb');
  const token = env[c.token_env];
  if (!token) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `environment variable ${c.token_env} (the API token) is not set`, '/store/influxdb/token_env');
  return openInfluxStore({ url: c.url, org: c.org, bucket: c.bucket, token, batchLines: c.batch_lines, timeoutMs: c.timeout_ms });
}

/** The ClickHouse section as store options; its password is read from the variable the section names. */
function clickHouseOptions(c: ClickHouseConfig | undefined, env: NodeJS.ProcessEnv): ClickHouseStoreOptions {
  if (!c) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'kind is clickhouse but the clickhouse section is missing', '/store/clickhouse');
  const password = c.password_env === undefined ? undefined : env[c.password_env];
  if (c.password_env !== undefined && password === undefined) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `environment variable ${c.password_env} (the ClickHouse password) is not set`, '/store/clickhouse/password_env');
  }
  return {
    urls: c.urls,
    database: c.database,
    cluster: c.cluster,
    username: c.username,
    password,
    requestTimeoutMs: c.timeout_ms,
    ddlTimeoutMs: c.ddl_timeout_ms,
    batchRows: c.batch_rows,
  };
}

function sqliteOptions(c: SqliteConfig): SqliteStoreOptions {
  return { file: c.file, rollups: c.rollups, rollupAfterMs: c.rollup_after_s * 1000, cacheMb: c.cache_mb, walMb: c.wal_mb };
}

/**
 * The historian's side of the configured store. SQLite writes on a thread of its own, so the
 * inserts do not compete with the broker and decoding for the main thread; open the reading
 * store (openStore) first, which creates the file and its tables. InfluxDB and ClickHouse
 * write over HTTP from the main thread.
 */
export async function openStoreWriter(config: StoreConfig, env: NodeJS.ProcessEnv = process.env): Promise<StoreWriter> {
  return config.kind === 'sqlite' ? openSqliteWriter(sqliteOptions(config.sqlite)) : openStore(config, env);
}

/** The cut-off for applyRetention at `now`, or undefined when the section keeps raw points. */
export function retentionCutoff(config: StoreConfig, now: number): number | undefined {
  const days =
    config.kind === 'sqlite' ? config.sqlite.retention_days : config.kind === 'clickhouse' ? (config.clickhouse?.retention_days ?? 0) : (config.influxdb?.retention_days ?? 0);
  return days > 0 ? now - days * DAY : undefined;
}
