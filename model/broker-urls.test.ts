import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { brokerAt, BrokerUrlsField, connectBrokers } from './broker-urls.ts';
import { validateDocument } from './validate.ts';

const Section = Type.Object({ mqtt_url: BrokerUrlsField('broker', 'mqtt://127.0.0.1:1883') });
const read = (doc: unknown) => validateDocument(Section, doc, 'HS_ERR_CONFIG_INVALID');

describe('broker URLs: one broker or a cluster list', () => {
  it('takes one URL as before, or a list, and names a bad one', () => {
    expect(read({}).mqtt_url).toBe('mqtt://127.0.0.1:1883');
    expect(read({ mqtt_url: 'mqtts://broker:8883' }).mqtt_url).toBe('mqtts://broker:8883');
    expect(read({ mqtt_url: ['mqtt://b1:1883', 'mqtt://b2:1883'] }).mqtt_url).toEqual(['mqtt://b1:1883', 'mqtt://b2:1883']);
    expect(() => read({ mqtt_url: [] })).toThrow(/mqtt_url/);
    expect(() => read({ mqtt_url: 1883 })).toThrow(/mqtt_url/);
  });

  it('gives a client that connects anew each time the next node each time', () => {
    expect([0, 1, 2, 3].map((n) => brokerAt(['mqtt://b1', 'mqtt://b2', 'mqtt://b3'], n))).toEqual(['mqtt://b1', 'mqtt://b2', 'mqtt://b3', 'mqtt://b1']);
    expect(brokerAt('mqtt://only', 5)).toBe('mqtt://only');
  });

  it('refuses a list it cannot fail over between, with a clear error', () => {
    const connect = (urls: string[]) => connectBrokers(urls, { reconnectPeriod: 0, manualConnect: true });
    expect(() => connect(['mqtt://b1:1883', 'http://b2:80'])).toThrow(/HS_ERR_CONFIG_INVALID.*http:\/\/b2:80/);
    expect(() => connect(['mqtt://b1:1883', 'not a url'])).toThrow(/HS_ERR_CONFIG_INVALID/);
    expect(() => connect(['ws://b1:8083/mqtt', 'ws://b2:8083/other'])).toThrow(/share one path/);
    expect(() => connect([])).toThrow(/empty list/);
  });

  // manualConnect: the client is built, never connected (nothing to end).
  it('hands mqtt.js every node, default ports filled in', () => {
    const client = connectBrokers(['mqtt://b1', 'mqtts://[::1]:18883'], { reconnectPeriod: 0, manualConnect: true });
    expect(client.options.servers).toEqual([
      { host: 'b1', port: 1883, protocol: 'mqtt' },
      { host: '::1', port: 18883, protocol: 'mqtts' },
    ]);
  });
});
