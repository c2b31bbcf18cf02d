import { Type, type Static } from '@sinclair/typebox';
import type { BrokerOptions } from './broker.ts';

// The `broker:` section of the configuration document (model/config.ts).

const Port = (description: string, defaultPort: number) => Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort, description });

export const BrokerConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address the MQTT listeners bind; 0.0.0.0 for every interface' }),
    tcp_port: Port('MQTT over TCP; 0 picks a free port', 1883),
    ws_port: Port('MQTT over WebSocket at ws://host:ws_port/mqtt; 0 picks a free port', 8083),
  },
  { additionalProperties: false, default: {} },
);

export type BrokerConfig = Static<typeof BrokerConfigSchema>;

/** The listener options of a validated section (authentication is wired by the caller). */
export function brokerOptions(config: BrokerConfig): Pick<BrokerOptions, 'host' | 'tcpPort' | 'wsPort'> {
  return { host: config.host, tcpPort: config.tcp_port, wsPort: config.ws_port };
}
