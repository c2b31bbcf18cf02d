import type { Logger } from 'pino';
import type { WorkOrders } from '../alarms/work-orders.ts';
import type { Complaints } from './complaints.ts';

// 未诉先办: every cold-homes work order the alarm engine opened from telemetry shows in the
// complaint list as a complaint of channel `proactive`, and follows its order to on site and
// resolved. Nobody has to create it: the service catches up whenever the list or the KPIs are
// read and on its own timer.

/** Who the audit trail names for these complaints. */
export const PROACTIVE_ACTOR = 'service';

export class ProactiveFeed {
  /** The last cold-homes order seen; the (channel, ticket) key keeps a restart from doubling one. */
  private lastOrder = 0;
  /** sync reads the list, and the list asks for a sync first: once is enough. */
  private syncing = false;

  constructor(
    private readonly complaints: Complaints,
    private readonly workOrders: WorkOrders,
    private readonly coldHomeAlarm: string,
    private readonly log: Logger,
  ) {}

  /** New engine orders become complaints; open proactive complaints catch up with their orders. */
  sync(): void {
    if (this.syncing) return;
    this.syncing = true;
    try {
      this.catchUp();
    } finally {
      this.syncing = false;
    }
  }

  private catchUp(): void {
    for (const order of this.workOrders.ofAlarm(this.coldHomeAlarm, this.lastOrder)) {
      this.lastOrder = order.id;
      if (order.alarmId === null) continue;
      const created = this.complaints.recordProactive(order, PROACTIVE_ACTOR);
      if (created) this.log.info({ code: 'HS_SERVICE_PROACTIVE', complaint: created.id, order: order.id, substation: order.substation }, 'proactive complaint from a cold-homes order');
    }
    for (const c of this.complaints.list({ channel: 'proactive', state: 'dispatched', limit: 500 }).concat(this.complaints.list({ channel: 'proactive', state: 'on_site', limit: 500 }))) {
      if (c.workOrderId !== null) this.complaints.followOrder(c.id, this.workOrders.get(c.workOrderId), PROACTIVE_ACTOR);
    }
  }
}
