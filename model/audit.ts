// The append-only, tamper-evident audit log (IEC 62443: every change is attributable): each
// entry carries the hash of the one before, so editing or deleting any entry breaks the chain
// from there on. Every process that changes something appends here through one interface.

/** What happened. Plant writes and mode changes come from control, acks from alarms, the rest from the API. */
export const AUDIT_ACTIONS = [
  'plant.write',
  'control.mode',
  'control.curve',
  'control.event',
  'alarm.ack',
  'alarm.shelve',
  'alarm.unshelve',
  'alarm.service',
  'work_order.change',
  'complaint.change',
  'season.change',
  'config.change',
  'user.create',
  'user.change',
  'user.delete',
  'auth.login',
  'auth.logout',
  'auth.refresh',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditOutcome = 'ok' | 'refused' | 'failed';

/** One record as its writer gives it; the log adds id, ts (when absent), prev and hash. */
export interface AuditInput {
  /** ms UTC; the log's clock when absent. */
  ts?: number;
  /** User name or machine principal ('control', 'alarms', …). */
  actor: string;
  /** Where from: an IP address, an MQTT client id, 'loop'. */
  source: string;
  action: AuditAction;
  /** What was acted on: 'S001/valve_primary_sp', 'alarm:42', 'user:alice', 'curve'. */
  target: string;
  oldValue?: string | number | null;
  newValue?: string | number | null;
  outcome: AuditOutcome;
  /** Why, or the HS_ERR_ code and message of a refusal. */
  detail?: string;
}

export interface AuditRecord {
  id: number;
  ts: number;
  actor: string;
  source: string;
  action: AuditAction;
  target: string;
  oldValue: string | null;
  newValue: string | null;
  outcome: AuditOutcome;
  detail: string;
  /** Hex SHA-256 of the previous record ('' for the first). */
  prev: string;
  /** Hex SHA-256 over prev and this record's fields. */
  hash: string;
}

export interface AuditQuery {
  from?: number;
  to?: number;
  actor?: string;
  action?: AuditAction;
  /** Prefix of the target: 'S001' finds every tag of S001. */
  target?: string;
  outcome?: AuditOutcome;
  /** Newest first; default 100, at most 1000. */
  limit?: number;
  /** Records with id below this (paging backwards). */
  before?: number;
}

export interface ChainCheck {
  ok: boolean;
  checked: number;
  /** The first record whose hash or link does not match, when not ok. */
  brokenAt?: number;
  reason?: string;
}

export interface AuditTrail {
  append(input: AuditInput): AuditRecord;
  search(query: AuditQuery): AuditRecord[];
  verify(): ChainCheck;
}
