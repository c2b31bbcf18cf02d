// A ClickHouse cluster on loopback: one ZooKeeper and shards × replicas clickhouse-servers, each
// in a folder of its own under one root, with a <remote_servers> cluster (internal_replication)
// and <macros> {shard} and {replica}, so ReplicatedMergeTree tables under
// /clickhouse/tables/{shard}/… and ON CLUSTER DDL work. Every node can be killed and started
// again on its own folder, as the replica catch-up test needs.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startClickHouseServer, type ClickHouseServer, type ClickHouseServerOptions } from './clickhouse-server.ts';
import { startZooKeeper, type ZooKeeperServer } from './zookeeper.ts';

export interface ClickHouseClusterOptions {
  shards: number;
  replicas: number;
  /** Picks a free loopback port (tests/helpers/ports.ts freePort in tests). */
  pickPort: () => Promise<number>;
  /** The cluster's name in <remote_servers>. Default heatscada. */
  name?: string;
  /** Root folder of every node's config and data; default a fresh one under the OS temp dir, removed by stop(). */
  dir?: string;
}

export interface ClickHouseClusterNode {
  /** 1-based, as the {shard} macro. */
  readonly shard: number;
  /** The {replica} macro: unique in the whole cluster, e.g. s1-r2. */
  readonly replica: string;
  readonly url: string;
  /** Whether the server runs (false after kill() or stop() until restart()). */
  readonly running: boolean;
  readonly pid: number | undefined;
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Starts the node again on its own folder, ports and config. */
  restart(): Promise<void>;
}

export interface ClickHouseCluster {
  readonly name: string;
  readonly zookeeper: ZooKeeperServer;
  /** Shard by shard, replica by replica. */
  readonly nodes: readonly ClickHouseClusterNode[];
  /** Every node's HTTP URL, in the order of nodes. */
  readonly urls: readonly string[];
  /** Stops every node and ZooKeeper, and removes the root folder if this cluster made it. */
  stop(): Promise<void>;
}

class Node implements ClickHouseClusterNode {
  private server: ClickHouseServer | undefined;
  constructor(
    readonly shard: number,
    readonly replica: string,
    private readonly options: ClickHouseServerOptions,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.httpPort}`;
  }
  get running(): boolean {
    return this.server !== undefined;
  }
  get pid(): number | undefined {
    return this.server?.pid;
  }

  async restart(): Promise<void> {
    if (this.server) return;
    this.server = await startClickHouseServer(this.options);
  }
  async kill(): Promise<void> {
    await this.server?.kill();
    this.server = undefined;
  }
  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }
}

export async function startClickHouseCluster(o: ClickHouseClusterOptions): Promise<ClickHouseCluster> {
  const name = o.name ?? 'heatscada';
  const root = o.dir ?? mkdtempSync(path.join(os.tmpdir(), 'heatscada-clickhouse-cluster-'));
  const zookeeper = await startZooKeeper(await o.pickPort(), path.join(root, 'zookeeper'));
  const nodes: Node[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    await zookeeper.stop();
    if (!o.dir) rmSync(root, { recursive: true, force: true });
  };
  // The ports are picked before the servers bind them, so another program may take one in
  // between (tests run side by side): a failed start is tried once more on new ports.
  const attempt = async (): Promise<void> => {
    const layout: { shard: number; replica: string; http: number; tcp: number; interserver: number }[] = [];
    for (let s = 1; s <= o.shards; s++) {
      for (let r = 1; r <= o.replicas; r++) layout.push({ shard: s, replica: `s${s}-r${r}`, http: await o.pickPort(), tcp: await o.pickPort(), interserver: await o.pickPort() });
    }
    const shards = Array.from({ length: o.shards }, (_, s) => layout.filter((n) => n.shard === s + 1).map((n) => ({ host: '127.0.0.1', port: n.tcp })));
    nodes.length = 0;
    for (const n of layout) {
      nodes.push(
        new Node(n.shard, n.replica, {
          dir: path.join(root, n.replica),
          httpPort: n.http,
          tcpPort: n.tcp,
          interserverPort: n.interserver,
          zookeeper: [zookeeper.connectString],
          macros: { shard: String(n.shard), replica: n.replica },
          clusters: { [name]: shards },
        }),
      );
    }
    await Promise.all(nodes.map((n) => n.restart()));
  };
  try {
    await attempt().catch(async (e: unknown) => {
      process.stderr.write(`clickhouse cluster: ${(e as Error).message.split('\n')[0]}; trying once more on new ports\n`);
      await Promise.all(nodes.map((n) => n.stop()));
      for (const n of nodes) rmSync(path.join(root, n.replica), { recursive: true, force: true });
      await attempt();
    });
  } catch (e) {
    await stopAll();
    throw e;
  }
  return {
    name,
    zookeeper,
    nodes,
    urls: nodes.map((n) => n.url),
    stop: stopAll,
  };
}
