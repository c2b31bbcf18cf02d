import http from 'node:http';
import net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BrokerAuth } from '../broker/auth.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { freePort } from './helpers/ports.ts';
import { grantedCodes } from './helpers/suback.ts';

const log = pino({ level: 'silent' });
const open: { brokers: Broker[]; clients: MqttClient[] } = { brokers: [], clients: [] };

async function broker(auth?: BrokerAuth): Promise<Broker> {
  const b = await startBroker({ host: '127.0.0.1', tcpPort: await freePort(), wsPort: await freePort(), auth, logger: log });
  open.brokers.push(b);
  return b;
}

async function client(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options });
  open.clients.push(c);
  return c;
}

function collect(c: MqttClient): { topic: string; payload: string }[] {
  const got: { topic: string; payload: string }[] = [];
  c.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
  return got;
}

afterEach(async () => {
  await Promise.all(open.clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(open.brokers.splice(0).map((b) => b.close()));
});

describe('broker', () => {
  it('carries messages between a TCP and a WebSocket client and counts them per client', async () => {
    const b = await broker();
    expect(b.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    const sub = await client(b.wsUrl, { clientId: 'ws-sub' });
    const got = collect(sub);
    await sub.subscribeAsync('plant/#', { qos: 1 });
    const pub = await client(b.tcpUrl, { clientId: 'tcp-pub' });
    for (let i = 0; i < 5; i++) await pub.publishAsync(`plant/s${i}`, `v${i}`, { qos: 1 });
    await vi.waitFor(() => expect(got).toHaveLength(5));
    expect(got[4]).toEqual({ topic: 'plant/s4', payload: 'v4' });

    const stats = b.stats().clients;
    const ws = stats.find((c) => c.clientId === 'ws-sub');
    const tcp = stats.find((c) => c.clientId === 'tcp-pub');
    expect(ws).toMatchObject({ transport: 'ws', messagesIn: 0, messagesOut: 5, subscriptions: ['plant/#'] });
    expect(tcp).toMatchObject({ transport: 'tcp', messagesIn: 5, messagesOut: 0, subscriptions: [] });
    expect(tcp?.bytesIn).toBeGreaterThan(5 * 'plant/s0v0'.length);
    expect(ws?.bytesOut).toBeGreaterThan(5 * 'plant/s0v0'.length);
    expect(tcp?.connectedSince).toBeLessThanOrEqual(Date.now());
  });

  it('answers a plain HTTP request on the WebSocket port with 426', async () => {
    const b = await broker();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      http.get(b.wsUrl.replace('ws:', 'http:'), (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    expect(status).toBe(426);
  });

  it('spreads a shared subscription over its members, each message to one, while plain subscribers get all', async () => {
    const b = await broker();
    const members = await Promise.all(['m1', 'm2', 'm3'].map((id) => client(b.tcpUrl, { clientId: id })));
    const received = members.map(collect);
    for (const m of members) await m.subscribeAsync('$share/historian/data/#', { qos: 1 });
    const plain = await client(b.tcpUrl, { clientId: 'plain' });
    const all = collect(plain);
    await plain.subscribeAsync('data/#');
    const pub = await client(b.tcpUrl, { clientId: 'pub' });
    for (let i = 0; i < 90; i++) pub.publish(`data/${i}`, String(i), { qos: 1 });
    await vi.waitFor(() => expect(received.flat().length).toBe(90));
    await vi.waitFor(() => expect(all).toHaveLength(90));
    expect(received.map((r) => r.length)).toEqual([30, 30, 30]);
    expect(new Set(received.flat().map((m) => m.payload)).size).toBe(90);
    expect(received[0][0].topic).toBe('data/0');
    expect(b.stats().shared).toEqual([
      {
        group: 'historian',
        filter: 'data/#',
        members: [
          { clientId: 'm1', delivered: 30 },
          { clientId: 'm2', delivered: 30 },
          { clientId: 'm3', delivered: 30 },
        ],
      },
    ]);

    // A member that leaves (unsubscribes, disconnects) is no longer handed anything.
    await members[0].unsubscribeAsync('$share/historian/data/#');
    await members[1].endAsync();
    for (let i = 0; i < 10; i++) pub.publish(`data/x${i}`, 'x', { qos: 1 });
    await vi.waitFor(() => expect(received[2]).toHaveLength(40));
    expect(received[0]).toHaveLength(30);
    expect(b.stats().shared[0].members.map((m) => m.clientId)).toEqual(['m3']);
    await members[2].unsubscribeAsync('$share/historian/data/#');
    expect(b.stats().shared).toEqual([]);
  });

  it('refuses a malformed shared subscription and publishing into $ topics', async () => {
    const b = await broker();
    const c = await client(b.tcpUrl);
    expect(await grantedCodes(c, ['$share/onlygroup', '$share//x', 'ok/#'])).toEqual([128, 128, 0]);
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish('$share/g/data/1', 'x', { qos: 1 });
    await closed;
  });

  it('asks BrokerAuth, synchronously or not, whether to connect, subscribe and publish', async () => {
    const auth: BrokerAuth = {
      authenticate: async (_c, username, password) => username === 'edge' && password?.toString() === 'secret',
      authorizeSubscribe: (_c, topic) => !topic.startsWith('secret/'),
      authorizePublish: (c, topic) => c.transport === 'tcp' && !topic.startsWith('readonly/'),
    };
    const b = await broker(auth);
    await expect(mqtt.connectAsync(b.tcpUrl, { username: 'edge', password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password/i);
    const c = await client(b.tcpUrl, { username: 'edge', password: 'secret' });
    expect(await grantedCodes(c, ['open/#', 'secret/#'])).toEqual([0, 128]);
    expect(b.stats().clients[0].subscriptions).toEqual(['open/#']);
    await c.publishAsync('open/1', 'ok', { qos: 1 });
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish('readonly/1', 'no', { qos: 1 });
    await closed;
  });

  it('close() disconnects the clients and frees both ports', async () => {
    const tcpPort = await freePort();
    const wsPort = await freePort();
    const b = await startBroker({ host: '127.0.0.1', tcpPort, wsPort, logger: log });
    const c = await client(b.tcpUrl);
    const w = await client(b.wsUrl);
    const closed = Promise.all([c, w].map((x) => new Promise<void>((resolve) => x.once('close', () => resolve()))));
    // A connection that never sends CONNECT must not hold close() up either.
    const silent = net.connect(tcpPort, '127.0.0.1');
    await new Promise((resolve) => silent.once('connect', resolve));
    await b.close();
    await closed;
    for (const port of [tcpPort, wsPort]) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      await new Promise((resolve) => server.close(resolve));
    }
    silent.destroy();
  });
});
