import type { Aedes } from 'aedes';

// A node publishes the will of a client whose node it takes for dead, and aedes keeps the dead
// node's id on that packet with the publishing node's message counter. Subscribers drop a
// node's messages whose counter is below the highest seen from it (aedes' cluster dedupe), so a
// node taken for dead while it lived (a heartbeat late behind a busy event loop) had everything
// it forwarded next dropped until its counter caught up: an edge node's NBIRTH after its false
// NDEATH, lost. A will published here is this node's message.

type Publish = (packet: { brokerId?: string; brokerCounter?: number }, ...rest: unknown[]) => void;

export function publishWillsAsOwn(aedes: Aedes): void {
  const target = aedes as unknown as { publish: Publish };
  const publish = target.publish.bind(aedes);
  target.publish = (packet, ...rest) => {
    if (packet.brokerId === undefined || packet.brokerId === aedes.id) return publish(packet, ...rest);
    const own = { ...packet };
    delete own.brokerId;
    delete own.brokerCounter;
    return publish(own, ...rest);
  };
}
