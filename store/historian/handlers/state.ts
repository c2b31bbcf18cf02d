import type { HostContext, StateTopic } from '../context.ts';

// Host application STATE (Sparkplug 3.0): retained JSON {online, timestamp} on
// spBv1.0/STATE/<host_id>. The host publishes its own; seeing itself offline while it runs
// (a will of an earlier connection, retained) it says online again at once.

export interface HostState {
  online: boolean;
  timestamp: number;
}

export function encodeState(state: HostState): Buffer {
  return Buffer.from(JSON.stringify(state));
}

function decodeState(payload: Buffer): HostState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { online, timestamp } = parsed as Record<string, unknown>;
  return typeof online === 'boolean' && typeof timestamp === 'number' ? { online, timestamp } : undefined;
}

export function handleState(ctx: HostContext, topic: StateTopic, payload: Buffer): void {
  const state = decodeState(payload);
  if (!state) {
    ctx.counters.count('HS_ERR_SPARKPLUG_DECODE', 1, { hostId: topic.hostId, type: 'STATE' });
    return;
  }
  if (topic.hostId === ctx.hostId && !state.online) ctx.reassertState();
}
