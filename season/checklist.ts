import type Database from 'better-sqlite3';
import { HeatScadaError } from '../model/errors.ts';
import { JUDGED_PHASES, type CheckPhase, type CheckState, type Evidence, type PhaseCheck } from '../model/season.ts';

// Every substation's checklist for the season, in a table of the store's SQLite file (as the
// alarm tables are): per phase its state, who decided it (the judge or an engineer), when, the
// reason and the evidence — the curves the judge saw, kept as they were, so a failed pressure
// test can be shown to the crew and an auditor months later.

interface CheckRow {
  substation: string;
  phase: CheckPhase;
  state: CheckState;
  who: string | null;
  at: number | null;
  started_at: number | null;
  code: string;
  reason: string;
  evidence: string | null;
  work_order: number | null;
  note: string;
}

const fromRow = (r: CheckRow): PhaseCheck => ({
  substation: r.substation,
  phase: r.phase,
  state: r.state,
  who: r.who,
  at: r.at,
  startedAt: r.started_at,
  code: r.code,
  reason: r.reason,
  evidence: r.evidence === null ? null : (JSON.parse(r.evidence) as Evidence),
  workOrder: r.work_order,
  note: r.note,
});

export const pendingCheck = (substation: string, phase: CheckPhase): PhaseCheck => ({
  substation,
  phase,
  state: 'pending',
  who: null,
  at: null,
  startedAt: null,
  code: '',
  reason: '',
  evidence: null,
  workOrder: null,
  note: '',
});

export class Checklist {
  private readonly upsert: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    readonly season: string,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS season_checks (
      season TEXT NOT NULL, substation TEXT NOT NULL, phase TEXT NOT NULL, state TEXT NOT NULL, who TEXT, at INTEGER,
      started_at INTEGER, code TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '', evidence TEXT, work_order INTEGER,
      note TEXT NOT NULL DEFAULT '', PRIMARY KEY (season, substation, phase));`);
    this.upsert = db.prepare(`INSERT INTO season_checks (season, substation, phase, state, who, at, started_at, code, reason, evidence, work_order, note)
      VALUES (@season, @substation, @phase, @state, @who, @at, @startedAt, @code, @reason, @evidence, @workOrder, @note)
      ON CONFLICT (season, substation, phase) DO UPDATE SET state = excluded.state, who = excluded.who, at = excluded.at,
      started_at = excluded.started_at, code = excluded.code, reason = excluded.reason, evidence = excluded.evidence,
      work_order = excluded.work_order, note = excluded.note`);
  }

  /** Writes checks (one transaction: all or none). */
  save(checks: readonly PhaseCheck[]): void {
    this.db.transaction(() => {
      for (const c of checks) this.upsert.run({ ...c, season: this.season, evidence: c.evidence === null ? null : JSON.stringify(c.evidence) });
    })();
  }

  /** Every stored check of the season, or one substation's. */
  list(substation?: string): PhaseCheck[] {
    const rows = (
      substation === undefined
        ? this.db.prepare('SELECT * FROM season_checks WHERE season = ? ORDER BY substation, phase').all(this.season)
        : this.db.prepare('SELECT * FROM season_checks WHERE season = ? AND substation = ? ORDER BY phase').all(this.season, substation)
    ) as CheckRow[];
    return rows.map(fromRow);
  }

  /**
   * An engineer's tick for a phase data cannot judge (inspection, 检修): passed or failed, with a note.
   * Judged phases are refused: the telemetry decides them, and a tick would hide a leak.
   */
  tick(substation: string, phase: CheckPhase, state: 'passed' | 'failed' | 'pending', actor: string, note: string, at: number): PhaseCheck {
    if ((JUDGED_PHASES as readonly string[]).includes(phase)) throw new HeatScadaError('HS_ERR_SEASON_JUDGED', `${phase} at ${substation}`, 'phase');
    const before = this.list(substation).find((c) => c.phase === phase) ?? pendingCheck(substation, phase);
    const after: PhaseCheck = { ...before, state, who: actor, at, startedAt: before.startedAt ?? at, code: 'manual', reason: note, note };
    this.save([after]);
    return after;
  }
}
