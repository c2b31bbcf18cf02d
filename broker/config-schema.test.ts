import { describe, expect, it } from 'vitest';
import { validateDocument } from '../model/validate.ts';
import { BrokerConfigSchema, brokerOptions } from './config-schema.ts';

describe('broker config section', () => {
  it('fills defaults and maps to the options of startBroker', () => {
    expect(brokerOptions(validateDocument(BrokerConfigSchema, {}, 'HS_ERR_CONFIG_INVALID'))).toEqual({ host: '127.0.0.1', tcpPort: 1883, wsPort: 8083 });
  });

  it('names the bad field', () => {
    expect(() => validateDocument(BrokerConfigSchema, { tcp_port: 70000 }, 'HS_ERR_CONFIG_INVALID')).toThrow(/at \/tcp_port/);
  });

  it('points at a credentials file by default and takes TLS files when given', () => {
    expect(validateDocument(BrokerConfigSchema, {}, 'HS_ERR_CONFIG_INVALID')).toMatchObject({ credentials_file: './data/mqtt-credentials.yaml' });
    expect(validateDocument(BrokerConfigSchema, { tls: { cert_file: 'b.crt', key_file: 'b.key' } }, 'HS_ERR_CONFIG_INVALID').tls).toEqual({ port: 8883, cert_file: 'b.crt', key_file: 'b.key' });
    expect(() => validateDocument(BrokerConfigSchema, { tls: { cert_file: 'b.crt' } }, 'HS_ERR_CONFIG_INVALID')).toThrow(/at \/tls\/key_file/);
  });

  it('makes a node of a cluster with a cluster subsection, and names its bad fields', () => {
    const section = validateDocument(BrokerConfigSchema, { cluster: { redis_url: 'redis://10.0.0.5:6379/1', node_id: 'broker-1' } }, 'HS_ERR_CONFIG_INVALID');
    expect(brokerOptions(section).cluster).toEqual({ redisUrl: 'redis://10.0.0.5:6379/1', nodeId: 'broker-1', heartbeatMs: 1000 });
    expect(() => validateDocument(BrokerConfigSchema, { cluster: { redis_url: 'redis://r:6379' } }, 'HS_ERR_CONFIG_INVALID')).toThrow(/node_id/);
    // aedes' will keys are split on ':', and the id is a topic level.
    expect(() => validateDocument(BrokerConfigSchema, { cluster: { redis_url: 'redis://r:6379', node_id: 'a:b' } }, 'HS_ERR_CONFIG_INVALID')).toThrow(/at \/cluster\/node_id/);
  });
});
