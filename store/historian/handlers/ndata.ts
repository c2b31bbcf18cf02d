import type { SparkplugPayload } from '../../../model/sparkplug.ts';
import { followSeq, sessionOf, unknownMetrics, type EdgeTopic, type HostContext } from '../context.ts';

/**
 * NDATA: metrics of the edge node itself (its own health, not a substation's), so nothing is
 * stored; the message still counts in the node's seq and must use aliases its NBIRTH taught.
 */
export function handleNdata(ctx: HostContext, topic: EdgeTopic, payload: SparkplugPayload): void {
  const session = sessionOf(ctx, topic);
  if (!session) return;
  followSeq(ctx, session, topic, payload.seq);
  const unknown = payload.metrics.filter((m) => session.node.lookup(m) === undefined);
  if (unknown.length > 0) unknownMetrics(ctx, topic, unknown.length, unknown[0].alias ?? unknown[0].name);
}
