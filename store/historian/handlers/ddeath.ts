import type { SparkplugPayload } from '../../../model/sparkplug.ts';
import { followSeq, ownsDevice, sessionOf, type DeviceTopic, type HostContext } from '../context.ts';

/**
 * DDEATH: the substation goes offline and its aliases are forgotten until the next DBIRTH. The
 * topic names the device, so this holds even when the node's birth was missed.
 */
export function handleDdeath(ctx: HostContext, topic: DeviceTopic, payload: SparkplugPayload): void {
  const session = sessionOf(ctx, topic);
  if (session) {
    followSeq(ctx, session, topic, payload.seq);
    session.devices.delete(topic.device);
  }
  // Another edge node's death of the device would mark the owner's substation offline.
  if (!ownsDevice(ctx, topic)) return;
  ctx.writer.setStatus({ substation: topic.device, online: false, ts: payload.timestamp });
}
