import type { ErrorCode } from './errors.ts';

// Commands to a plant travel as Sparkplug DCMDs; these are the shapes on either side.

/** What a driver reports after a write: the value read back, or why it was refused. */
export type PlcWriteOutcome =
  | { ok: true; readBack: number }
  | { ok: false; code: ErrorCode; reason: string };

/** A request to change a writable tag, as control, alarms or an operator make it. */
export interface CommandRequest {
  requestId: string;
  substation: string;
  tag: string;
  value: number;
  /** Who asks: a user name or a role process ('control', 'api:alice'). */
  actor: string;
}
