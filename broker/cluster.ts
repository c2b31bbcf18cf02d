import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Aedes, AedesOptions } from 'aedes';
import redisPersistence from 'aedes-persistence-redis';
import { Redis } from 'ioredis';
import mqemitterRedis from 'mqemitter-redis';
import type { Logger } from 'pino';
import { HeatScadaError } from '../model/errors.ts';
import { ClusterShares } from './cluster-shares.ts';

// A broker as one node of a cluster (broker/README.md, "Cluster"): aedes' own scale-out.
// mqemitter-redis carries every publish to the nodes with a matching subscription, and
// aedes-persistence-redis keeps subscriptions, retained messages, QoS 1 queues of offline
// sessions and wills where every node finds them; aedes' heartbeats tell the nodes which of
// them live, and a survivor publishes the wills of a dead node's clients. Shared subscription
// groups are agreed on through the same Redis (cluster-shares.ts).

export interface BrokerClusterOptions {
  /** redis://[:password@]host:port[/db], the same for every node. */
  redisUrl: string;
  /** This node's name, unique in the cluster. */
  nodeId: string;
  /** How often nodes say they live; one silent for 3 heartbeats is dead. */
  heartbeatMs: number;
}

export interface BrokerCluster {
  /** What aedes.createBroker takes to be this node. */
  readonly aedesOptions: Pick<AedesOptions, 'id' | 'mq' | 'persistence' | 'heartbeatInterval'>;
  /** Starts the share group coordination once aedes runs. */
  coordinateShares(aedes: Aedes): Promise<ClusterShares>;
  /** Before aedes closes: leaves the share groups, so the other nodes take them over at once. */
  withdraw(): Promise<void>;
  /** After aedes closed: ends the Redis connections. */
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5000;
/** A close waits this long for Redis (which may be the reason for the close) before cutting the connections. */
const CLOSE_GRACE_MS = 3000;

/** The URL without its password, for logs and errors. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

// The persistence's methods that return a stream of what Redis holds. aedes 1.2 pipes the
// retained stream of a SUBSCRIBE with no error handler, which memory never needs: a Redis error
// there would be an unhandled 'error' event and end the process. So each gets a listener.
const STREAM_METHODS = ['createRetainedStream', 'createRetainedStreamCombi', 'outgoingStream', 'streamWill', 'getClientList'] as const;

function withStreamErrorsLogged(persistence: object, log: Logger): object {
  const methods = persistence as Record<(typeof STREAM_METHODS)[number], (...args: unknown[]) => EventEmitter>;
  for (const name of STREAM_METHODS) {
    const original = methods[name].bind(persistence);
    methods[name] = (...args) =>
      original(...args).on('error', (e: Error) => log.warn({ code: 'HS_ERR_BROKER_CLUSTER', reason: e.message, read: name }, 'cluster persistence read failed'));
  }
  return persistence;
}

/** Connects to the cluster's Redis; a Redis that does not answer fails the start with its URL. */
export async function joinCluster(options: BrokerClusterOptions, log: Logger): Promise<BrokerCluster> {
  const url = shown(options.redisUrl);
  const connections: Redis[] = [];
  let firstError: Error | undefined;
  let closing = false;
  const open = (role: string, autoPipelining: boolean): Redis => {
    const conn = new Redis(options.redisUrl, {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      enableAutoPipelining: autoPipelining,
      retryStrategy: (times) => (closing ? null : Math.min(times * 100, 2000)),
    });
    // ioredis retries by itself; one line when a link goes and one when it is back, not one a retry.
    let down = false;
    conn.on('error', (e: Error) => {
      firstError ??= e;
      if (down) return;
      down = true;
      log.warn({ code: 'HS_ERR_BROKER_CLUSTER', redis: url, connection: role, reason: e.message }, 'cluster Redis link lost: retrying');
    });
    conn.on('ready', () => {
      if (down) log.info({ redis: url, connection: role }, 'cluster Redis link back');
      down = false;
    });
    connections.push(conn);
    return conn;
  };
  const cut = (): void => {
    closing = true;
    for (const c of connections) {
      // Between two attempts ioredis ends a link only at its next attempt (which retryStrategy then
      // stops, failing what waits on it); disconnect() there would leave it waiting for ever.
      if (c.status === 'reconnecting') c.once('ready', () => c.disconnect());
      else c.disconnect();
    }
  };
  const subConn = open('subscribe', false);
  const pubConn = open('publish', true);
  const persistenceConn = open('persistence', true);
  const sharesConn = open('shares', true);
  try {
    await Promise.all(connections.map((c) => c.connect()));
  } catch (e) {
    cut();
    throw new HeatScadaError('HS_ERR_BROKER_CLUSTER', `${url}: ${(firstError ?? (e as Error)).message}`, '/broker/cluster/redis_url');
  }

  // A new suffix at each start: the wills a crashed run left under its id are then published by
  // the living nodes (aedes fires the wills of broker ids it no longer hears). No ':' in it:
  // aedes-persistence-redis splits its will keys on ':'.
  const id = `${options.nodeId}-${randomBytes(4).toString('hex')}`;
  const persistence = withStreamErrorsLogged(redisPersistence({ conn: persistenceConn }), log);
  const mq = mqemitterRedis({ subConn, pubConn });
  // Its own close waits for both links' 'end', which a link already cut does not send again (a
  // hang), and leaves the rejection of a QUIT sent to a dead link unheard. So: each link still
  // open is quit and awaited, then the emitter itself closes.
  const closeEmitter = (mq as unknown as { _close(done: () => void): void })._close.bind(mq);
  mq.close = (done) => {
    const ended = [subConn, pubConn].map((c) =>
      c.status === 'end'
        ? undefined
        : new Promise<void>((resolve) => {
            c.once('end', resolve);
            c.quit().catch(() => undefined);
          }),
    );
    void Promise.all(ended).then(() => closeEmitter(done ?? (() => undefined)));
  };
  // Its links' errors are logged above; unheard, mqemitter-redis' own 'error' event would end the process.
  (mq as unknown as { state: EventEmitter }).state.on('error', (e: Error) => log.debug({ code: 'HS_ERR_BROKER_CLUSTER', reason: e.message }, 'cluster message link error'));
  let shares: ClusterShares | undefined;
  let cutAfterGrace: NodeJS.Timeout | undefined;
  const grace = () => delay(CLOSE_GRACE_MS, undefined, { ref: false });
  log.info({ redis: url, nodeId: options.nodeId, brokerId: id, heartbeatMs: options.heartbeatMs }, 'broker joins its cluster');

  return {
    aedesOptions: { id, mq, persistence, heartbeatInterval: options.heartbeatMs },
    async coordinateShares(aedes) {
      // A failed Redis write in aedes (an offline queue, a retained message) is an 'error' event: logged, not a crash.
      (aedes as EventEmitter).on('error', (e: Error) => log.warn({ code: 'HS_ERR_BROKER_CLUSTER', reason: e.message }, 'cluster persistence failed'));
      // aedes' close ends with its mqemitter's, which waits for Redis: a Redis lost meanwhile is cut after a grace.
      aedes.once('closed', () => {
        cutAfterGrace = setTimeout(cut, CLOSE_GRACE_MS);
        cutAfterGrace.unref();
      });
      shares = await ClusterShares.start(sharesConn, aedes, options.heartbeatMs, log);
      return shares;
    },
    async withdraw() {
      // Redis away: nothing can be told or kept. Cut links fail what waits on them (within one retry delay), so the close goes on.
      if (!connections.every((c) => c.status === 'ready')) return cut();
      await Promise.race([shares?.withdraw(), grace()]);
    },
    async close() {
      clearTimeout(cutAfterGrace);
      await Promise.race([Promise.all([persistenceConn, sharesConn].map((c) => c.quit().catch(() => undefined))), grace()]);
      cut();
    },
  };
}
