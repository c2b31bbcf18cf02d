import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { HeatScadaError } from '../model/errors.ts';
import { preparedOnce } from '../store/sqlite/statements.ts';
import type { AlarmRecord } from './alarm-store.ts';
import type { AlarmsConfig, Priority } from './config-schema.ts';

// Crew work orders: one per fault, opened from an alarm (by itself for critical and high, by hand
// otherwise), moving assigned → en route → on site → resolved with the time of each step and
// notes. A new order at a substation links to the last one there for the same alarm (a repeat).
// KPIs per crew and area: time to site (target 30 min), time to resolve, repeats, open orders.

export const ORDER_STATES = ['assigned', 'en_route', 'on_site', 'resolved'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export interface WorkOrderNote {
  ts: number;
  actor: string;
  text: string;
}

export interface WorkOrder {
  id: number;
  alarmId: number | null;
  alarm: string;
  substation: string;
  area: string | null;
  priority: Priority;
  crew: string | null;
  state: OrderState;
  openedAt: number;
  enRouteAt: number | null;
  onSiteAt: number | null;
  resolvedAt: number | null;
  repeatOf: number | null;
  notes: WorkOrderNote[];
}

export interface Kpi {
  key: string;
  orders: number;
  open: number;
  repeats: number;
  medianToSiteMin: number | null;
  onSiteWithinTarget: number;
  medianToResolveMin: number | null;
}

const TO_SITE_TARGET_MIN = 30;
const STAMP: Record<Exclude<OrderState, 'assigned'>, 'en_route_at' | 'on_site_at' | 'resolved_at'> = {
  en_route: 'en_route_at',
  on_site: 'on_site_at',
  resolved: 'resolved_at',
};

interface OrderRow {
  id: number;
  alarm_id: number | null;
  alarm: string;
  substation: string;
  area: string | null;
  priority: Priority;
  crew: string | null;
  state: OrderState;
  opened_at: number;
  en_route_at: number | null;
  on_site_at: number | null;
  resolved_at: number | null;
  repeat_of: number | null;
  notes: string;
}

const fromRow = (r: OrderRow): WorkOrder => ({
  id: r.id,
  alarmId: r.alarm_id,
  alarm: r.alarm,
  substation: r.substation,
  area: r.area,
  priority: r.priority,
  crew: r.crew,
  state: r.state,
  openedAt: r.opened_at,
  enRouteAt: r.en_route_at,
  onSiteAt: r.on_site_at,
  resolvedAt: r.resolved_at,
  repeatOf: r.repeat_of,
  notes: JSON.parse(r.notes) as WorkOrderNote[],
});

const medianOf = (values: number[]): number | null => {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export class WorkOrders {
  /** Statements compiled once each: the residents' service opens, joins and moves an order at every complaint. */
  private readonly sql: (sql: string) => Database.Statement;
  /** The area (group) of each substation, the first that lists it: the KPIs ask it for every building of a city. */
  private readonly areas = new Map<string, string>();

  constructor(
    db: Database.Database,
    private readonly config: Pick<AlarmsConfig, 'crews' | 'groups' | 'repeat_window_days'>,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.sql = preparedOnce(db);
    for (const [area, ids] of Object.entries(config.groups)) for (const id of ids) if (!this.areas.has(id)) this.areas.set(id, area);
    db.exec(`CREATE TABLE IF NOT EXISTS work_orders (
      id INTEGER PRIMARY KEY, alarm_id INTEGER, alarm TEXT NOT NULL, substation TEXT NOT NULL, area TEXT,
      priority TEXT NOT NULL, crew TEXT, state TEXT NOT NULL, opened_at INTEGER NOT NULL, en_route_at INTEGER,
      on_site_at INTEGER, resolved_at INTEGER, repeat_of INTEGER, notes TEXT NOT NULL DEFAULT '[]');
      CREATE INDEX IF NOT EXISTS work_orders_substation ON work_orders (substation, alarm, id);`);
  }

  areaOf(substation: string): string | null {
    return this.areas.get(substation) ?? null;
  }

  /** Opens an order for an alarm, unless one is open for the same fault (substation and alarm). */
  open(alarm: Pick<AlarmRecord, 'id' | 'alarm' | 'substation' | 'priority'>, actor: string, note = ''): WorkOrder {
    return this.openFor(alarm, actor, note).order;
  }

  /** As open, and whether this call opened it (false: the open order of the same fault). */
  openFor(alarm: Pick<AlarmRecord, 'id' | 'alarm' | 'substation' | 'priority'>, actor: string, note = ''): { order: WorkOrder; opened: boolean } {
    return this.openOrder(alarm, actor, note);
  }

  /**
   * An order no alarm raised (alarm_id null): a resident's complaint (`complaint.<category>`), a
   * failed season check. Joins the open order of the same kind at the substation, as open does.
   */
  openWithoutAlarm(fault: { alarm: string; substation: string; priority: Priority }, actor: string, note = ''): { order: WorkOrder; opened: boolean } {
    return this.openOrder({ ...fault, id: null }, actor, note);
  }

  /** The newest order of this kind at the substation that is not resolved, if any. */
  openAt(substation: string, alarm: string): WorkOrder | undefined {
    const row = this.sql("SELECT * FROM work_orders WHERE substation = ? AND alarm = ? AND state <> 'resolved' ORDER BY id DESC LIMIT 1")
      .get(substation, alarm) as OrderRow | undefined;
    return row && fromRow(row);
  }

  /** Orders of one alarm after an id, oldest first (the service's proactive complaints follow cold-homes orders). */
  ofAlarm(alarm: string, afterId = 0): WorkOrder[] {
    return (this.sql('SELECT * FROM work_orders WHERE alarm = ? AND id > ? ORDER BY id').all(alarm, afterId) as OrderRow[]).map(fromRow);
  }

  /** The crew an order at the substation goes to: the one covering its area, else the first. */
  crewFor(substation: string): string | null {
    const area = this.areaOf(substation);
    return this.config.crews.find((c) => area !== null && c.groups.includes(area))?.id ?? this.config.crews[0]?.id ?? null;
  }

  private openOrder(alarm: { id: number | null; alarm: string; substation: string; priority: Priority }, actor: string, note: string): { order: WorkOrder; opened: boolean } {
    const openOne = this.openAt(alarm.substation, alarm.alarm);
    if (openOne) return { order: openOne, opened: false };
    const now = this.now();
    const previous = this.sql('SELECT id FROM work_orders WHERE substation = ? AND alarm = ? AND opened_at >= ? ORDER BY id DESC LIMIT 1')
      .get(alarm.substation, alarm.alarm, now - this.config.repeat_window_days * 86_400_000) as { id: number } | undefined;
    const area = this.areaOf(alarm.substation);
    const crew = this.crewFor(alarm.substation);
    const notes: WorkOrderNote[] = note ? [{ ts: now, actor, text: note }] : [];
    const row = this.sql(
        `INSERT INTO work_orders (alarm_id, alarm, substation, area, priority, crew, state, opened_at, repeat_of, notes)
         VALUES (?, ?, ?, ?, ?, ?, 'assigned', ?, ?, ?) RETURNING *`,
      )
      .get(alarm.id, alarm.alarm, alarm.substation, area, alarm.priority, crew, now, previous?.id ?? null, JSON.stringify(notes)) as OrderRow;
    this.log.info({ code: 'HS_WORK_ORDER_OPEN', order: row.id, substation: row.substation, alarm: row.alarm, crew, repeatOf: row.repeat_of, actor }, 'work order opened');
    return { order: fromRow(row), opened: true };
  }

  get(id: number): WorkOrder {
    const row = this.sql('SELECT * FROM work_orders WHERE id = ?').get(id) as OrderRow | undefined;
    if (!row) throw new HeatScadaError('HS_ERR_NOT_FOUND', `no work order ${id}`, 'id');
    return fromRow(row);
  }

  /** Moves an order one step on (or further: a crew may report on site without en route). */
  advance(id: number, to: OrderState, actor: string, note = ''): WorkOrder {
    const order = this.get(id);
    if (to === 'assigned' || ORDER_STATES.indexOf(to) <= ORDER_STATES.indexOf(order.state)) {
      throw new HeatScadaError('HS_ERR_WORK_ORDER_STATE', `${order.state} → ${to}`, 'state');
    }
    const now = this.now();
    const notes = note ? [...order.notes, { ts: now, actor, text: note }] : order.notes;
    this.sql(`UPDATE work_orders SET state = ?, ${STAMP[to]} = ?, notes = ? WHERE id = ?`).run(to, now, JSON.stringify(notes), id);
    this.log.info({ code: 'HS_WORK_ORDER_STATE', order: id, from: order.state, to, actor }, 'work order moved');
    return this.get(id);
  }

  addNote(id: number, actor: string, text: string): WorkOrder {
    const order = this.get(id);
    this.sql('UPDATE work_orders SET notes = ? WHERE id = ?').run(JSON.stringify([...order.notes, { ts: this.now(), actor, text }]), id);
    return this.get(id);
  }

  list(filter: { state?: OrderState; crew?: string; substation?: string; open?: boolean } = {}): WorkOrder[] {
    const rows = this.sql('SELECT * FROM work_orders ORDER BY id DESC LIMIT 1000').all() as OrderRow[];
    return rows
      .map(fromRow)
      .filter(
        (o) =>
          (filter.state === undefined || o.state === filter.state) &&
          (filter.crew === undefined || o.crew === filter.crew) &&
          (filter.substation === undefined || o.substation === filter.substation) &&
          (filter.open === undefined || (o.state !== 'resolved') === filter.open),
      );
  }

  kpis(by: 'crew' | 'area'): Kpi[] {
    const groups = new Map<string, WorkOrder[]>();
    for (const o of this.list()) {
      const key = (by === 'crew' ? o.crew : o.area) ?? '-';
      groups.set(key, [...(groups.get(key) ?? []), o]);
    }
    return [...groups].map(([key, orders]) => {
      const toSite = orders.flatMap((o) => (o.onSiteAt === null ? [] : [(o.onSiteAt - o.openedAt) / 60_000]));
      const toResolve = orders.flatMap((o) => (o.resolvedAt === null ? [] : [(o.resolvedAt - o.openedAt) / 60_000]));
      return {
        key,
        orders: orders.length,
        open: orders.filter((o) => o.state !== 'resolved').length,
        repeats: orders.filter((o) => o.repeatOf !== null).length,
        medianToSiteMin: medianOf(toSite),
        onSiteWithinTarget: toSite.filter((m) => m <= TO_SITE_TARGET_MIN).length,
        medianToResolveMin: medianOf(toResolve),
      };
    });
  }
}

export function kpiCsv(by: string, rows: Kpi[]): string {
  const head = [by, 'orders', 'open', 'repeats', 'median_to_site_min', 'on_site_within_30_min', 'median_to_resolve_min'];
  const cell = (v: string | number | null) => (v === null ? '' : typeof v === 'number' ? String(Math.round(v * 10) / 10) : `"${v.replace(/"/g, '""')}"`);
  return [head.join(','), ...rows.map((r) => [r.key, r.orders, r.open, r.repeats, r.medianToSiteMin, r.onSiteWithinTarget, r.medianToResolveMin].map(cell).join(','))].join('\n') + '\n';
}
