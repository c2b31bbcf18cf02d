import type { AlarmRecord } from '../alarm-store.ts';
import type { AlarmsConfig, NotifyRoute } from '../config-schema.ts';
import type { AlarmChange } from '../engine.ts';
import type { Cause } from '../rules/rule.ts';
import type { LocalTime } from './local-time.ts';
import type { Outbox } from './outbox.ts';
import { notifyTargets, type NotifyTarget } from './targets.ts';

// Who hears of what: a route (webhook or e-mail) names the priorities, areas and hours of the
// day it takes, hours in the configured time zone. A raised alarm goes to the routes that match
// it; a flood goes once, as a flood, in place of the alarms of the burst (critical ones still go
// one by one) to the routes whose hours match; a critical alarm still unacknowledged after
// escalate_after_s goes to the escalation routes, and an escalation not yet sent is withdrawn
// once someone acknowledges, shelves or takes the alarm out of service.

export interface NotifyMessage {
  kind: 'alarm' | 'flood' | 'escalation';
  alarmId?: number;
  alarm?: string;
  substation?: string;
  priority?: string;
  title?: { en: string; zh: string };
  /** The tag and value that raised the alarm (none for a silent PLC). */
  tag?: string;
  value?: number | boolean;
  /** What raised it in words, when no tag says it (a role's full disk and its path). */
  detail?: string;
  raisedAt?: number;
  floodGroup?: number;
  ts: number;
}

export interface RouterContext {
  areaOf(substation: string): string | null;
  titleOf(alarm: string): { en: string; zh: string } | undefined;
  clock: LocalTime;
}

const inHours = (hours: NotifyRoute['hours'], hour: number): boolean => {
  if (!hours) return true;
  const [from, to] = hours;
  return from <= to ? hour >= from && hour < to : hour >= from || hour < to;
};

export function routeMatches(route: NotifyRoute, priority: string, area: string | null, hour: number): boolean {
  if (!route.priorities.includes(priority as NotifyRoute['priorities'][number])) return false;
  if (route.groups && (area === null || !route.groups.includes(area))) return false;
  return inHours(route.hours, hour);
}

const escalationKey = (id: number) => `escalate:${id}`;
/** Operator actions after which nobody needs to be chased about the alarm. */
const SEEN = new Set<AlarmChange['event']>(['ack', 'shelve', 'out_of_service']);

export class NotifyRouter {
  private readonly targets: NotifyTarget[];
  /** What raised each standing alarm, for its escalation (lost on a restart: sent without it). */
  private readonly causes = new Map<number, Cause>();

  constructor(
    private readonly config: Pick<AlarmsConfig, 'webhooks' | 'email' | 'escalate_after_s'>,
    private readonly outbox: Outbox,
    private readonly context: RouterContext,
  ) {
    this.targets = notifyTargets(config);
  }

  onChange(change: AlarmChange, now: number): void {
    const r = change.record;
    if (SEEN.has(change.event)) {
      this.causes.delete(r.id);
      this.outbox.withdraw(escalationKey(r.id));
      return;
    }
    if (change.event !== 'activate' || !change.annunciated) return;
    if (change.cause) this.causes.set(r.id, change.cause);
    const hour = this.context.clock.hour(now);
    if (change.floodOpened !== null) {
      const flood: NotifyMessage = { kind: 'flood', floodGroup: change.floodOpened, ts: now };
      for (const t of this.targets) if (!t.escalation && inHours(t.route.hours, hour)) this.outbox.enqueue(`flood:${change.floodOpened}`, t.target, flood);
    }
    if (r.floodGroup !== null && r.priority !== 'critical') return;
    const message: NotifyMessage = { ...this.describe(r), kind: 'alarm', title: change.title, ts: now };
    for (const t of this.targets) {
      if (!t.escalation && routeMatches(t.route, r.priority, this.context.areaOf(r.substation), hour)) this.outbox.enqueue(`alarm:${r.id}`, t.target, message);
    }
  }

  /** Escalates critical alarms left unacknowledged (and shown); called on every evaluation. */
  escalate(records: readonly AlarmRecord[], now: number): void {
    const hour = this.context.clock.hour(now);
    for (const a of records) {
      if (a.priority !== 'critical' || a.state !== 'unack_active' || a.outOfService || (a.shelvedUntil !== null && a.shelvedUntil > now)) continue;
      if (now - a.raisedAt < this.config.escalate_after_s * 1000) continue;
      const message: NotifyMessage = { ...this.describe(a), kind: 'escalation', title: this.context.titleOf(a.alarm), ts: now };
      for (const t of this.targets) {
        if (t.escalation && routeMatches(t.route, a.priority, this.context.areaOf(a.substation), hour)) this.outbox.enqueue(escalationKey(a.id), t.target, message);
      }
    }
  }

  private describe(r: AlarmRecord): Omit<NotifyMessage, 'kind' | 'ts'> {
    const cause = this.causes.get(r.id);
    return { alarmId: r.id, alarm: r.alarm, substation: r.substation, priority: r.priority, raisedAt: r.raisedAt, ...(cause?.tag === undefined ? {} : { tag: cause.tag }), ...(cause?.value === undefined ? {} : { value: cause.value }), ...(cause?.detail === undefined ? {} : { detail: cause.detail }) };
  }
}
