import type { Client } from 'aedes';

// aedes restores a persistent session's subscriptions before it sends the CONNACK, so a
// message published meanwhile (in a cluster, one still on its way through Redis) is written
// to the client ahead of its CONNACK. mqtt.js then holds that PUBLISH, and every packet behind
// it, until it has acknowledged it, which it may not do before the CONNACK: the client waits
// out its connect timeout. Such a message is in the session's queue already (aedes queues a
// QoS > 0 message for every persistent subscription before it forwards it), and aedes sends
// that queue right after the CONNACK, so until then a delivery is left to the queue; QoS 0
// promises nothing to a session not yet connected.

type Deliver = (packet: unknown, done: () => void) => void;
interface Delivering {
  connackSent?: boolean;
  deliverQoS: Deliver;
  deliver0: Deliver;
}

/** Called from preConnect: before aedes restores the subscriptions, which take these functions. */
export function deliverOnlyAfterConnack(client: Client): void {
  const c = client as unknown as Delivering;
  for (const name of ['deliverQoS', 'deliver0'] as const) {
    const deliver = c[name];
    c[name] = (packet, done) => (c.connackSent === true ? deliver(packet, done) : setImmediate(done));
  }
}
