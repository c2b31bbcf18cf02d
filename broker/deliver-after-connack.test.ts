import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../tests/helpers/eventually.ts';
import { deliverOnlyAfterConnack } from './deliver-after-connack.ts';

// A real aedes and a real mqtt.js client over loopback. A message is published while aedes
// connects a persistent session: after it restored the session's subscription, before CONNACK.
describe('deliverOnlyAfterConnack', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function resumeWhilePublishing(guarded: boolean): Promise<{ connected: boolean; got: string[] }> {
    const aedes = await Aedes.createBroker();
    if (guarded) aedes.preConnect = (client, _packet, done) => (deliverOnlyAfterConnack(client), done(null, true));
    const server = net.createServer(aedes.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve()))));
    const url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const options = { clientId: 'historian-1', clean: false, protocolVersion: 4 as const, reconnectPeriod: 0, connectTimeout: 2000 };

    const first = await mqtt.connectAsync(url, options);
    await first.subscribeAsync('t/#', { qos: 1 });
    await first.endAsync();

    // aedes deletes a stored will right after it restored the subscriptions: publish there.
    const { persistence } = aedes as unknown as { persistence: { delWill(client: { id: string }): Promise<unknown> } };
    const delWill = persistence.delWill.bind(persistence);
    persistence.delWill = async (client) => {
      if (client.id === 'historian-1') await new Promise<void>((resolve) => aedes.publish({ cmd: 'publish', topic: 't/1', payload: Buffer.from('meanwhile'), qos: 1, retain: false, dup: false } as never, () => resolve()));
      return delWill(client);
    };
    const resumed = mqtt.connect(url, options);
    closers.push(() => resumed.endAsync(true));
    const got: string[] = [];
    resumed.on('message', (topic, payload) => got.push(`${topic}=${payload.toString()}`));
    const connected = await new Promise<boolean>((resolve) => {
      resumed.once('connect', () => resolve(true));
      resumed.once('error', () => resolve(false));
    });
    return { connected, got };
  }

  it('sends a message published during the CONNECT of a persistent session once, after CONNACK', async () => {
    const { connected, got } = await resumeWhilePublishing(true);
    expect(connected).toBe(true);
    await eventually(() => expect(got).toEqual(['t/1=meanwhile']));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(got).toEqual(['t/1=meanwhile']);
  });

  it('is needed: aedes alone writes it ahead of CONNACK and the client never connects', async () => {
    expect((await resumeWhilePublishing(false)).connected).toBe(false);
  });
});
