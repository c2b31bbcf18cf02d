import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { HeatScadaError } from '../../model/errors.ts';

// The API nodes of a cluster meet in one Redis through socket.io's own Redis adapter: an event
// emitted to a room on one node reaches the browsers in that room on every node, and a node can
// ask the others and wait for their answers (serverSideEmit with an acknowledgement), which is
// how sign-outs (auth-sync.ts) and the alarm engine's requests (engine-forward.ts) travel. Two
// ioredis connections: the adapter's subscriber cannot publish.

export interface ClusterOptions {
  /** redis://host:port of the Redis every node of the cluster uses. */
  redisUrl: string;
  /** How long a node waits for the others' answers; default 5 s. */
  requestTimeoutMs?: number;
}

export interface ClusterLink {
  /** For socket.io's Server({ adapter }). */
  readonly adapter: ReturnType<typeof createAdapter>;
  readonly requestTimeoutMs: number;
  close(): Promise<void>;
}

/** The channels' prefix in Redis: a Redis shared with other uses keeps the API's apart. */
const KEY = 'heatscada-api';
const REQUEST_TIMEOUT_MS = 5000;

export async function connectCluster(options: ClusterOptions, log: Logger): Promise<ClusterLink> {
  const pub = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null });
  const sub = pub.duplicate();
  let reported = false;
  // ioredis reconnects by itself; one line when the link is lost, one when it is back.
  const lost = (e: Error): void => {
    if (reported) return;
    reported = true;
    log.warn({ event: 'cluster_link_lost', redis: options.redisUrl, reason: e.message }, 'the cluster link (Redis) is lost: live events of other nodes and their sign-outs wait for it');
  };
  const back = (): void => {
    if (!reported) return;
    reported = false;
    log.info({ event: 'cluster_link_back', redis: options.redisUrl }, 'the cluster link (Redis) is back');
  };
  for (const client of [pub, sub]) client.on('error', lost).on('ready', back);
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (e) {
    pub.disconnect();
    sub.disconnect();
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `the cluster's Redis does not answer at ${options.redisUrl}: ${(e as Error).message}`, '/serve/cluster/redis_url');
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  return {
    adapter: createAdapter(pub, sub, { key: KEY, requestsTimeout: requestTimeoutMs, publishOnSpecificResponseChannel: true }),
    requestTimeoutMs,
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
