import type { AlarmsConfig, NotifyRoute } from '../config-schema.ts';
import type { AlarmChange } from '../engine.ts';
import type { Outbox } from './outbox.ts';

// Who hears of what: a webhook's route names the priorities, areas and hours of the day it takes.
// A raised alarm goes to the routes that match it; a flood goes once, as a flood, in place of the
// alarms of the burst (critical ones still go one by one); a critical alarm still unacknowledged
// after escalate_after_s goes to the escalation routes.

export interface NotifyMessage {
  kind: 'alarm' | 'flood' | 'escalation';
  alarmId?: number;
  alarm?: string;
  substation?: string;
  priority?: string;
  title?: { en: string; zh: string };
  floodGroup?: number;
  ts: number;
}

export function routeMatches(route: NotifyRoute, priority: string, area: string | null, hour: number): boolean {
  if (!route.priorities.includes(priority as NotifyRoute['priorities'][number])) return false;
  if (route.groups && (area === null || !route.groups.includes(area))) return false;
  if (route.hours) {
    const [from, to] = route.hours;
    if (from <= to ? hour < from || hour >= to : hour < from && hour >= to) return false;
  }
  return true;
}

export class NotifyRouter {
  constructor(
    private readonly config: Pick<AlarmsConfig, 'webhooks' | 'groups' | 'escalate_after_s'>,
    private readonly outbox: Outbox,
    private readonly areaOf: (substation: string) => string | null,
  ) {}

  onChange(change: AlarmChange, now: number): void {
    const r = change.record;
    if (change.event !== 'activate' || !change.annunciated) return;
    const hour = new Date(now).getHours();
    if (change.floodOpened !== null) {
      for (const w of this.config.webhooks) {
        if (!w.escalation) this.outbox.enqueue(`flood:${change.floodOpened}`, w.url, { kind: 'flood', floodGroup: change.floodOpened, ts: now } satisfies NotifyMessage);
      }
    }
    if (r.floodGroup !== null && r.priority !== 'critical') return;
    const message: NotifyMessage = { kind: 'alarm', alarmId: r.id, alarm: r.alarm, substation: r.substation, priority: r.priority, title: change.title, ts: now };
    for (const w of this.config.webhooks) {
      if (!w.escalation && routeMatches(w.route, r.priority, this.areaOf(r.substation), hour)) this.outbox.enqueue(`alarm:${r.id}`, w.url, message);
    }
  }

  /** Escalates critical alarms left unacknowledged; called on every evaluation. */
  escalate(unacked: readonly { id: number; alarm: string; substation: string; priority: string; raisedAt: number }[], now: number): void {
    const hour = new Date(now).getHours();
    for (const a of unacked) {
      if (a.priority !== 'critical' || now - a.raisedAt < this.config.escalate_after_s * 1000) continue;
      for (const w of this.config.webhooks) {
        if (w.escalation && routeMatches(w.route, a.priority, this.areaOf(a.substation), hour)) {
          this.outbox.enqueue(`escalate:${a.id}`, w.url, { kind: 'escalation', alarmId: a.id, alarm: a.alarm, substation: a.substation, priority: a.priority, ts: now } satisfies NotifyMessage);
        }
      }
    }
  }
}
