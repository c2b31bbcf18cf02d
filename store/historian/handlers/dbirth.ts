import type { SparkplugPayload } from '../../../model/sparkplug.ts';
import { AliasTable } from '../aliases.ts';
import { followSeq, sessionOf, type DeviceTopic, type HostContext } from '../context.ts';
import { historise } from '../points.ts';

/** DBIRTH: learn the device's aliases, mark its substation online, store the values it was born with. */
export function handleDbirth(ctx: HostContext, topic: DeviceTopic, payload: SparkplugPayload): void {
  const session = sessionOf(ctx, topic);
  if (!session) return;
  followSeq(ctx, session, topic, payload.seq);
  const table = AliasTable.fromBirth(payload.metrics, true);
  session.devices.set(topic.device, table);
  ctx.writer.setStatus({ substation: topic.device, online: true, ts: payload.timestamp });
  historise(ctx, table, topic, payload);
}
