import type Database from 'better-sqlite3';
import type { Priority } from './config-schema.ts';
import type { AlarmState } from './states.ts';

// Alarm tables in the store's SQLite file (SqliteStore.database): one row per occurrence of an
// alarm at a substation, a journal of every state change (who, when, comment), flood groups.
// The notification outbox and work orders keep their own tables (notify/outbox.ts, work-orders.ts).

export interface AlarmRecord {
  id: number;
  alarm: string;
  substation: string;
  priority: Priority;
  state: AlarmState;
  raisedAt: number;
  returnedAt: number | null;
  ackedAt: number | null;
  ackedBy: string | null;
  shelvedUntil: number | null;
  outOfService: boolean;
  floodGroup: number | null;
}

export const JOURNAL_EVENTS = ['activate', 'return', 'ack', 'shelve', 'unshelve', 'out_of_service', 'in_service'] as const;
export type JournalEvent = (typeof JOURNAL_EVENTS)[number];

export interface JournalEntry {
  alarmId: number;
  ts: number;
  event: JournalEvent;
  fromState: AlarmState;
  toState: AlarmState;
  actor: string;
  comment: string;
}

export interface FloodGroup {
  id: number;
  startedAt: number;
  endedAt: number | null;
  alarms: number;
}

interface AlarmRow {
  id: number;
  alarm: string;
  substation: string;
  priority: Priority;
  state: AlarmState;
  raised_at: number;
  returned_at: number | null;
  acked_at: number | null;
  acked_by: string | null;
  shelved_until: number | null;
  out_of_service: number;
  flood_group: number | null;
}

const fromRow = (r: AlarmRow): AlarmRecord => ({
  id: r.id,
  alarm: r.alarm,
  substation: r.substation,
  priority: r.priority,
  state: r.state,
  raisedAt: r.raised_at,
  returnedAt: r.returned_at,
  ackedAt: r.acked_at,
  ackedBy: r.acked_by,
  shelvedUntil: r.shelved_until,
  outOfService: r.out_of_service === 1,
  floodGroup: r.flood_group,
});

export interface AlarmQuery {
  /** Only occurrences that are not normal, shelved or out of service (the operator's list). */
  current?: boolean;
  substation?: string;
  priority?: Priority;
  state?: AlarmState;
  limit?: number;
}

export class AlarmStore {
  private readonly insertStmt: Database.Statement;
  private readonly updateStmt: Database.Statement;
  private readonly journalStmt: Database.Statement;

  constructor(readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS alarms (
        id INTEGER PRIMARY KEY, alarm TEXT NOT NULL, substation TEXT NOT NULL, priority TEXT NOT NULL,
        state TEXT NOT NULL, raised_at INTEGER NOT NULL, returned_at INTEGER, acked_at INTEGER, acked_by TEXT,
        shelved_until INTEGER, out_of_service INTEGER NOT NULL DEFAULT 0, flood_group INTEGER);
      CREATE INDEX IF NOT EXISTS alarms_key ON alarms (substation, alarm, id);
      CREATE TABLE IF NOT EXISTS alarm_journal (
        id INTEGER PRIMARY KEY, alarm_id INTEGER NOT NULL, ts INTEGER NOT NULL, event TEXT NOT NULL,
        from_state TEXT NOT NULL, to_state TEXT NOT NULL, actor TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '');
      CREATE INDEX IF NOT EXISTS alarm_journal_alarm ON alarm_journal (alarm_id, id);
      CREATE TABLE IF NOT EXISTS alarm_floods (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, ended_at INTEGER, alarms INTEGER NOT NULL DEFAULT 0);
    `);
    this.insertStmt = db.prepare(
      `INSERT INTO alarms (alarm, substation, priority, state, raised_at, shelved_until, out_of_service)
       VALUES (@alarm, @substation, @priority, @state, @raisedAt, @shelvedUntil, @oos) RETURNING id`,
    );
    this.updateStmt = db.prepare(
      `UPDATE alarms SET state = @state, returned_at = @returnedAt, acked_at = @ackedAt, acked_by = @ackedBy,
       shelved_until = @shelvedUntil, out_of_service = @oos, flood_group = @floodGroup WHERE id = @id`,
    );
    this.journalStmt = db.prepare(
      `INSERT INTO alarm_journal (alarm_id, ts, event, from_state, to_state, actor, comment)
       VALUES (@alarmId, @ts, @event, @fromState, @toState, @actor, @comment)`,
    );
  }

  /** A new occurrence and its journal line, atomically. */
  insert(record: Omit<AlarmRecord, 'id'>, entry: Omit<JournalEntry, 'alarmId'>): AlarmRecord {
    return this.db.transaction(() => {
      const { id } = this.insertStmt.get({ ...record, oos: record.outOfService ? 1 : 0 }) as { id: number };
      this.journalStmt.run({ ...entry, alarmId: id });
      return { ...record, id };
    })();
  }

  /** The occurrence's new fields and the journal line that explains them, atomically. */
  update(record: AlarmRecord, entry: Omit<JournalEntry, 'alarmId'> | undefined): void {
    this.db.transaction(() => {
      this.updateStmt.run({ ...record, oos: record.outOfService ? 1 : 0 });
      if (entry) this.journalStmt.run({ ...entry, alarmId: record.id });
    })();
  }

  /** The last occurrence of every (substation, alarm): what the engine resumes from. */
  lastOccurrences(): AlarmRecord[] {
    const rows = this.db
      .prepare('SELECT a.* FROM alarms a JOIN (SELECT MAX(id) AS id FROM alarms GROUP BY substation, alarm) m ON a.id = m.id')
      .all() as AlarmRow[];
    return rows.map(fromRow);
  }

  get(id: number): AlarmRecord | undefined {
    const row = this.db.prepare('SELECT * FROM alarms WHERE id = ?').get(id) as AlarmRow | undefined;
    return row && fromRow(row);
  }

  query(q: AlarmQuery): AlarmRecord[] {
    const where: string[] = [];
    const args: Record<string, string | number> = { limit: q.limit ?? 500 };
    if (q.current) where.push("(state <> 'normal' OR out_of_service = 1 OR shelved_until IS NOT NULL) AND id IN (SELECT MAX(id) FROM alarms GROUP BY substation, alarm)");
    if (q.substation !== undefined) (where.push('substation = @substation'), (args.substation = q.substation));
    if (q.priority !== undefined) (where.push('priority = @priority'), (args.priority = q.priority));
    if (q.state !== undefined) (where.push('state = @state'), (args.state = q.state));
    const sql = `SELECT * FROM alarms ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(args) as AlarmRow[]).map(fromRow);
  }

  journal(alarmId: number): JournalEntry[] {
    const rows = this.db
      .prepare('SELECT alarm_id AS alarmId, ts, event, from_state AS fromState, to_state AS toState, actor, comment FROM alarm_journal WHERE alarm_id = ? ORDER BY id')
      .all(alarmId);
    return rows as JournalEntry[];
  }

  openFlood(startedAt: number): number {
    return (this.db.prepare('INSERT INTO alarm_floods (started_at) VALUES (?) RETURNING id').get(startedAt) as { id: number }).id;
  }

  setFlood(id: number, alarms: number, endedAt: number | null): void {
    this.db.prepare('UPDATE alarm_floods SET alarms = ?, ended_at = ? WHERE id = ?').run(alarms, endedAt, id);
  }

  floods(limit = 50): FloodGroup[] {
    return this.db.prepare('SELECT id, started_at AS startedAt, ended_at AS endedAt, alarms FROM alarm_floods ORDER BY id DESC LIMIT ?').all(limit) as FloodGroup[];
  }
}
