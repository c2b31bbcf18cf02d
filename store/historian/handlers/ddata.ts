import type { SparkplugPayload } from '../../../model/sparkplug.ts';
import { followSeq, sessionOf, unborn, type DeviceTopic, type HostContext } from '../context.ts';
import { historise } from '../points.ts';

/** DDATA: the changed metrics of a device, by alias, become points of its substation. */
export function handleDdata(ctx: HostContext, topic: DeviceTopic, payload: SparkplugPayload): void {
  const session = sessionOf(ctx, topic);
  if (!session) return;
  followSeq(ctx, session, topic, payload.seq);
  const table = session.devices.get(topic.device);
  if (!table) return unborn(ctx, topic);
  historise(ctx, table, topic, payload);
}
