// What the complaint list marks on a row: past its time limit (办理时限), and at risk of a false
// closure (假办结) — the flags a closed complaint carries, or, for one waiting to be closed, the
// flags closing it now would raise, so the hotline sees them before the regulator does.

import { falseClosureRisks, type Complaint, type FalseClosureRisk } from '../../model/service.ts';

export interface ComplaintMarks {
  /** Not resolved and past its due time. */
  overdue: boolean;
  /** Resolved, but after its due time. */
  late: boolean;
  risks: FalseClosureRisk[];
}

const UNRESOLVED = new Set<Complaint['state']>(['received', 'dispatched', 'on_site']);

export function complaintMarks(c: Complaint, now: number): ComplaintMarks {
  const unresolved = UNRESOLVED.has(c.state);
  return {
    overdue: unresolved && now > c.dueAt,
    late: c.resolvedAt !== null && c.resolvedAt > c.dueAt,
    risks: c.state === 'closed' ? c.falseClosureRisk : unresolved ? [] : falseClosureRisks(c),
  };
}
