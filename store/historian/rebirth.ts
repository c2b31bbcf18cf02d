import type { Logger } from 'pino';
import type { ErrorCode } from '../../model/errors.ts';
import { edgeTopic, encodePayload, REBIRTH } from '../../model/sparkplug.ts';

// Rebirth requests (NCMD `Node Control/Rebirth` = true): the host's answer to anything that
// means it no longer knows a node's state (a seq gap, an unknown alias, data before a birth).
// One request per node and hold-off period: a node flooding bad data gets asked once, not per
// message; its NBIRTH clears the hold-off.

const HOLDOFF_MS = 5000;

export class RebirthRequests {
  /** Requests sent since the start. */
  sent = 0;
  private readonly lastAt = new Map<string, number>();

  constructor(
    private readonly publish: (topic: string, payload: Buffer) => void,
    private readonly log: Logger,
  ) {}

  request(group: string, edge: string, reason: ErrorCode): void {
    const key = `${group}/${edge}`;
    const now = Date.now();
    const last = this.lastAt.get(key);
    if (last !== undefined && now - last < HOLDOFF_MS) return;
    this.lastAt.set(key, now);
    this.sent++;
    this.publish(edgeTopic(group, 'NCMD', edge), encodePayload({ timestamp: now, metrics: [{ name: REBIRTH, datatype: 'Boolean', value: true }] }));
    this.log.info({ group, edge, reason }, 'rebirth requested');
  }

  /** The node was born (again): a new problem may be answered at once. */
  answered(group: string, edge: string): void {
    this.lastAt.delete(`${group}/${edge}`);
  }
}
