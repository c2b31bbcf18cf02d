// The store's tables, for one server or for a cluster (README.md, "Schema"). Queries always
// name the read tables below; in cluster mode those are Distributed tables over *_local
// ReplicatedMergeTree tables on every node, created with ON CLUSTER DDL.
//
// Kept to what ClickHouse 18.16 accepts and current releases still do: ms timestamps as UInt64
// (no DateTime64), no TTL, no codecs, no LowCardinality.

export interface Layout {
  database: string;
  /** The <remote_servers> cluster name: cluster mode. */
  cluster?: string;
}

/** The tables queries read and write. */
export const TABLES = ['points', 'latest', 'rollup_1m', 'statuses', 'retention_runs'] as const;
export type Table = (typeof TABLES)[number];

const COLUMNS: Record<Table, string> = {
  points: 'substation String, tag String, ts UInt64, value Float64, quality UInt8, historical UInt8, version UInt64',
  latest: 'substation String, tag String, ts UInt64, value Float64, quality UInt8, historical UInt8, version UInt64',
  rollup_1m:
    'substation String, tag String, minute UInt64, run String, total Float64, n UInt64, lo Float64, hi Float64, last_ts UInt64, last_value Float64, worst UInt8',
  statuses: 'substation String, online UInt8, ts UInt64',
  retention_runs: 'run String, cut UInt64, at UInt64',
};

const MONTH_OF = (column: string): string => `toYYYYMM(toDateTime(intDiv(${column}, 1000)))`;

/** Engine name, its arguments after the replication path, and the rest of the clause. */
const ENGINE: Record<Table, { engine: string; args: string[]; rest: string }> = {
  // A rewrite of (series, ts) is a new row with a higher version; queries take argMax(…, version).
  points: { engine: 'ReplacingMergeTree', args: ['version'], rest: `PARTITION BY ${MONTH_OF('ts')} ORDER BY (substation, tag, ts)` },
  // Fed by a materialized view from points; merges keep the newest ts of each series.
  latest: { engine: 'ReplacingMergeTree', args: ['ts'], rest: 'ORDER BY (substation, tag)' },
  rollup_1m: { engine: 'MergeTree', args: [], rest: `PARTITION BY ${MONTH_OF('minute')} ORDER BY (substation, tag, minute)` },
  statuses: { engine: 'ReplacingMergeTree', args: ['ts'], rest: 'ORDER BY substation' },
  retention_runs: { engine: 'MergeTree', args: [], rest: 'ORDER BY cut' },
};

/** Tables every node holds whole (few rows, read inside shard queries); the rest are sharded by series. */
const ON_EVERY_NODE: ReadonlySet<Table> = new Set(['statuses', 'retention_runs']);

/** Where a query finds the table: the Distributed one in cluster mode for sharded tables. */
export const tableName = (layout: Layout, table: Table): string => `${layout.database}.${table}`;

/** The DDL that creates the store's tables if missing, in order. */
export function schemaStatements(layout: Layout): string[] {
  const db = layout.database;
  const onCluster = layout.cluster ? ` ON CLUSTER ${layout.cluster}` : '';
  const statements = [`CREATE DATABASE IF NOT EXISTS ${db}${onCluster}`];
  for (const table of TABLES) {
    const { engine, args, rest } = ENGINE[table];
    if (!layout.cluster) {
      statements.push(`CREATE TABLE IF NOT EXISTS ${db}.${table} (${COLUMNS[table]}) ENGINE = ${engine}${args.length ? `(${args.join(', ')})` : ''} ${rest}`);
      continue;
    }
    const shared = ON_EVERY_NODE.has(table);
    const local = shared ? table : `${table}_local`;
    const zkPath = `'/clickhouse/tables/${shared ? 'all' : '{shard}'}/${db}/${table}'`;
    statements.push(`CREATE TABLE IF NOT EXISTS ${db}.${local}${onCluster} (${COLUMNS[table]}) ENGINE = Replicated${engine}(${[zkPath, "'{replica}'", ...args].join(', ')}) ${rest}`);
    // One series lives on one shard: its rewrites and its latest value meet there.
    if (!shared) statements.push(`CREATE TABLE IF NOT EXISTS ${db}.${table}${onCluster} AS ${db}.${local} ENGINE = Distributed(${layout.cluster}, ${db}, ${local}, cityHash64(substation, tag))`);
  }
  const [points, latest] = layout.cluster ? ['points_local', 'latest_local'] : ['points', 'latest'];
  statements.push(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.latest_feed${onCluster} TO ${db}.${latest} AS SELECT * FROM ${db}.${points}`);
  return statements;
}
