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
  },
  { additionalProperties: false, default: {} },
);

export type BrokerConfig = Static<typeof BrokerConfigSchema>;
export type BrokerTlsConfig = Static<typeof BrokerTlsConfigSchema>;

/** The listener options of a validated section (authentication and TLS files are wired by the caller). */
export function brokerOptions(config: BrokerConfig): Pick<BrokerOptions, 'host' | 'tcpPort' | 'wsPort'> {
  return { host: config.host, tcpPort: config.tcp_port, wsPort: config.ws_port };
}
