import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AUDIT_ACTIONS, type AuditInput, type AuditQuery, type AuditRecord, type AuditTrail, type ChainCheck } from '../../model/audit.ts';
import { HeatScadaError } from '../../model/errors.ts';

// The audit log in the store's SQLite file. Appends run in an IMMEDIATE transaction, so two
// processes appending at once (control and API in separate processes) still chain one after
// the other. The table has no UPDATE or DELETE path in the code; the hash chain catches one
// made by hand.

interface Row {
  id: number;
  ts: number;
  actor: string;
  source: string;
  action: string;
  target: string;
  old_value: string | null;
  new_value: string | null;
  outcome: string;
  detail: string;
  prev: string;
  hash: string;
}

const MAX_LIMIT = 1000;
const VERIFY_PAGE = 5000;

/**
 * Text as SQLite will give it back: a lone UTF-16 surrogate (which a hostile request can put in
 * a target) becomes U+FFFD in the UTF-8 column, so it is replaced before hashing, or the record
 * would fail its own check when read back.
 */
const wellFormed = (s: string): string => (/[\ud800-\udfff]/.test(s) ? Buffer.from(s, 'utf8').toString('utf8') : s);
/** A field as the TEXT column holds it: a writer handing a number where the type says string (a target taken from an unvalidated body) still hashes what is stored. */
const field = (v: unknown): string => wellFormed(String(v));
const text = (v: string | number | null | undefined): string | null => (v === undefined || v === null ? null : field(v));

/** The hash of a record: its predecessor's hash and every field, in a fixed order. */
export function recordHash(r: Omit<AuditRecord, 'id' | 'hash'>): string {
  const fields = [r.prev, r.ts, r.actor, r.source, r.action, r.target, r.oldValue, r.newValue, r.outcome, r.detail];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

function toRecord(row: Row): AuditRecord {
  return {
    id: row.id,
    ts: row.ts,
    actor: row.actor,
    source: row.source,
    action: row.action as AuditRecord['action'],
    target: row.target,
    oldValue: row.old_value,
    newValue: row.new_value,
    outcome: row.outcome as AuditRecord['outcome'],
    detail: row.detail,
    prev: row.prev,
    hash: row.hash,
  };
}

export class SqliteAuditTrail implements AuditTrail {
  private readonly appendTx: (input: AuditInput) => AuditRecord;
  private readonly lastStmt: Database.Statement;
  private readonly pageStmt: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    // A read-only handle (the `heatscada audit` command) reads a log some other process keeps.
    if (!db.readonly) db.exec(`CREATE TABLE IF NOT EXISTS audit_log (
      id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor TEXT NOT NULL, source TEXT NOT NULL, action TEXT NOT NULL,
      target TEXT NOT NULL, old_value TEXT, new_value TEXT, outcome TEXT NOT NULL, detail TEXT NOT NULL,
      prev TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS audit_log_ts ON audit_log (ts);
      CREATE INDEX IF NOT EXISTS audit_log_target ON audit_log (target, id);`);
    this.lastStmt = db.prepare('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
    this.pageStmt = db.prepare('SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?');
    const insert = db.prepare(
      'INSERT INTO audit_log (ts, actor, source, action, target, old_value, new_value, outcome, detail, prev, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
    );
    const tx = db.transaction((input: AuditInput): AuditRecord => {
      const last = this.lastStmt.get() as { hash: string } | undefined;
      const body = {
        ts: input.ts ?? this.now(),
        actor: field(input.actor),
        source: field(input.source),
        action: input.action,
        target: field(input.target),
        oldValue: text(input.oldValue),
        newValue: text(input.newValue),
        outcome: input.outcome,
        detail: field(input.detail ?? ''),
        prev: last?.hash ?? '',
      };
      const hash = recordHash(body);
      const info = insert.run(body.ts, body.actor, body.source, body.action, body.target, body.oldValue, body.newValue, body.outcome, body.detail, body.prev, hash);
      return { id: Number(info.lastInsertRowid), ...body, hash };
    });
    this.appendTx = (input) => tx.immediate(input);
  }

  append(input: AuditInput): AuditRecord {
    if (!(AUDIT_ACTIONS as readonly string[]).includes(input.action)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `unknown audit action ${String(input.action)}`, 'action');
    return this.appendTx(input);
  }

  search(q: AuditQuery): AuditRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (clause: string, value: string | number | undefined): void => {
      if (value === undefined) return;
      where.push(clause);
      args.push(value);
    };
    add('ts >= ?', q.from);
    add('ts <= ?', q.to);
    add('actor = ?', q.actor);
    add('action = ?', q.action);
    add("target LIKE ? ESCAPE '\\'", q.target === undefined ? undefined : `${q.target.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    add('outcome = ?', q.outcome);
    add('id < ?', q.before);
    const limit = Math.min(Math.max(1, q.limit ?? 100), MAX_LIMIT);
    const sql = `SELECT * FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, limit) as Row[]).map(toRecord);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM audit_log').get() as { n: number }).n;
  }

  /** Walks the whole log in id order, recomputing every hash and link; `progress` hears the count after each page. */
  verify(progress?: (checked: number) => void): ChainCheck {
    let prev = '';
    let afterId = 0;
    let checked = 0;
    for (;;) {
      const rows = this.pageStmt.all(afterId, VERIFY_PAGE) as Row[];
      if (rows.length === 0) return { ok: true, checked };
      for (const row of rows) {
        const record = toRecord(row);
        if (record.prev !== prev) return { ok: false, checked, brokenAt: record.id, reason: 'link to the previous record does not match (a record was removed or changed)' };
        if (recordHash(record) !== record.hash) return { ok: false, checked, brokenAt: record.id, reason: 'record content does not match its hash (the record was edited)' };
        prev = record.hash;
        checked++;
        afterId = record.id;
      }
      progress?.(checked);
    }
  }
}
