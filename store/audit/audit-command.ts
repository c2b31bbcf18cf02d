import Database from 'better-sqlite3';
import { AUDIT_ACTIONS, type AuditAction, type AuditQuery, type AuditRecord } from '../../model/audit.ts';
import { HeatScadaError } from '../../model/errors.ts';
import { SqliteAuditTrail } from './sqlite-audit-trail.ts';

// `heatscada audit verify|list`: reads the audit trail of a store file read-only, so it can
// run beside the processes that append to it and can never change what it checks.

/** Logs longer than this get progress lines while they are verified. */
const PROGRESS_ABOVE = 20_000;
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export interface CommandOutput {
  /** The result lines (stdout). */
  out(line: string): void;
  /** Progress lines (stderr). */
  progress(line: string): void;
}

/** The trail of a store file opened read-only; a file without an audit_log table is an error, not an empty log. */
function withTrail<T>(file: string, use: (trail: SqliteAuditTrail) => T): T {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new HeatScadaError('HS_ERR_STORE_OPEN', `${file}: ${(e as Error).message}`);
  }
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").get();
    if (!table) throw new HeatScadaError('HS_ERR_AUDIT_MISSING', `no audit_log table in ${file} (never written, or removed)`);
    return use(new SqliteAuditTrail(db));
  } finally {
    db.close();
  }
}

/** Verifies the chain: 0 when intact, 1 when broken. */
export function auditVerify(file: string, output: CommandOutput): number {
  return withTrail(file, (trail) => {
    const total = trail.count();
    const check = trail.verify(total > PROGRESS_ABOVE ? (checked) => output.progress(`audit verify: ${checked} of ${total} records checked`) : undefined);
    if (check.ok) {
      output.out(`audit chain ok: ${check.checked} records`);
      return 0;
    }
    output.out(`audit chain BROKEN at record ${check.brokenAt}: ${check.reason}`);
    return 1;
  });
}

/** `24h`, `30m`, `7d` back from now, or a time: ms since the epoch or ISO 8601. */
export function parseSince(text: string, now: number = Date.now()): number {
  const relative = /^(\d+)([smhd])$/.exec(text);
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]];
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `expected 24h, 30m, 7d, ms since the epoch or ISO 8601, got "${text}"`, '--since');
  return ms;
}

export interface ListOptions {
  since?: string;
  actor?: string;
  action?: string;
  target?: string;
  limit?: string;
}

export function listQuery(options: ListOptions, now: number = Date.now()): AuditQuery {
  const query: AuditQuery = {};
  if (options.since !== undefined) query.from = parseSince(options.since, now);
  if (options.actor !== undefined) query.actor = options.actor;
  if (options.target !== undefined) query.target = options.target;
  if (options.action !== undefined) {
    if (!(AUDIT_ACTIONS as readonly string[]).includes(options.action)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `one of ${AUDIT_ACTIONS.join(', ')}`, '--action');
    query.action = options.action as AuditAction;
  }
  if (options.limit !== undefined) {
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `an integer 1…1000, got "${options.limit}"`, '--limit');
    query.limit = limit;
  }
  return query;
}

export const listLine = (r: AuditRecord): string =>
  [new Date(r.ts).toISOString(), `#${r.id}`, r.actor, r.source, r.action, r.target, `${r.oldValue ?? '-'} → ${r.newValue ?? '-'}`, r.outcome, r.detail].join('  ').trimEnd();

/** Prints the matching records, newest first, one a line. */
export function auditList(file: string, query: AuditQuery, output: CommandOutput): number {
  return withTrail(file, (trail) => {
    for (const record of trail.search(query)) output.out(listLine(record));
    return 0;
  });
}
