// What the platform recorded during a soak, read from its SQLite file after every role has
// stopped: the heartbeats stored, the commands and their outcomes, the alarms that stood, the
// audit chain and the size of it all.

import fs from 'node:fs';
import Database from 'better-sqlite3';
import { parse } from 'yaml';
import { NETWORK } from '../../alarms/engine.ts';
import { SqliteAuditTrail } from '../../store/audit/sqlite-audit-trail.ts';
import type { StoredBeat } from './ledger.ts';

/** Every stored point: the newest live in points_recent until they move to points (store/sqlite/schema.ts). */
export const ALL_POINTS = '(SELECT series_id, ts, value, quality FROM points UNION ALL SELECT series_id, ts, value, quality FROM points_recent)';

/** After a fault is cleared its alarm may still be on its way (delays, a restarting engine). */
export const ALARM_GRACE_MS = 15_000;

export interface FaultWindow {
  kind: string;
  substation?: string;
  startMs: number;
  endMs: number;
  expect: readonly string[];
}

export type FaultVerdict = 'alarmed' | 'masked' | 'not_alarmed';

export interface Commands {
  sent: number;
  acknowledged: number;
  /** Refused by the envelope, the edge node or the PLC, each with its reason in the audit record. */
  refused: number;
  /** No acknowledgement in time (the edge node or broker was down): audited as failed, with the reason. */
  unanswered: number;
  /** Records without a reason: must be none. */
  without_reason: number;
}

export class SoakOutcomes {
  private readonly db: Database.Database;

  constructor(
    private readonly file: string,
    rulesFile: string,
  ) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    const rules = parse(fs.readFileSync(rulesFile, 'utf8')) as { alarms: { id: string; suppressed_by?: string[] }[] };
    this.suppressors = new Map(rules.alarms.map((a) => [a.id, a.suppressed_by ?? []]));
    this.journal = this.db.prepare(
      `SELECT j.ts AS ts, j.event AS event FROM alarm_journal j JOIN alarms a ON a.id = j.alarm_id
       WHERE a.substation = ? AND a.alarm = ? AND j.event IN ('activate', 'return') ORDER BY j.ts, j.id`,
    );
  }

  private readonly suppressors: Map<string, string[]>;
  private readonly journal: Database.Statement;
  /** Active spans by substation and alarm, read once: every fault's verdict asks again. */
  private readonly spans = new Map<string, [number, number][]>();

  close(): void {
    this.db.close();
  }

  /** Every stored heartbeat by substation, in time order. */
  heartbeats(): Map<string, StoredBeat[]> {
    const rows = this.db
      .prepare(
        `SELECT s.substation AS substation, p.ts AS ts, p.value AS value, p.quality = 0 AS good FROM series s
         JOIN ${ALL_POINTS} p ON p.series_id = s.id
         WHERE s.tag = 'plc.heartbeat' ORDER BY s.substation, p.ts`,
      )
      .all() as { substation: string; ts: number; value: number; good: number }[];
    const bySubstation = new Map<string, StoredBeat[]>();
    for (const r of rows) {
      let list = bySubstation.get(r.substation);
      if (!list) bySubstation.set(r.substation, (list = []));
      list.push({ ts: r.ts, value: r.value, good: r.good === 1 });
    }
    return bySubstation;
  }

  storedPoints(): number {
    const count = (table: string) => (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return count('points') + count('points_recent');
  }

  /** The database with its write-ahead log, bytes. */
  databaseBytes(): number {
    return [this.file, `${this.file}-wal`].reduce((sum, f) => sum + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
  }

  commands(): Commands {
    const rows = this.db.prepare(`SELECT outcome, detail FROM audit_log WHERE action = 'plant.write'`).all() as { outcome: string; detail: string }[];
    return {
      sent: rows.length,
      acknowledged: rows.filter((r) => r.outcome === 'ok').length,
      refused: rows.filter((r) => r.outcome === 'refused').length,
      unanswered: rows.filter((r) => r.outcome === 'failed').length,
      without_reason: rows.filter((r) => r.outcome !== 'ok' && r.detail.trim() === '').length,
    };
  }

  auditChain(): { ok: boolean; records: number; reason?: string } {
    const check = new SqliteAuditTrail(this.db).verify();
    return check.ok ? { ok: true, records: check.checked } : { ok: false, records: check.checked, reason: `record ${check.brokenAt}: ${check.reason}` };
  }

  /**
   * Was one of the fault's alarms raised while it lasted (or just after)? If not: did a root alarm
   * that silences them, or the same alarm from an earlier cause, stand over it?
   */
  verdict(fault: FaultWindow): FaultVerdict {
    const substation = fault.substation ?? NETWORK;
    const until = fault.endMs + ALARM_GRACE_MS;
    if (fault.expect.some((a) => this.activations(substation, a).some((t) => t >= fault.startMs && t <= until))) return 'alarmed';
    const roots = [...new Set([...fault.expect, ...fault.expect.flatMap((a) => this.suppressors.get(a) ?? [])])];
    // As the engine suppresses: a root at the substation or over the whole network.
    const standing = roots.some((a) => [substation, NETWORK].some((at) => this.activeSpans(at, a).some(([from, to]) => from <= until && to >= fault.startMs)));
    return standing ? 'masked' : 'not_alarmed';
  }

  /** When the alarm became active at the substation (every occurrence, from the alarm journal). */
  private activations(substation: string, alarm: string): number[] {
    return this.activeSpans(substation, alarm).map(([from]) => from);
  }

  /** Its active spans: from each activation to the return after it (open: to the end). */
  private activeSpans(substation: string, alarm: string): [number, number][] {
    const key = `${substation}\n${alarm}`;
    const known = this.spans.get(key);
    if (known) return known;
    const events = this.journal.all(substation, alarm) as { ts: number; event: string }[];
    const spans: [number, number][] = [];
    for (const e of events) {
      if (e.event === 'activate') spans.push([e.ts, Number.POSITIVE_INFINITY]);
      else if (spans.length > 0 && spans[spans.length - 1][1] === Number.POSITIVE_INFINITY) spans[spans.length - 1][1] = e.ts;
    }
    this.spans.set(key, spans);
    return spans;
  }
}
