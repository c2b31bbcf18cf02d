import type { Logger } from 'pino';
import type { SparkplugPayload, SparkplugTopic } from '../../model/sparkplug.ts';
import type { Batcher } from './batcher.ts';
import type { LogFields, MalformedCounters } from './counters.ts';
import type { DeviceOwners } from './owners.ts';
import type { RebirthRequests } from './rebirth.ts';
import type { EdgeSession, Sessions } from './sessions.ts';

// What the message handlers share: the host's state and the ways it acts (write, count, ask
// for a rebirth). A handler gets it with each message and owns nothing itself.

export type EdgeTopic = Extract<SparkplugTopic, { kind: 'edge' }>;
export type DeviceTopic = EdgeTopic & { device: string };
export type StateTopic = Extract<SparkplugTopic, { kind: 'state' }>;

export const isDeviceTopic = (topic: EdgeTopic): topic is DeviceTopic => topic.device !== undefined;

export interface HostEvents {
  /** NDEATHs whose bdSeq was not the current session's (or of a node never seen born). */
  staleDeaths: number;
  /** Metrics with a null value (not read yet at the edge): nothing to store. */
  nulls: number;
}

/** Where the handlers put what they learn: the historian's Batcher, or the API's live table. */
export type PointSink = Pick<Batcher, 'push' | 'setStatus'>;

export interface HostContext {
  readonly hostId: string;
  readonly sessions: Sessions;
  /** Which edge node carries each device: another's DBIRTH for it is refused (owners.ts). */
  readonly owners: DeviceOwners;
  readonly writer: PointSink;
  readonly counters: MalformedCounters;
  readonly rebirth: RebirthRequests;
  readonly events: HostEvents;
  readonly log: Logger;
  /**
   * False with a shared data subscription: this host then sees only some of each node's
   * messages, so a jump in seq is the normal case, not a loss.
   */
  readonly checkSeq: boolean;
  /** Publishes this host's STATE online again (after seeing a stale offline one of its own). */
  reassertState(): void;
}

export type NodeHandler = (ctx: HostContext, topic: EdgeTopic, payload: SparkplugPayload) => void;
export type DeviceHandler = (ctx: HostContext, topic: DeviceTopic, payload: SparkplugPayload) => void;

/** Log fields naming where a message came from; a device is a substation. */
export const whereOf = (topic: EdgeTopic): LogFields => ({ group: topic.group, edge: topic.edge, substation: topic.device });

/** Counts a message the host cannot place (no birth seen) and asks its node for a rebirth. */
export function unborn(ctx: HostContext, topic: EdgeTopic): void {
  ctx.counters.count('HS_ERR_SPARKPLUG_NO_BIRTH', 1, { ...whereOf(topic), type: topic.type });
  ctx.rebirth.request(topic.group, topic.edge, 'HS_ERR_SPARKPLUG_NO_BIRTH');
}

/** The session of the message's node; undefined (counted, rebirth asked) when none was born. */
export function sessionOf(ctx: HostContext, topic: EdgeTopic): EdgeSession | undefined {
  const session = ctx.sessions.get(topic.group, topic.edge);
  if (!session) unborn(ctx, topic);
  return session;
}

/** Follows the node's seq; a gap (or a message without seq) is counted and answered with a rebirth request. */
export function followSeq(ctx: HostContext, session: EdgeSession, topic: EdgeTopic, seq: number | undefined): void {
  if (!ctx.checkSeq) return;
  const expected = (session.seq + 1) & 0xff;
  if (seq === expected) {
    session.seq = seq;
    return;
  }
  if (seq !== undefined) session.seq = seq;
  ctx.counters.count('HS_ERR_SPARKPLUG_SEQ', 1, { ...whereOf(topic), expected, seq });
  ctx.rebirth.request(topic.group, topic.edge, 'HS_ERR_SPARKPLUG_SEQ');
}

/**
 * False (counted and logged with HS_ERR_SPARKPLUG_DEVICE_OWNER) when the message's device is
 * carried by another edge node. No rebirth request: births from this node would not change it.
 * Only a DBIRTH (`claim`) makes the node the device's owner.
 */
export function ownsDevice(ctx: HostContext, topic: DeviceTopic, claim = false): boolean {
  const owned = claim ? ctx.owners.claim(topic.device, topic.group, topic.edge) : !ctx.owners.elsewhere(topic.device, topic.group, topic.edge);
  if (owned) return true;
  ctx.counters.count('HS_ERR_SPARKPLUG_DEVICE_OWNER', 1, { ...whereOf(topic), type: topic.type, owner: ctx.owners.ownerOf(topic.device) });
  return false;
}

/** Counts metrics whose alias (or name) no birth taught and asks the node for a rebirth. */
export function unknownMetrics(ctx: HostContext, topic: EdgeTopic, count: number, first: string | number | undefined): void {
  ctx.counters.count('HS_ERR_SPARKPLUG_ALIAS', count, { ...whereOf(topic), metric: first });
  ctx.rebirth.request(topic.group, topic.edge, 'HS_ERR_SPARKPLUG_ALIAS');
}
