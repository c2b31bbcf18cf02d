import type { SparkplugPayload } from '../../../model/sparkplug.ts';
import { AliasTable } from '../aliases.ts';
import { nodeKey } from '../owners.ts';
import { followSeq, ownsDevice, sessionOf, type DeviceTopic, type HostContext } from '../context.ts';
import { historise } from '../points.ts';

/**
 * DBIRTH: learn the device's aliases, mark its substation online, store the values it was born
 * with — unless another edge node carries the device (owners.ts): then nothing of it is taken.
 */
export function handleDbirth(ctx: HostContext, topic: DeviceTopic, payload: SparkplugPayload): void {
  const session = sessionOf(ctx, topic);
  if (!session) return;
  followSeq(ctx, session, topic, payload.seq);
  const previous = ctx.owners.ownerOf(topic.device);
  if (!ownsDevice(ctx, topic, true)) return;
  // Moved here by the operator: what the old node sends of it from now on is a stranger's.
  if (previous !== undefined && previous !== nodeKey(topic.group, topic.edge)) ctx.sessions.dropDevice(previous, topic.device);
  const table = AliasTable.fromBirth(payload.metrics, true);
  session.devices.set(topic.device, table);
  ctx.writer.setStatus({ substation: topic.device, online: true, ts: payload.timestamp });
  historise(ctx, table, topic, payload);
}
