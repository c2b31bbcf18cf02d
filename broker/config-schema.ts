import { Type, type Static } from '@sinclair/typebox';
import type { BrokerOptions } from './broker.ts';

// The `broker:` section of the configuration document (bin/config.ts).

const Port = (description: string, defaultPort: number) => Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort, description });
const File = (description: string) => Type.String({ minLength: 1, description });

export const BrokerTlsConfigSchema = Type.Object(
  {
    port: Port('MQTT over TLS (mqtts://); 0 picks a free port', 8883),
    cert_file: File('PEM certificate (chain) of the broker; the all-in-one generates a self-signed one here if absent'),
    key_file: File('PEM private key of the broker (keep it mode 0600)'),
    ca_file: Type.Optional(File('PEM CA: clients must then present a certificate it signed (mutual TLS)')),
  },
  { additionalProperties: false },
);

export const BrokerClusterConfigSchema = Type.Object(
  {
    redis_url: Type.String({ minLength: 1, description: 'redis://[:password@]host:port[/db] every node of the cluster shares (subscriptions, retained messages, sessions, wills, share groups)' }),
    node_id: Type.String({ pattern: '^[A-Za-z0-9._-]+$', maxLength: 64, description: 'this node\'s name, unique in the cluster (logs, statistics)' }),
    heartbeat_s: Type.Number({
      minimum: 0.1,
      maximum: 60,
      default: 1,
      description: 'nodes say they are alive this often; one silent for 3 heartbeats is dead: its share of each group moves, its clients\' wills fire',
    }),
  },
  { additionalProperties: false, description: 'several brokers as one, through Redis (broker/README.md, Cluster); absent: a broker on its own' },
);

export const BrokerConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address the MQTT listeners bind; 0.0.0.0 for every interface' }),
    tcp_port: Port('MQTT over TCP; 0 picks a free port', 1883),
    ws_port: Port('MQTT over WebSocket at ws://host:ws_port/mqtt; 0 picks a free port', 8083),
    credentials_file: Type.String({
      minLength: 1,
      default: './data/mqtt-credentials.yaml',
      description: 'MQTT principals and their Argon2id password hashes (broker/README.md); nobody connects without one',
    }),
    tls: Type.Optional(BrokerTlsConfigSchema),
    cluster: Type.Optional(BrokerClusterConfigSchema),
  },
  { additionalProperties: false, default: {} },
);

export type BrokerConfig = Static<typeof BrokerConfigSchema>;
export type BrokerTlsConfig = Static<typeof BrokerTlsConfigSchema>;
export type BrokerClusterConfig = Static<typeof BrokerClusterConfigSchema>;

/** The listener and cluster options of a validated section (authentication and TLS files are wired by the caller). */
export function brokerOptions(config: BrokerConfig): Pick<BrokerOptions, 'host' | 'tcpPort' | 'wsPort' | 'cluster'> {
  const { cluster } = config;
  return {
    host: config.host,
    tcpPort: config.tcp_port,
    wsPort: config.ws_port,
    ...(cluster ? { cluster: { redisUrl: cluster.redis_url, nodeId: cluster.node_id, heartbeatMs: cluster.heartbeat_s * 1000 } } : {}),
  };
}
