import type Database from 'better-sqlite3';

// The audit record of every write the loop makes (who, old value, new value, why, outcome from
// the COMMAND_ACK) and of its events (stale inputs, overrides, hand-backs). Kept in the store's
// SQLite file, so one backup holds the history and who changed what.

export type AuditOutcome = 'accepted' | 'refused' | 'event';

export interface AuditEntry {
  ts: number;
  substation: string;
  /** The tag written; for events, what the event is about ('override', 'stale'). */
  tag: string;
  actor: string;
  oldValue: number | null;
  newValue: number | null;
  why: string;
  outcome: AuditOutcome;
  /** HS_ERR_ code of a refusal or an event. */
  code: string | null;
  requestId: string | null;
}

export interface AuditLog {
  record(entry: AuditEntry): void;
  recent(limit: number, substation?: string): AuditEntry[];
}

export class MemoryAudit implements AuditLog {
  readonly entries: AuditEntry[] = [];
  record(entry: AuditEntry): void {
    this.entries.push(entry);
  }
  recent(limit: number, substation?: string): AuditEntry[] {
    return this.entries.filter((e) => substation === undefined || e.substation === substation).slice(-limit).reverse();
  }
}

interface Row {
  ts: number;
  substation: string;
  tag: string;
  actor: string;
  old_value: number | null;
  new_value: number | null;
  why: string;
  outcome: AuditOutcome;
  code: string | null;
  request_id: string | null;
}

export class SqliteAudit implements AuditLog {
  private readonly insert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly selectOne: Database.Statement;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS control_audit (
      id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, substation TEXT NOT NULL, tag TEXT NOT NULL, actor TEXT NOT NULL,
      old_value REAL, new_value REAL, why TEXT NOT NULL, outcome TEXT NOT NULL, code TEXT, request_id TEXT);
      CREATE INDEX IF NOT EXISTS control_audit_substation ON control_audit (substation, id);`);
    this.insert = db.prepare(
      'INSERT INTO control_audit (ts, substation, tag, actor, old_value, new_value, why, outcome, code, request_id) VALUES (@ts, @substation, @tag, @actor, @old_value, @new_value, @why, @outcome, @code, @request_id)',
    );
    this.select = db.prepare('SELECT * FROM control_audit ORDER BY id DESC LIMIT ?');
    this.selectOne = db.prepare('SELECT * FROM control_audit WHERE substation = ? ORDER BY id DESC LIMIT ?');
  }

  record(e: AuditEntry): void {
    this.insert.run({ ts: e.ts, substation: e.substation, tag: e.tag, actor: e.actor, old_value: e.oldValue, new_value: e.newValue, why: e.why, outcome: e.outcome, code: e.code, request_id: e.requestId });
  }

  recent(limit: number, substation?: string): AuditEntry[] {
    const rows = (substation === undefined ? this.select.all(limit) : this.selectOne.all(substation, limit)) as Row[];
    return rows.map((r) => ({ ts: r.ts, substation: r.substation, tag: r.tag, actor: r.actor, oldValue: r.old_value, newValue: r.new_value, why: r.why, outcome: r.outcome, code: r.code, requestId: r.request_id }));
  }
}
