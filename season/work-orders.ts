import type { Logger } from 'pino';
import type { Priority } from '../alarms/config-schema.ts';
import type { WorkOrders } from '../alarms/work-orders.ts';
import type { AuditTrail } from '../model/audit.ts';
import type { PhaseCheck } from '../model/season.ts';

// A failed season check becomes a work order for the crew of the substation's area (the alarms'
// crews and groups), with no alarm behind it: alarm name `season.<phase>`, the evidence — the
// reason, the figures and the window of the curve — in the order's note. A second failure at the
// same substation joins the order still open. The order is audited as the engine's are.

const ACTOR = 'season';

export function evidenceNote(check: PhaseCheck): string {
  const e = check.evidence;
  const figures = e ? Object.entries(e.figures).map(([k, v]) => `${k}=${v}`).join(', ') : '';
  const window = e ? ` [${new Date(e.from).toISOString()} – ${new Date(e.to).toISOString()}]` : '';
  return `season check ${check.phase} failed at ${check.substation}: ${check.reason}${figures ? ` (${figures})` : ''}${window}; curves in GET /api/season/checklist/${check.substation}`;
}

export function seasonOrderOpener(workOrders: WorkOrders, priority: Priority, audit: AuditTrail | undefined, log: Logger): (check: PhaseCheck) => number {
  return (check) => {
    const { order, opened } = workOrders.openWithoutAlarm({ alarm: `season.${check.phase}`, substation: check.substation, priority }, ACTOR, evidenceNote(check));
    if (!opened) workOrders.addNote(order.id, ACTOR, evidenceNote(check));
    if (opened && audit) {
      try {
        audit.append({ ts: order.openedAt, actor: ACTOR, source: 'season', action: 'work_order.change', target: `work_order:${order.id}`, oldValue: null, newValue: order.state, outcome: 'ok', detail: `opened for the failed ${check.phase} at ${check.substation}${order.crew === null ? '' : `, crew ${order.crew}`}` });
      } catch (e) {
        log.error({ code: 'HS_ERR_INTERNAL', order: order.id, reason: (e as Error).message }, 'work order not audited');
      }
    }
    return order.id;
  };
}
