// Debian's clickhouse-server (18.16) on loopback, as a child process with a config of its own in
// a folder the caller owns (config, data, logs). Started again on the same folder it keeps its
// tables: how a killed replica comes back and catches up. Cluster nodes get a <remote_servers>
// cluster, <macros> and the ZooKeeper that ReplicatedMergeTree and ON CLUSTER DDL need.

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HeatScadaError } from '../../model/errors.ts';
import { startChildServer, type ChildServer } from './child-server.ts';

export interface ClickHouseEndpoint {
  host: string;
  /** The native TCP port: what Distributed tables and replicas' queries use. */
  port: number;
}

export interface ClickHouseServerOptions {
  dir: string;
  httpPort: number;
  tcpPort: number;
  /** Replicas fetch parts from each other on this port. */
  interserverPort: number;
  /** ZooKeeper servers as host:port; needed for Replicated* tables and ON CLUSTER. */
  zookeeper?: readonly string[];
  /** {shard}, {replica} … substituted in Replicated* table paths. */
  macros?: Readonly<Record<string, string>>;
  /** Named clusters: shards, each a list of replicas. */
  clusters?: Readonly<Record<string, readonly (readonly ClickHouseEndpoint[])[]>>;
}

export interface ClickHouseServer extends ChildServer {
  readonly httpPort: number;
  readonly tcpPort: number;
  /** http://127.0.0.1:<httpPort>, what @clickhouse/client takes. */
  readonly url: string;
  readonly dir: string;
}

const BINARY = '/usr/sbin/clickhouse-server';
const READY_TIMEOUT_MS = 30_000;

const xml = (s: string | number): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function clustersXml(clusters: NonNullable<ClickHouseServerOptions['clusters']>): string {
  const replica = (r: ClickHouseEndpoint): string => `<replica><host>${xml(r.host)}</host><port>${r.port}</port></replica>`;
  // internal_replication: a write goes to one replica of the shard, ReplicatedMergeTree copies it.
  const shard = (replicas: readonly ClickHouseEndpoint[]): string => `<shard><internal_replication>true</internal_replication>${replicas.map(replica).join('')}</shard>`;
  return Object.entries(clusters)
    .map(([name, shards]) => `<${name}>${shards.map(shard).join('')}</${name}>`)
    .join('');
}

/** config.xml for one server; `instance` is a macro only this start knows, to tell it from a stranger on the port. */
export function clickHouseConfig(o: ClickHouseServerOptions, instance: string): string {
  const dir = path.resolve(o.dir);
  const macros = { ...o.macros, instance };
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${xml(dir)}/log/server.log</log><errorlog>${xml(dir)}/log/error.log</errorlog><size>10M</size><count>2</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${o.httpPort}</http_port>
  <tcp_port>${o.tcpPort}</tcp_port>
  <interserver_http_port>${o.interserverPort}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>${xml(dir)}/data/</path>
  <tmp_path>${xml(dir)}/tmp/</tmp_path>
  <user_files_path>${xml(dir)}/user_files/</user_files_path>
  <format_schema_path>${xml(dir)}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>134217728</mark_cache_size>
  <uncompressed_cache_size>134217728</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <macros>${Object.entries(macros)
    .map(([k, v]) => `<${k}>${xml(v)}</${k}>`)
    .join('')}</macros>
  ${o.zookeeper?.length ? `<zookeeper>${o.zookeeper.map((hp) => `<node><host>${xml(hp.split(':')[0])}</host><port>${hp.split(':')[1]}</port></node>`).join('')}<session_timeout_ms>10000</session_timeout_ms></zookeeper>` : ''}
  ${o.clusters ? `<remote_servers>${clustersXml(o.clusters)}</remote_servers>` : ''}
  ${o.zookeeper?.length ? '<distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>' : ''}
</yandex>
`;
}

/** users.xml: the default user, loopback only, no password (these servers never leave 127.0.0.1). */
export const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

/** Asks one HTTP query; undefined when the server does not answer. */
async function ask(url: string, query: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(1000) });
    return response.ok ? (await response.text()).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** True when GET /ping answers "Ok.", ClickHouse's own liveness check. */
export async function ping(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return (await response.text()) === 'Ok.\n';
  } catch {
    return false;
  }
}

/** Starts clickhouse-server with its config written into dir; resolves once GET /ping answers "Ok." from this very server. */
export async function startClickHouseServer(o: ClickHouseServerOptions): Promise<ClickHouseServer> {
  if (!existsSync(BINARY)) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `${BINARY} is missing (apt-get install clickhouse-server)`);
  const dir = path.resolve(o.dir);
  for (const sub of ['log', 'data', 'tmp']) mkdirSync(path.join(dir, sub), { recursive: true });
  const instance = randomUUID();
  writeFileSync(path.join(dir, 'config.xml'), clickHouseConfig(o, instance));
  writeFileSync(path.join(dir, 'users.xml'), USERS_XML);
  const url = `http://127.0.0.1:${o.httpPort}`;
  const server = await startChildServer({
    name: `clickhouse-server on 127.0.0.1:${o.httpPort}`,
    binary: BINARY,
    args: [`--config-file=${path.join(dir, 'config.xml')}`],
    cwd: dir,
    install: 'apt-get install clickhouse-server',
    answersAsItself: async () => (await ping(url)) && (await ask(url, "SELECT substitution FROM system.macros WHERE macro = 'instance'")) === instance,
    readyTimeoutMs: READY_TIMEOUT_MS,
    // A clean shutdown waits for running merges; a loopback server has nothing worth waiting for.
    killAfterMs: 10_000,
  });
  return { ...server, httpPort: o.httpPort, tcpPort: o.tcpPort, url, dir };
}
