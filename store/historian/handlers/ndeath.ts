import type { SparkplugPayload } from '../../../model/sparkplug.ts';
import type { EdgeTopic, HostContext } from '../context.ts';
import { bdSeqOf } from '../sessions.ts';

/**
 * NDEATH (the node's MQTT will, or its goodbye): every device of the session goes offline, but
 * only when the bdSeq is the NBIRTH's. A will can arrive after the node has already connected
 * and been born again; that death belongs to the old session and is ignored.
 */
export function handleNdeath(ctx: HostContext, topic: EdgeTopic, payload: SparkplugPayload): void {
  const bdSeq = bdSeqOf(payload);
  const session = ctx.sessions.get(topic.group, topic.edge);
  if (!session || session.bdSeq !== bdSeq) {
    ctx.events.staleDeaths++;
    ctx.log.info({ group: topic.group, edge: topic.edge, bdSeq, current: session?.bdSeq }, 'stale edge node death ignored');
    return;
  }
  // The will was written at connect time: its timestamp is not the moment of death.
  const ts = Date.now();
  for (const substation of session.devices.keys()) ctx.writer.setStatus({ substation, online: false, ts });
  ctx.sessions.end(session);
  ctx.log.info({ group: topic.group, edge: topic.edge, bdSeq, devices: session.devices.size }, 'edge node died');
}
