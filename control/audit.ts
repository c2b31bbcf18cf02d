import Database from 'better-sqlite3';
import type { AuditAction, AuditInput, AuditOutcome, AuditRecord, AuditTrail } from '../model/audit.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';

// The loop's view of the hash-chained audit trail (model/audit.ts): every plant write it makes
// ('plant.write', with the outcome of the COMMAND_ACK) and every control event ('control.event':
// stale inputs, the PLC watchdog taking over, a refused write) is appended there, in the
// store's SQLite file next to everything else people and processes did. Mode and curve changes
// are appended by the API, which knows who signed in; this view shows them too, so the
// balancing page has one history. There is no table of the loop's own.

export type ControlOutcome = 'accepted' | 'refused' | 'event';

/** One entry as the balancing page shows it. */
export interface AuditEntry {
  ts: number;
  substation: string;
  /** The tag written; for events, what the event is about ('stale', 'watchdog', 'override'). */
  tag: string;
  actor: string;
  oldValue: number | null;
  newValue: number | null;
  why: string;
  outcome: ControlOutcome;
  /** HS_ERR_ code of a refusal or an event. */
  code: string | null;
  requestId: string | null;
}

export interface AuditLog {
  /** `source`: where from — 'loop' for the loop's own, else what the caller passes (an API client address). */
  record(entry: AuditEntry, source?: string): void;
  recent(limit: number, substation?: string): AuditEntry[];
}

const SHOWN_ACTIONS: readonly AuditAction[] = ['plant.write', 'control.event', 'control.mode', 'control.curve'];
const CODE = /^(HS_ERR_[A-Z0-9_]+): /;
const REQUEST = / \[request ([^\]]+)\]$/;

function toInput(e: AuditEntry, source: string): AuditInput {
  const outcome: AuditOutcome = e.outcome === 'refused' ? (e.code === 'HS_ERR_CONTROL_ACK_TIMEOUT' ? 'failed' : 'refused') : 'ok';
  return {
    ts: e.ts,
    actor: e.actor,
    source,
    action: e.outcome === 'event' ? 'control.event' : 'plant.write',
    target: `${e.substation}/${e.tag}`,
    oldValue: e.oldValue,
    newValue: e.newValue,
    outcome,
    detail: `${e.code ? `${e.code}: ` : ''}${e.why}${e.requestId ? ` [request ${e.requestId}]` : ''}`,
  };
}

const numberOrNull = (v: string | null): number | null => (v === null || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));

function toEntry(r: AuditRecord): AuditEntry {
  const slash = r.target.indexOf('/');
  const [substation, tag] = slash < 0 ? ['*', r.target] : [r.target.slice(0, slash), r.target.slice(slash + 1)];
  let why = r.detail;
  const requestId = REQUEST.exec(why)?.[1] ?? null;
  if (requestId) why = why.replace(REQUEST, '');
  const code = CODE.exec(why)?.[1] ?? null;
  if (code) why = why.replace(CODE, '');
  const plantWrite = r.action === 'plant.write';
  return {
    ts: r.ts,
    substation,
    tag: plantWrite || r.action === 'control.event' ? tag : r.action === 'control.mode' ? 'override' : 'curve',
    actor: r.actor,
    oldValue: plantWrite ? numberOrNull(r.oldValue) : null,
    newValue: plantWrite ? numberOrNull(r.newValue) : null,
    why: plantWrite || r.action === 'control.event' ? why : `${r.action === 'control.mode' ? 'loop mode' : 'curve'} ${r.oldValue ?? ''} → ${r.newValue ?? ''}`.trim(),
    outcome: !plantWrite ? 'event' : r.outcome === 'ok' ? 'accepted' : 'refused',
    code,
    requestId,
  };
}

export class ControlAudit implements AuditLog {
  constructor(readonly trail: AuditTrail) {}

  record(entry: AuditEntry, source = 'loop'): void {
    this.trail.append(toInput(entry, source));
  }

  recent(limit: number, substation?: string): AuditEntry[] {
    const records = SHOWN_ACTIONS.flatMap((action) => this.trail.search({ action, limit, ...(substation === undefined ? {} : { target: substation }) }));
    return records
      .filter((r) => substation === undefined || r.target.startsWith(`${substation}/`) || (r.action === 'control.mode' && r.target === substation))
      .sort((a, b) => b.id - a.id)
      .slice(0, limit)
      .map(toEntry);
  }
}

/** The same view over a trail in an in-memory SQLite database: tests and the benchmark. */
export class MemoryAudit extends ControlAudit {
  constructor() {
    super(new SqliteAuditTrail(new Database(':memory:')));
  }
}
