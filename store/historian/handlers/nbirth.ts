import type { SparkplugPayload } from '../../../model/sparkplug.ts';
import { AliasTable } from '../aliases.ts';
import type { EdgeTopic, HostContext } from '../context.ts';
import { bdSeqOf, EdgeSession } from '../sessions.ts';

/**
 * NBIRTH: a new session of the edge node. Its device tables are dropped: the node's DBIRTHs
 * follow and teach them again, and until then their data counts as unborn.
 */
export function handleNbirth(ctx: HostContext, topic: EdgeTopic, payload: SparkplugPayload): void {
  const bdSeq = bdSeqOf(payload);
  ctx.sessions.start(new EdgeSession(topic.group, topic.edge, bdSeq, payload.seq ?? 0, AliasTable.fromBirth(payload.metrics, false)));
  ctx.rebirth.answered(topic.group, topic.edge);
  ctx.log.info({ group: topic.group, edge: topic.edge, bdSeq }, 'edge node born');
}
