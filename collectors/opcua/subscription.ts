// The monitored items of one device on a shared subscription: one item per tag, sampled by
// the server, queue of 1 (or a few) keeping the newest, an optional deadband per tag. The
// server pushes changes; nothing here polls. Items survive a session repair: node-opcua
// re-creates them on the new session.

import {
  AttributeIds,
  DataChangeFilter,
  DataChangeTrigger,
  DataValue,
  DeadbandType,
  TimestampsToReturn,
  coerceNodeId,
  type ClientMonitoredItemGroup,
  type ClientSubscription,
  type NodeId,
} from 'node-opcua';
import type { TagName } from '../../model/tags.ts';
import { errorText, type Logger } from '../driver-support.ts';
import type { Deadband, OpcuaTag } from './config.ts';

export interface MonitoredTag {
  tag: TagName;
  nodeId: NodeId;
  deadband?: Deadband;
}

/** The tags' node ids in the namespace with this index (the server's numbering of namespace_uri). */
export function resolveNodes(tags: readonly OpcuaTag[], namespace: number): MonitoredTag[] {
  return tags.map((t) => ({ ...t, nodeId: coerceNodeId(t.identifier, namespace) }));
}

export interface MonitorOptions {
  samplingIntervalMs: number;
  queueSize: number;
}

function filterOf(deadband: Deadband | undefined): DataChangeFilter | null {
  if (!deadband) return null;
  return new DataChangeFilter({
    trigger: DataChangeTrigger.StatusValue,
    deadbandType: deadband.type === 'absolute' ? DeadbandType.Absolute : DeadbandType.Percent,
    deadbandValue: deadband.value,
  });
}

/** Tags grouped by deadband: a monitorItems call applies one set of parameters to all its items. */
function byDeadband(tags: readonly MonitoredTag[]): MonitoredTag[][] {
  const groups = new Map<string, MonitoredTag[]>();
  for (const t of tags) {
    const key = t.deadband ? `${t.deadband.type}:${t.deadband.value}` : '';
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups.values()];
}

/**
 * Creates the items and calls onValue with every change the server publishes, the first value
 * of each item included. An item the server refuses (an unknown node, a percent deadband on a
 * node without EURange) reports its status once as a bad value.
 */
export async function monitorTags(
  subscription: ClientSubscription,
  tags: readonly MonitoredTag[],
  options: MonitorOptions,
  onValue: (tag: TagName, value: DataValue) => void,
  log: Logger,
): Promise<() => Promise<void>> {
  const groups: ClientMonitoredItemGroup[] = [];
  for (const members of byDeadband(tags)) {
    const group = await subscription.monitorItems(
      members.map((t) => ({ nodeId: t.nodeId, attributeId: AttributeIds.Value })),
      {
        samplingInterval: options.samplingIntervalMs,
        queueSize: options.queueSize,
        discardOldest: true,
        filter: filterOf(members[0]?.deadband),
      },
      TimestampsToReturn.Both,
    );
    groups.push(group);
    group.on('changed', (_item, value, index) => {
      const member = members[index];
      if (member) onValue(member.tag, value);
    });
    group.monitoredItems.forEach((item, index) => {
      const member = members[index];
      if (!member || !item.statusCode.isNotGood()) return;
      log.warn({ tag: member.tag, node_id: member.nodeId.toString(), status: item.statusCode.name }, 'monitored item refused');
      onValue(member.tag, new DataValue({ statusCode: item.statusCode }));
    });
  }
  return async () => {
    // Deleting items needs the session; when it is gone they are gone with it.
    await Promise.all(groups.map((g) => g.terminate().catch((err: unknown) => log.debug({ error: errorText(err) }, 'monitored items not deleted'))));
  };
}
