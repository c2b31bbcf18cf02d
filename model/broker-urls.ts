import { Type } from '@sinclair/typebox';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { HeatScadaError } from './errors.ts';

// Where a role finds the broker: one URL, or the nodes of a broker cluster (broker/README.md,
// "Cluster"). With a list, a client connects to the first node and, each time its link is
// lost, tries the next one (mqtt.js `servers`), so a role fails over when its node dies. Every
// role's configuration takes the same field, and every role connects through connectBrokers.

export type BrokerUrls = string | readonly string[];

/** A configuration field holding one broker URL or a list of the cluster's nodes. */
export const BrokerUrlsField = (description: string, defaultUrl?: string) =>
  Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
    description: `${description}: mqtt://, mqtts://, ws:// or wss:// URL, or a list of the broker cluster's nodes (tried in turn)`,
    ...(defaultUrl === undefined ? {} : { default: defaultUrl }),
  });

export const brokerUrlList = (urls: BrokerUrls): readonly string[] => (typeof urls === 'string' ? [urls] : urls);

/** For a client that makes a new connection each time (the edge node: a new will each time): the node for its n-th, the next one each time. */
export function brokerAt(urls: BrokerUrls, n: number): string {
  const list = brokerUrlList(urls);
  return list[n % list.length];
}

type Server = NonNullable<IClientOptions['servers']>[number];
const PROTOCOLS: Record<string, { protocol: Server['protocol']; port: number }> = {
  'mqtt:': { protocol: 'mqtt', port: 1883 },
  'tcp:': { protocol: 'mqtt', port: 1883 },
  'mqtts:': { protocol: 'mqtts', port: 8883 },
  'ssl:': { protocol: 'mqtts', port: 8883 },
  'ws:': { protocol: 'ws', port: 80 },
  'wss:': { protocol: 'wss', port: 443 },
};

function serverOf(url: string): Server & { path: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `not a broker URL: ${url}`);
  }
  const known = PROTOCOLS[parsed.protocol];
  if (!known || parsed.hostname === '') throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `not an mqtt://, mqtts://, ws:// or wss:// broker URL: ${url}`);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? known.port : Number(parsed.port),
    protocol: known.protocol,
    path: parsed.pathname === '/' ? '' : parsed.pathname,
  };
}

/**
 * An mqtt.js client for one broker or a cluster's nodes. With several, mqtt.js takes the next
 * node at each reconnect; the connection options (login, CA, WebSocket path) are the same for
 * all, so the URLs must share one path, and over mqtts:// every node's certificate must name the
 * first URL's host (mqtt.js checks that name at every node: give the cluster one certificate).
 */
export function connectBrokers(urls: BrokerUrls, options: IClientOptions): MqttClient {
  const list = brokerUrlList(urls);
  if (list.length === 0) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'an empty list of broker URLs');
  if (list.length === 1) return mqtt.connect(list[0], options);
  const servers = list.map(serverOf);
  if (servers.some((s) => s.path !== servers[0].path)) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `broker URLs of one list must share one path: ${list.join(', ')}`);
  }
  return mqtt.connect(list[0], { ...options, servers: servers.map(({ host, port, protocol }) => ({ host, port, protocol })) });
}
