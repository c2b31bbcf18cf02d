import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../tests/helpers/eventually.ts';
import { publishWillsAsOwn } from './cluster-wills.ts';

// One real aedes and a real client over loopback; node "c" exists only as the brokerId of what
// reaches the emitter, as what another cluster node forwards does.
describe('publishWillsAsOwn', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function subscriberOn(ownWills: boolean): Promise<string[]> {
    const aedes = await Aedes.createBroker();
    if (ownWills) publishWillsAsOwn(aedes);
    const server = net.createServer(aedes.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve()))));
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`, { reconnectPeriod: 0 });
    closers.push(() => client.endAsync(true));
    const got: string[] = [];
    client.on('message', (topic) => got.push(topic));
    await client.subscribeAsync('spBv1.0/g/#', { qos: 0 });

    // Node c taken for dead: this node publishes the will c held, as aedes' will check does
    // (the stored will keeps c's id; this node's counter is far ahead of c's).
    const internals = aedes as unknown as { counter: number; mq: { emit(packet: object, done: () => void): void } };
    internals.counter = 1000;
    await new Promise<void>((resolve, reject) => aedes.publish({ cmd: 'publish', topic: 'spBv1.0/g/NDEATH/edge', payload: Buffer.from('x'), qos: 0, retain: false, dup: false, brokerId: 'c' } as never, (e) => (e ? reject(e) : resolve())));
    // Node c lives on and forwards the edge node's next birth, with its own (small) counter.
    await new Promise<void>((resolve) => internals.mq.emit({ cmd: 'publish', topic: 'spBv1.0/g/NBIRTH/edge', payload: Buffer.from('y'), qos: 0, retain: false, brokerId: 'c', brokerCounter: 7 } , () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 200));
    return got;
  }

  it("delivers what a node forwards after this node published its client's will", async () => {
    const got = await subscriberOn(true);
    await eventually(() => expect(got).toEqual(['spBv1.0/g/NDEATH/edge', 'spBv1.0/g/NBIRTH/edge']));
  });

  it('is needed: aedes alone drops it as a duplicate', async () => {
    expect(await subscriberOn(false)).toEqual(['spBv1.0/g/NDEATH/edge']);
  });
});
