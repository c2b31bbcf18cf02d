// The platform as a cluster on loopback: ZooKeeper and ClickHouse shards × replicas, Redis, a
// broker cluster, the simulated city, a collector and historians on every broker, API nodes and
// hot-standby pairs of control and alarms — every role its own `heatscada <role>` process with
// the configuration one machine of that kind would have (config/cluster/). `npm run
// cluster:local` (cluster/local.ts), tests/cluster-plant.test.ts and bench/cluster.ts start it
// here, whole or in part, and can kill and restart any piece.

import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { MqttPrincipal } from '../broker/acl.ts';
import { resolveConfig } from '../bin/config.ts';
import { openClickHouseStore } from '../store/clickhouse/clickhouse-store.ts';
import { freePort } from '../tests/helpers/ports.ts';
import { startClickHouseCluster, type ClickHouseCluster } from './engines/clickhouse-cluster.ts';
import { startRedisServer, type RedisServer } from './engines/redis-server.ts';
import { simulatedPlant, writeRoleLogins, type SimulatedPlant } from './plant-config.ts';
import { RoleProcess } from './role-process.ts';

export interface LocalClusterOptions {
  /** Everything goes here: configs, logs, data, the engines' folders. The caller removes it. */
  dir: string;
  substations: number;
  seed: number;
  /** Simulated seconds per wall second. */
  speed: number;
  clickhouse: { shards: number; replicas: number };
  brokers: number;
  historians: number;
  apiNodes: number;
  /** Control and alarms as hot-standby pairs (two instances each, a lease in Redis); left out when false. */
  standbyPairs: boolean;
  /** How often each role logs its health, wall seconds (0: never). */
  healthEveryS?: number;
  /** A line per step while starting and stopping. */
  progress?: (line: string) => void;
}

export interface LocalCluster {
  readonly dir: string;
  readonly plant: SimulatedPlant;
  readonly clickhouse: ClickHouseCluster;
  readonly database: string;
  readonly redis: RedisServer;
  readonly brokerUrls: readonly string[];
  readonly apiUrls: readonly string[];
  /** Every role process by its name: simulate, broker-1, collect, historian-1, serve-1, control-a, alarms-b, … */
  readonly roles: ReadonlyMap<string, RoleProcess>;
  role(name: string): RoleProcess;
  /** What runs where, a line each: the summary cluster:local prints. */
  addresses(): string[];
  /** Stops every role (the plant first), then the engines. */
  stop(): Promise<void>;
}

export const GROUP = 'heatscada';
export const EDGE_NODE = 'collector-1';
const CLUSTER_NAME = 'heatscada';
const DATABASE = 'heatscada';
const SHARE_GROUP = 'historian';
const hostIdOf = (k: number): string => `heatscada-historian-${k}`;
const PAIR = ['a', 'b'] as const;
const RULES_FILE = new URL('../config/alarm-rules.yaml', import.meta.url).pathname;
/** The plant first, so nothing new is served; then the data path from its far end. */
const STOP_ORDER = ['simulate', 'collect', 'control', 'alarms', 'serve', 'historian', 'broker'];

/** The list rotated by k: each historian or API node starts on another node and fails over through the rest. */
const rotated = <T>(list: readonly T[], k: number): T[] => list.map((_, i) => list[(i + k) % list.length]);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

export async function startLocalCluster(o: LocalClusterOptions): Promise<LocalCluster> {
  const say = o.progress ?? (() => undefined);
  const dataDir = path.join(o.dir, 'data');
  const secrets = path.join(dataDir, 'secrets');
  for (const sub of ['config', 'logs', 'engines']) fs.mkdirSync(path.join(o.dir, sub), { recursive: true });
  const roles = new Map<string, RoleProcess>();
  let clickhouse: ClickHouseCluster | undefined;
  let redis: RedisServer | undefined;

  const stop = async (): Promise<void> => {
    for (const kind of STOP_ORDER) {
      const named = [...roles.entries()].filter(([, r]) => r.role === kind);
      if (named.length > 0) say(`cluster: stopping ${named.map(([n]) => n).join(', ')}`);
      await Promise.all(named.map(([, r]) => r.stop()));
    }
    for (const r of roles.values()) r.close();
    say('cluster: stopping ClickHouse, ZooKeeper and Redis');
    await Promise.all([clickhouse?.stop(), redis?.stop()]);
  };

  try {
    const { shards, replicas } = o.clickhouse;
    redis = await startRedisServer(await freePort());
    say(`cluster: Redis ${redis.url}; starting ZooKeeper and ClickHouse ${shards} shard(s) × ${replicas} replica(s) while the plant and the brokers start`);
    const engines = startClickHouseCluster({ shards, replicas, pickPort: freePort, name: CLUSTER_NAME, dir: path.join(o.dir, 'engines', 'clickhouse') }).then(async (started) => {
      clickhouse = started;
      // The tables once, before any historian: two creating them ON CLUSTER at once would race.
      await (await openClickHouseStore({ urls: started.urls, database: DATABASE, cluster: CLUSTER_NAME })).close();
      return started;
    });

    const plant = await simulatedPlant({ dir: o.dir, dataDir, substations: o.substations, seed: o.seed, speed: o.speed });
    const credentialsFile = path.join(dataDir, 'mqtt-credentials.yaml');
    const principals: Record<string, MqttPrincipal> = {
      collector: { username: 'collector', kind: 'edge_node', group: GROUP, edgeNodeId: EDGE_NODE, devices: plant.plcs },
      control: { username: 'control', kind: 'control' },
      alarms: { username: 'alarms', kind: 'alarms' },
      api: { username: 'api', kind: 'api' },
    };
    // A login each, sharing one share group: the broker lets a principal join its own groups only.
    for (const k of range(o.historians)) principals[`historian-${k}`] = { username: `historian-${k}`, kind: 'historian', hostId: hostIdOf(k), shareGroups: [SHARE_GROUP] };
    const loginOf = await writeRoleLogins(credentialsFile, secrets, principals);
    const brokerPorts = await Promise.all(range(o.brokers).map(async () => ({ tcp: await freePort(), ws: await freePort() })));
    const brokerUrls = brokerPorts.map((p) => `mqtt://127.0.0.1:${p.tcp}`);
    const apiPorts = await Promise.all(range(o.apiNodes).map(() => freePort()));
    const apiUrls = apiPorts.map((p) => `http://127.0.0.1:${p}`);
    const health = { every_s: o.healthEveryS ?? 0 };

    /** A role process with its own configuration file, validated by the real schema first. */
    const add = (name: string, role: string, doc: Record<string, unknown>, extraArgs: string[] = []): RoleProcess => {
      resolveConfig(structuredClone({ ...doc, health }));
      const file = path.join(o.dir, 'config', `${name}.yaml`);
      fs.writeFileSync(file, stringify({ ...doc, health }));
      const r = new RoleProcess(role, ['--config', file, ...extraArgs], path.join(o.dir, 'logs', `${name}.log`));
      roles.set(name, r);
      return r;
    };

    add('simulate', 'simulate', { simulate: plant.section });
    for (const [i, p] of brokerPorts.entries()) {
      add(`broker-${i + 1}`, 'broker', { broker: { host: '127.0.0.1', tcp_port: p.tcp, ws_port: p.ws, credentials_file: credentialsFile, cluster: { redis_url: redis.url, node_id: `broker-${i + 1}` } } });
    }
    add(
      'collect',
      'collect',
      {
        collect: { group_id: GROUP, edge_node_id: EDGE_NODE, primary_host_id: hostIdOf(1), poll_interval_s: 1, refresh_interval_s: 60, data_dir: dataDir, mqtt: { url: brokerUrls, ...loginOf('collector') } },
      },
      ['--devices', plant.devicesFile],
    );
    const startAll = async (names: string[]): Promise<void> => {
      if (names.length === 0) return;
      say(`cluster: starting ${names.join(', ')}`);
      await Promise.all(names.map((n) => roles.get(n)!.start()));
    };
    const named = (kind: string): string[] => [...roles.entries()].filter(([, r]) => r.role === kind).map(([n]) => n);
    // The simulator writes the collector's device list; the brokers come before their clients.
    const plantSide = (async () => {
      await startAll(['simulate']);
      await startAll(named('broker'));
    })();
    // Both settle before anything is stopped on an error.
    const [ch, plantStarted] = await Promise.allSettled([engines, plantSide]);
    if (ch.status === 'rejected') throw ch.reason;
    if (plantStarted.status === 'rejected') throw plantStarted.reason;
    const chCluster = ch.value;
    say(`cluster: ClickHouse ${chCluster.urls.join(' ')}; ZooKeeper ${chCluster.zookeeper.connectString}`);
    const clickhouseStore = (k: number) => ({ kind: 'clickhouse', clickhouse: { urls: rotated(chCluster.urls, k), database: DATABASE, cluster: CLUSTER_NAME } });

    for (const k of range(o.historians)) {
      add(`historian-${k}`, 'historian', {
        historian: { mqtt_url: rotated(brokerUrls, k - 1), mqtt_login: loginOf(`historian-${k}`), host_id: hostIdOf(k), shared: SHARE_GROUP },
        store: clickhouseStore(k - 1),
      });
    }
    // The API nodes share the users (one SQLite file on this machine; on several, see config/cluster/) and their signing key beside it.
    const usersFile = path.join(dataDir, 'users.db');
    for (const [i, port] of apiPorts.entries()) {
      add(`serve-${i + 1}`, 'serve', {
        serve: { host: '127.0.0.1', port, mqtt_url: rotated(brokerUrls, i), mqtt_login: loginOf('api'), auth: { database: usersFile }, cluster: { redis_url: redis.url } },
        store: clickhouseStore(i),
      });
    }
    if (o.standbyPairs) {
      // The alarm engine keeps its tables in SQLite: the pair shares one file, as it would share a database server.
      const alarmsFile = path.join(dataDir, 'alarms.db');
      for (const [i, id] of PAIR.entries()) {
        const standby = { redis_url: redis.url, instance_id: id };
        add(`control-${id}`, 'control', {
          control: { enabled: true, start_mode: 'auto', group: GROUP, mqtt_url: rotated(brokerUrls, i), mqtt_login: loginOf('control'), standby },
          store: clickhouseStore(i),
        });
        add(`alarms-${id}`, 'alarms', {
          alarms: { rules_file: RULES_FILE, mqtt_url: rotated(brokerUrls, i), mqtt_login: loginOf('alarms'), standby },
          store: { kind: 'sqlite', sqlite: { file: alarmsFile } },
        });
      }
    }

    // The first API node makes the users' tables before the others open them.
    await startAll([...named('historian'), 'collect']);
    await startAll(named('serve').slice(0, 1));
    await startAll([...named('serve').slice(1), ...named('control'), ...named('alarms')]);
    say('cluster: every role started');

    const cluster: LocalCluster = {
      dir: o.dir,
      plant,
      clickhouse: chCluster,
      database: DATABASE,
      redis,
      brokerUrls,
      apiUrls,
      roles,
      role(name) {
        const r = roles.get(name);
        if (!r) throw new Error(`no role process named ${name} (there are ${[...roles.keys()].join(', ')})`);
        return r;
      },
      addresses: () => addresses(cluster),
      stop,
    };
    return cluster;
  } catch (e) {
    await stop();
    throw e;
  }
}

function addresses(c: LocalCluster): string[] {
  const pidOf = (name: string): string => `pid ${c.role(name).lives.at(-1)?.pid ?? '-'}`;
  const lines = [
    `heatscada cluster on loopback: ${c.plant.substations.length} substations, files in ${c.dir}`,
    `  zookeeper  ${c.clickhouse.zookeeper.connectString}  (pid ${c.clickhouse.zookeeper.pid})`,
    ...c.clickhouse.nodes.map((n) => `  clickhouse shard ${n.shard} replica ${n.replica}  ${n.url}  (pid ${n.pid}; database ${c.database}, cluster ${c.clickhouse.name})`),
    `  redis      ${c.redis.url}  (pid ${c.redis.pid})`,
    ...c.brokerUrls.map((url, i) => `  broker-${i + 1}   ${url}  (${pidOf(`broker-${i + 1}`)})`),
    `  simulate   admin ${c.plant.adminUrl}  (token in ${c.plant.adminTokenFile}; ${pidOf('simulate')}; ledger ${c.plant.ledgerFile})`,
    `  collect    ${EDGE_NODE} → ${c.brokerUrls.join(', ')}  (${pidOf('collect')})`,
  ];
  for (const [name, r] of c.roles) {
    if (r.role === 'historian') lines.push(`  ${name} shared subscription $share/${SHARE_GROUP}/… → ClickHouse  (${pidOf(name)})`);
    if (r.role === 'control' || r.role === 'alarms') lines.push(`  ${name.padEnd(10)} hot standby, lease in ${c.redis.url}  (${pidOf(name)})`);
  }
  c.apiUrls.forEach((url, i) => lines.push(`  serve-${i + 1}    control room ${url}  (API ${url}/api, docs ${url}/api/docs; ${pidOf(`serve-${i + 1}`)})`));
  const admin = firstAdminLine(c);
  if (admin) lines.push(admin);
  lines.push(`  logs       ${path.join(c.dir, 'logs')}/<role>.log, configs ${path.join(c.dir, 'config')}/<role>.yaml`);
  return lines;
}

/** The first API node prints the first admin's password once; it is in its log. */
function firstAdminLine(c: LocalCluster): string | undefined {
  const log = path.join(c.dir, 'logs', 'serve-1.log');
  if (!fs.existsSync(log)) return undefined;
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .find((l) => l.includes('first start: user'));
}
