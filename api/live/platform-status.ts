import type { Logger } from 'pino';
import { isHeatScadaError } from '../../model/errors.ts';
import { parseRoleStatus, ROLE_STATUS_FILTER, ROLE_STATUS_PREFIX, type RoleStatus } from '../../model/role-status.ts';

// Every platform role's own word on its health (model/role-status.ts), as the roles retain it at
// heatscada/status/<role>/<instance>, for the control room's platform banner. It needs no alarm
// row: when the full disk is the one under the alarm tables, the engine cannot write its
// disk_full alarm, and this still says so (alarms/README.md, Limit). A message that is not a role
// status is logged (once while its topic keeps sending the same fault) and ignored, so the last
// good word stands; an empty retained message is how a status is taken off the broker.

/** GET /api/platform/status and the `platform` event: every instance known, by role, then instance. */
export interface PlatformStatusReport {
  roles: RoleStatus[];
}

export type PlatformListener = (report: PlatformStatusReport) => void;

const sameWord = (a: RoleStatus, b: RoleStatus): boolean => a.status === b.status && a.detail === b.detail && a.path === b.path && a.at === b.at;
const byRoleThenInstance = (a: RoleStatus, b: RoleStatus): number => (a.role === b.role ? cmp(a.instance, b.instance) : cmp(a.role, b.role));
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A follower of the live feed (live-feed.ts FeedFollower; not imported, so that the web app's type check can import this file's types without the feed's). */
export class PlatformStatus {
  readonly filter = ROLE_STATUS_FILTER;
  /** By topic: the payload must speak for its topic's role (parseRoleStatus). */
  private readonly held = new Map<string, RoleStatus>();
  /** The fault last logged for a topic whose last message was bad: a retained one comes again at every reconnection. */
  private readonly faults = new Map<string, string>();
  private readonly listeners = new Set<PlatformListener>();

  constructor(private readonly log: Logger) {}

  owns(topic: string): boolean {
    return topic.startsWith(`${ROLE_STATUS_PREFIX}/`);
  }

  message(topic: string, payload: Buffer): void {
    if (payload.length === 0) {
      this.faults.delete(topic);
      if (this.held.delete(topic)) this.changed();
      return;
    }
    let status: RoleStatus;
    try {
      status = parseRoleStatus(topic, payload);
    } catch (e) {
      const reason = (e as Error).message;
      if (this.faults.get(topic) === reason) return;
      this.faults.set(topic, reason);
      this.log.warn({ code: isHeatScadaError(e) ? e.code : 'HS_ERR_ROLE_STATUS_INVALID', topic, reason }, 'platform status: not a role status, ignored (the last good word stands)');
      return;
    }
    this.faults.delete(topic);
    const before = this.held.get(topic);
    this.held.set(topic, status);
    // A role sends its word again after each reconnection: that is no change.
    if (!before || !sameWord(before, status)) this.changed();
  }

  report(): PlatformStatusReport {
    return { roles: [...this.held.values()].sort(byRoleThenInstance) };
  }

  /** Called with the whole report after each change. */
  listen(listener: PlatformListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    const report = this.report();
    for (const listener of this.listeners) listener(report);
  }
}
