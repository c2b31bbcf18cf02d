import type { SparkplugPayload } from '../../../model/sparkplug.ts';
import { followSeq, ownsDevice, sessionOf, unborn, type DeviceTopic, type HostContext } from '../context.ts';
import { historise } from '../points.ts';

/** DDATA: the changed metrics of a device, by alias, become points of its substation. */
export function handleDdata(ctx: HostContext, topic: DeviceTopic, payload: SparkplugPayload): void {
  const session = sessionOf(ctx, topic);
  if (!session) return;
  followSeq(ctx, session, topic, payload.seq);
  const table = session.devices.get(topic.device);
  // Only a DBIRTH the owners accepted makes a table: without one, tell a stranger from the unborn.
  if (!table) {
    if (ownsDevice(ctx, topic)) unborn(ctx, topic);
    return;
  }
  historise(ctx, table, topic, payload);
}
