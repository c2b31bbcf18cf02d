// What a run on the cluster counts straight from the ClickHouse nodes, past the store's own code:
// the heartbeats stored (through the Distributed table, any live node), and a replica's own rows
// (its _local table), so a restarted replica can be compared with its twin.

import type { StoredBeat } from '../bench/soak/ledger.ts';
import { QUALITY_CODE } from '../store/rules.ts';
import type { ClickHouseCluster, ClickHouseClusterNode } from './engines/clickhouse-cluster.ts';

/** One query over HTTP, the answer as TSV text; an error names the node and the server's words. */
async function query(url: string, sql: string): Promise<string> {
  const response = await fetch(`${url}/?query=${encodeURIComponent(sql)}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse ${url}: ${response.status} ${text.slice(0, 300)}`);
  return text;
}

/** The first node that answers: the count must not depend on which one is down. */
async function anyNode<T>(cluster: ClickHouseCluster, ask: (url: string) => Promise<T>): Promise<T> {
  let last: unknown;
  for (const node of cluster.nodes.filter((n) => n.running)) {
    try {
      return await ask(node.url);
    } catch (e) {
      last = e;
    }
  }
  throw last ?? new Error('no ClickHouse node runs');
}

/** Every stored plc.heartbeat, by substation, in time order. */
export function storedHeartbeats(cluster: ClickHouseCluster, database: string): Promise<Map<string, StoredBeat[]>> {
  return anyNode(cluster, async (url) => {
    const text = await query(url, `SELECT substation, ts, value, quality FROM ${database}.points WHERE tag = 'plc.heartbeat' ORDER BY substation, ts FORMAT TSV`);
    const bySubstation = new Map<string, StoredBeat[]>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const [substation, ts, value, quality] = line.split('\t');
      let list = bySubstation.get(substation);
      if (!list) bySubstation.set(substation, (list = []));
      list.push({ ts: Number(ts), value: Number(value), good: Number(quality) === QUALITY_CODE.good });
    }
    return bySubstation;
  });
}

/** Substations with a heartbeat stored after sinceMs. */
export async function substationsReporting(cluster: ClickHouseCluster, database: string, sinceMs = 0): Promise<number> {
  return anyNode(cluster, async (url) => Number(await query(url, `SELECT uniqExact(substation) FROM ${database}.points WHERE tag = 'plc.heartbeat' AND ts > ${Math.floor(sinceMs)}`)));
}

/**
 * The distinct points (series and stamp) a replica holds itself: a rewrite or a replayed batch
 * adds a row that a later merge removes, so rows alone differ between twins merged at other times.
 */
export async function replicaPoints(node: ClickHouseClusterNode, database: string): Promise<number> {
  return Number(await query(node.url, `SELECT count() FROM (SELECT DISTINCT substation, tag, ts FROM ${database}.points_local)`));
}

/** The other replicas of a node's shard. */
export const twinsOf = (cluster: ClickHouseCluster, node: ClickHouseClusterNode): ClickHouseClusterNode[] => cluster.nodes.filter((n) => n.shard === node.shard && n !== node);
