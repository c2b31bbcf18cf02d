import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Priority } from '../alarms/config-schema.ts';
import type { WorkOrder, WorkOrders } from '../alarms/work-orders.ts';
import type { AuditTrail } from '../model/audit.ts';
import { HeatScadaError } from '../model/errors.ts';
import {
  CHANNELS,
  type Category,
  type Channel,
  type Complaint,
  type ComplaintFilter,
  type ComplaintInput,
  type ComplaintState,
  falseClosureRisks,
  type FollowUp,
  type RoomMeasurement,
} from '../model/service.ts';
import { preparedOnce } from '../store/sqlite/statements.ts';
import type { AddressBook } from './address-book.ts';
import { createComplaintTable, fromRow, type ComplaintRow } from './complaint-table.ts';
import type { ServiceConfig } from './config-schema.ts';
import { dayKeyIn } from './day-key.ts';
import { dropKpiIndexes, kpiIndexes } from './kpi-counters.ts';

// The residents' complaints and their way: received → dispatched (opens or joins a work order for
// the crew of the substation) → on site (the room measured) → resolved → followed up → closed.
// A new complaint from the same home within the repeat window reopens the earlier one; a closure
// with no follow-up that reached the resident, or a cold room and no fix, is flagged. Every change
// is appended to the audit trail in the same transaction as the change itself.


export interface ComplaintsOptions {
  database: Database.Database;
  addressBook: AddressBook;
  workOrders: WorkOrders;
  audit: AuditTrail;
  config: Pick<ServiceConfig, 'time_limits_h' | 'repeat_window_days' | 'display_zone'>;
  /** The alarm whose open order at a substation a cold or unheated home joins (alarms.cold_home_alarm). */
  coldHomeAlarm?: string;
  now?: () => number;
  /** Called after the transaction for every complaint created by a resident (the MQTT publisher). */
  onCreated?: (complaint: Complaint) => void;
  /** Called before every list (the proactive complaints catch up with the engine's orders). */
  beforeRead?: () => void;
  logger: Logger;
}

/** The columns a complaint is created with; the flow fills the others. */
type NewRow = Pick<
  ComplaintRow,
  | 'channel' | 'ticket' | 'received_at' | 'day' | 'community' | 'building' | 'unit' | 'room' | 'substation' | 'loop' | 'area' | 'phone'
  | 'category' | 'words' | 'state' | 'due_at' | 'work_order_id' | 'crew' | 'dispatched_at' | 'response_ms' | 'repeat_of'
>;

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
/** Older than the complaint at (@beforeAt, @beforeId) in the list's order: the next page. */
const BEFORE = '(received_at < @beforeAt OR (received_at = @beforeAt AND id < @beforeId))';
/** A search of words alone walks this many of the newest along the time index, then reads the table in its own order. */
const RECENT_WORDS_ROWS = 5000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Categories a cold-homes order from telemetry already covers. */
const COLD: ReadonlySet<Category> = new Set(['cold_home', 'no_heat']);
/** A leak floods a stairwell; no heat empties a home: those go first. */
const PRIORITY: Record<Category, Priority> = {
  leak: 'high',
  no_heat: 'high',
  cold_home: 'medium',
  air_lock: 'medium',
  noise: 'low',
  stop_restart: 'low',
  billing: 'low',
  other: 'low',
};
/** States whose work is done: a repeat from the home sends them back to received. */
const DONE: ReadonlySet<ComplaintState> = new Set(['resolved', 'followed_up', 'closed']);
/** The audit's source of every change the service makes. */
const SOURCE = 'service';

/** The audit's words for a complaint created by hand. */
const creation = (c: Complaint): string => `${c.channel}${c.ticket === null ? '' : ` ${c.ticket}`}, ${c.category} at ${c.substation}${c.repeatOf === null ? '' : `, repeat of ${c.repeatOf}`}`;

/** The path of an input's field in an error: of the batch's `index`th input, or of the one input. */
const fieldOf = (index: number | undefined, field: string): string => (index === undefined ? field : `inputs[${index}].${field}`);

/** A home as one string, for a set of them (a NUL in a field could make two homes one: a lookup more, never one less). */
const homeKey = (community: string, building: string, room: string, unit: string): string => `${community}\u0000${building}\u0000${room}\u0000${unit}`;

const likeArg = (q: string): string => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class Complaints {
  private readonly db: Database.Database;
  /** The flow's statements, compiled once each (a season's flow runs a million). */
  private readonly sql: (sql: string) => Database.Statement;
  private readonly now: () => number;
  private readonly dayOf: (ms: number) => string;
  private readonly coldHomeAlarm: string;
  /** The area of each substation, asked once: the configured areas do not change while the role runs. */
  private readonly areas = new Map<string, string | null>();
  private readonly insertStmt: Database.Statement;
  private readonly byIdStmt: Database.Statement;
  private readonly byTicketStmt: Database.Statement;
  private readonly earlierStmt: Database.Statement;
  private readonly spanCountStmt: Database.Statement;
  private readonly spanHomesStmt: Database.Statement;
  /** The newest id: at least the table's rows (none are deleted). */
  private readonly lastIdStmt: Database.Statement;
  private readonly recentCutStmt: Database.Statement;
  /** The repeat window, ms. */
  private readonly window: number;
  private readonly reopenOpenStmt: Database.Statement;
  private readonly reopenDoneStmt: Database.Statement;

  constructor(private readonly options: ComplaintsOptions) {
    this.db = options.database;
    this.sql = preparedOnce(this.db);
    this.now = options.now ?? Date.now;
    this.dayOf = dayKeyIn(options.config.display_zone);
    this.coldHomeAlarm = options.coldHomeAlarm ?? 'cold_homes';
    createComplaintTable(this.db);
    this.insertStmt = this.db.prepare(
      `INSERT INTO complaints (channel, ticket, received_at, day, community, building, unit, room, substation, loop, area, phone,
         category, words, state, due_at, work_order_id, crew, dispatched_at, response_ms, repeat_of)
       VALUES (${Array(21).fill('?').join(', ')}) ON CONFLICT (channel, ticket) DO NOTHING`,
    );
    this.byIdStmt = this.db.prepare('SELECT * FROM complaints WHERE id = ?');
    this.byTicketStmt = this.db.prepare('SELECT id FROM complaints WHERE channel = ? AND ticket = ?');
    this.earlierStmt = this.db.prepare(
      `SELECT id, state FROM complaints WHERE community = ? AND building = ? AND room = ? AND unit = ?
         AND received_at BETWEEN ? AND ? AND channel <> 'proactive' ORDER BY received_at DESC, id DESC LIMIT 1`,
    );
    this.recentCutStmt = this.db
      .prepare(`SELECT received_at FROM complaints WHERE ${BEFORE} ORDER BY received_at DESC, id DESC LIMIT 1 OFFSET @skip`)
      .pluck();
    this.lastIdStmt = this.db.prepare('SELECT MAX(id) FROM complaints').pluck();
    this.spanCountStmt = this.db.prepare('SELECT COUNT(*) FROM complaints WHERE received_at BETWEEN ? AND ?').pluck();
    this.spanHomesStmt = this.db.prepare("SELECT DISTINCT community, building, room, unit FROM complaints WHERE received_at BETWEEN ? AND ? AND channel <> 'proactive'").raw();
    this.window = options.config.repeat_window_days * DAY_MS;
    this.reopenOpenStmt = this.db.prepare('UPDATE complaints SET reopened = reopened + 1 WHERE id = ?');
    this.reopenDoneStmt = this.db.prepare(
      `UPDATE complaints SET reopened = reopened + 1, state = 'received', resolved_at = NULL, closed_at = NULL, false_closure = NULL,
         follow_up_at = NULL, follow_up_reached = NULL, follow_up_satisfied = NULL, follow_up_words = NULL, follow_up_actor = NULL
       WHERE id = ?`,
    );
  }

  /** One complaint (audited). A repeat from the home within the window reopens the earlier one. */
  create(input: ComplaintInput, actor: string): Complaint {
    const id = this.db.transaction(() => {
      const created = this.insert(input, actor, input.receivedAt ?? this.now());
      if (created !== undefined) this.audit(created, actor, null, 'received', creation(this.get(created)));
      return created;
    })();
    if (id === undefined) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `${input.channel} ticket ${input.ticket} is already recorded`, 'ticket');
    const complaint = this.get(id);
    this.options.onCreated?.(complaint);
    return complaint;
  }

  /**
   * Many complaints in one transaction, all or nothing (an import): in order of receipt, so that
   * repeats within the batch are found; a (channel, ticket) already recorded is skipped and counted.
   * The import is one act of one person: one audit record names the ids it created (consecutive),
   * and every earlier complaint a repeat reopened has its own.
   */
  createMany(inputs: readonly ComplaintInput[], actor: string): { created: number; duplicates: number; ids: number[] } {
    const order = inputs.map((input, i) => ({ input, i, at: input.receivedAt ?? this.now() })).sort((a, b) => a.at - b.at || a.i - b.i);
    const ids = this.db.transaction(() => {
      const homes = order.length === 0 ? undefined : this.homesInSpan(order[0].at - this.window, order[order.length - 1].at, order.length);
      // A batch twice the table or more (a season's history, a first import) builds the KPI indexes
      // after its rows: one sort each, a third of the cost of keeping them row by row.
      const rebuild = order.length > 0 && order.length >= 2 * ((this.lastIdStmt.get() as number | null) ?? 0);
      if (rebuild) this.db.exec(dropKpiIndexes());
      const created: number[] = [];
      for (const { input, i, at } of order) {
        const id = this.insert(input, actor, at, { index: i, homes });
        if (id !== undefined) created.push(id);
      }
      if (rebuild) this.db.exec(kpiIndexes());
      if (created.length > 0) {
        const [first, last] = [created[0], created[created.length - 1]];
        const channels = [...new Set(inputs.map((input) => input.channel))].join(', ');
        this.audit(`${first}-${last}`, actor, null, 'received', `${created.length} complaints created (${channels}), ids ${first}–${last}; ${inputs.length - created.length} duplicates skipped`);
      }
      return created;
    })();
    if (this.options.onCreated) for (const id of ids) this.options.onCreated(this.get(id));
    this.options.logger.info({ code: 'HS_SERVICE_IMPORTED', created: ids.length, duplicates: inputs.length - ids.length, actor }, 'complaints created');
    return { created: ids.length, duplicates: inputs.length - ids.length, ids };
  }

  get(id: number): Complaint {
    const row = this.byIdStmt.get(id) as ComplaintRow | undefined;
    if (!row) throw new HeatScadaError('HS_ERR_NOT_FOUND', `no complaint ${id}`, 'id');
    return fromRow(row);
  }

  /** Newest first by receipt, then by id. */
  list(filter: ComplaintFilter = {}): Complaint[] {
    this.options.beforeRead?.();
    const where: string[] = [];
    const limit = Math.min(Math.max(1, filter.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
    const args: Record<string, string | number> = {};
    const equal = (column: string, value: string | undefined): void => {
      if (value === undefined) return;
      where.push(`${column} = @${column}`);
      args[column] = value;
    };
    equal('state', filter.state);
    equal('channel', filter.channel);
    equal('substation', filter.substation);
    equal('community', filter.community);
    equal('crew', filter.crew);
    if (filter.q !== undefined && filter.q.trim() !== '') {
      where.push("(ticket LIKE @q ESCAPE '\\' OR community LIKE @q ESCAPE '\\' OR building LIKE @q ESCAPE '\\' OR words LIKE @q ESCAPE '\\')");
      args.q = likeArg(filter.q.trim());
    }
    if (filter.before !== undefined) {
      const cursor = this.byIdStmt.get(filter.before) as ComplaintRow | undefined;
      if (!cursor) throw new HeatScadaError('HS_ERR_NOT_FOUND', `no complaint ${filter.before}`, 'before');
      where.push(BEFORE);
      args.beforeAt = cursor.received_at;
      args.beforeId = cursor.id;
    }
    const page = (also: string[], from = 'complaints', rows = limit): ComplaintRow[] => {
      const all = [...where, ...also];
      return this.sql(`SELECT * FROM ${from} ${all.length ? `WHERE ${all.join(' AND ')}` : ''} ORDER BY received_at DESC, id DESC LIMIT @limit`).all({ ...args, limit: rows }) as ComplaintRow[];
    };
    const wordsAlone = args.q !== undefined && [filter.state, filter.channel, filter.substation, filter.community, filter.crew].every((v) => v === undefined);
    const cut = wordsAlone ? (this.recentCutStmt.get({ beforeAt: Number.MAX_SAFE_INTEGER, beforeId: 0, ...args, skip: RECENT_WORDS_ROWS }) as number | undefined) : undefined;
    if (cut === undefined) return page([]).map(fromRow);
    // Words alone: newest first along the time index finds a common word in the first rows; a rare
    // one (an old ticket number) would walk them all, looking each row up. Past the newest rows the
    // table is read in its own order instead, and only the matches are sorted.
    args.cut = cut;
    const recent = page(['received_at >= @cut']);
    const older = recent.length < limit ? page(['received_at < @cut'], 'complaints NOT INDEXED', limit - recent.length) : [];
    return [...recent, ...older].map(fromRow);
  }

  /** Opens a work order for the crew of the substation, or joins the open one (a cold home joins a cold-homes order). */
  dispatch(id: number, actor: string, note = ''): Complaint {
    return this.step(id, ['received'], 'dispatched', actor, (c, now) => {
      const { order, reached } = this.orderFor(c, actor, note);
      this.sql(
        `UPDATE complaints SET state = 'dispatched', work_order_id = ?, crew = ?, dispatched_at = COALESCE(dispatched_at, @now), response_ms = COALESCE(response_ms, @now - received_at),
           reached_by_order = MAX(reached_by_order, ?) WHERE id = ?`,
      ).run(order.id, order.crew, reached ? 1 : 0, id, { now });
      return `work order ${order.id}${order.crew === null ? '' : `, crew ${order.crew}`}${reached ? ', already open before the complaint' : ''}${note ? `: ${note}` : ''}`;
    });
  }

  /** The crew at the home records the room temperature, when and with what (室温检测). */
  onSite(id: number, measurement: Omit<RoomMeasurement, 'at'> & { at?: number }, actor: string): Complaint {
    if (!Number.isFinite(measurement.tempC) || measurement.tempC < -40 || measurement.tempC > 60) {
      throw new HeatScadaError('HS_ERR_BAD_REQUEST', `not a room temperature: ${measurement.tempC}`, 'tempC');
    }
    if (measurement.instrument.trim() === '') throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'name the instrument and its serial', 'instrument');
    return this.step(id, ['dispatched', 'on_site'], 'on_site', actor, (c, now) => {
      const at = measurement.at ?? now;
      this.sql('UPDATE complaints SET state = ?, on_site_at = COALESCE(on_site_at, ?), temp_c = ?, measured_at = ?, instrument = ? WHERE id = ?')
        .run('on_site', now, measurement.tempC, at, measurement.instrument.trim(), id);
      this.advanceOrder(c.workOrderId, 'on_site', actor);
      return `${measurement.tempC} °C at ${new Date(at).toISOString()} with ${measurement.instrument.trim()}`;
    });
  }

  /** Done at the home: the fix the crew made, or null when nothing needed fixing (a billing question, a room found warm). */
  resolve(id: number, outcome: { fix: string | null; note?: string }, actor: string): Complaint {
    const fix = outcome.fix === null || outcome.fix.trim() === '' ? null : outcome.fix.trim();
    return this.step(id, ['dispatched', 'on_site'], 'resolved', actor, (c, now) => {
      this.sql('UPDATE complaints SET state = ?, fix = ?, resolved_at = ? WHERE id = ?').run('resolved', fix, now, id);
      this.resolveOrderIfLast(c, actor);
      return `${fix === null ? 'no fix' : `fix: ${fix}`}${outcome.note ? `; ${outcome.note}` : ''}`;
    });
  }

  /** The call back to the resident (回访); a later call that reaches them replaces one that did not. */
  followUp(id: number, call: Omit<FollowUp, 'actor'>, actor: string): Complaint {
    if (call.reached && typeof call.satisfied !== 'boolean') throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'a resident reached is satisfied or not', 'satisfied');
    if (!call.reached && call.satisfied !== null) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'a resident not reached gave no answer: satisfied must be null', 'satisfied');
    return this.step(id, ['resolved', 'followed_up'], 'followed_up', actor, () => {
      this.sql('UPDATE complaints SET state = ?, follow_up_at = ?, follow_up_reached = ?, follow_up_satisfied = ?, follow_up_words = ?, follow_up_actor = ? WHERE id = ?')
        .run('followed_up', call.at, call.reached ? 1 : 0, call.satisfied === null ? null : call.satisfied ? 1 : 0, call.words, actor, id);
      return `${call.reached ? `reached, ${call.satisfied ? 'satisfied' : 'not satisfied'}` : 'not reached'}${call.words ? `: ${call.words}` : ''}`;
    });
  }

  /** Closed; flagged when no follow-up reached the resident, or a room below 18 °C has no fix. */
  close(id: number, actor: string): Complaint {
    return this.step(id, ['resolved', 'followed_up'], 'closed', actor, (c, now) => {
      const risks = falseClosureRisks(c);
      this.sql('UPDATE complaints SET state = ?, closed_at = ?, false_closure = ? WHERE id = ?').run('closed', now, risks.length === 0 ? null : risks.join(','), id);
      return risks.length === 0 ? 'closed' : `closed at risk of a false closure: ${risks.join(', ')}`;
    });
  }

  /** The proactive complaint of a cold-homes order from telemetry (proactive.ts), audited as the others. */
  recordProactive(order: WorkOrder, actor: string): Complaint | undefined {
    const id = this.db.transaction(() => {
      if (this.byTicketStmt.get('proactive', `WO-${order.id}`)) return undefined;
      const buildings = this.options.addressBook.atSubstation(order.substation);
      const info = this.insertRow({
        channel: 'proactive',
        ticket: `WO-${order.id}`,
        received_at: order.openedAt,
        day: this.dayOf(order.openedAt),
        community: buildings[0]?.community ?? '',
        building: '',
        unit: '',
        room: '',
        substation: order.substation,
        loop: null,
        area: order.area,
        phone: '',
        category: 'cold_home',
        words: `${order.alarm} #${order.alarmId ?? '-'}`,
        state: 'dispatched',
        due_at: order.openedAt + this.options.config.time_limits_h.cold_home * HOUR_MS,
        work_order_id: order.id,
        crew: order.crew,
        dispatched_at: order.openedAt,
        response_ms: 0,
        repeat_of: null,
      });
      const newId = Number(info.lastInsertRowid);
      this.audit(newId, actor, null, 'dispatched', `proactive: ${order.alarm} work order ${order.id} at ${order.substation}`);
      return newId;
    })();
    return id === undefined ? undefined : this.get(id);
  }

  /** A proactive complaint follows its order: on site and resolved when the crew reports them there. */
  followOrder(id: number, order: WorkOrder, actor: string): void {
    const c = this.get(id);
    if (order.onSiteAt !== null && c.state === 'dispatched') {
      this.step(id, ['dispatched'], 'on_site', actor, () => {
        this.sql('UPDATE complaints SET state = ?, on_site_at = ? WHERE id = ?').run('on_site', order.onSiteAt, id);
        return `work order ${order.id} on site`;
      });
    }
    if (order.resolvedAt !== null && (c.state === 'dispatched' || c.state === 'on_site')) {
      this.step(id, ['dispatched', 'on_site'], 'resolved', actor, () => {
        this.sql('UPDATE complaints SET state = ?, resolved_at = ? WHERE id = ?').run('resolved', order.resolvedAt, id);
        return `work order ${order.id} resolved`;
      });
    }
  }

  /**
   * The homes that may have an earlier complaint for some of a batch's inputs: those with one
   * recorded from the first input's receipt less the repeat window to the last's. Read only when
   * those are fewer than the batch (a season imported at once, a first import): then reading them
   * is cheaper than looking up every input's home, most of which have none. Undefined: look up
   * every one.
   */
  private homesInSpan(from: number, to: number, batch: number): Set<string> | undefined {
    if ((this.spanCountStmt.get(from, to) as number) > batch) return undefined;
    return new Set((this.spanHomesStmt.all(from, to) as string[][]).map(([community, building, room, unit]) => homeKey(community, building, room, unit)));
  }

  /**
   * Inserts one received at `receivedAt` (inside the caller's transaction), for the caller to audit: its
   * id, undefined when its (channel, ticket) is recorded. In a batch, `index` is its place (for
   * the error's path) and `homes` those that may have an earlier complaint (homesInSpan), the
   * batch's own added as they come.
   */
  private insert(input: ComplaintInput, actor: string, receivedAt: number, batch?: { index: number; homes?: Set<string> }): number | undefined {
    const index = batch?.index;
    if (!(CHANNELS as readonly string[]).includes(input.channel)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `no channel ${input.channel}`, fieldOf(index, 'channel'));
    const ticket = input.ticket === undefined || input.ticket === null || input.ticket.trim() === '' ? null : input.ticket.trim();
    const address = { community: input.address.community.trim(), building: input.address.building.trim(), unit: input.address.unit.trim(), room: input.address.room.trim() };
    const building = this.options.addressBook.find(address.community, address.building);
    if (!building) {
      // A ticket already recorded is a duplicate whatever its address: skipped, not refused.
      if (ticket !== null && this.byTicketStmt.get(input.channel, ticket)) return undefined;
      const known = this.options.addressBook.search(address.community, 1).length > 0;
      throw new HeatScadaError('HS_ERR_SERVICE_ADDRESS', `no building ${address.building} in ${address.community}`, fieldOf(index, `address.${known ? 'building' : 'community'}`));
    }
    const home = batch?.homes && homeKey(address.community, address.building, address.room, address.unit);
    const earlier =
      home === undefined || batch?.homes?.has(home)
        ? (this.earlierStmt.get(address.community, address.building, address.room, address.unit, receivedAt - this.window, receivedAt) as { id: number; state: ComplaintState } | undefined)
        : undefined;
    const info = this.insertRow({
      channel: input.channel,
      ticket,
      received_at: receivedAt,
      day: this.dayOf(receivedAt),
      ...address,
      substation: building.substation,
      loop: building.loop ?? null,
      area: this.areaOf(building.substation),
      phone: input.phone.trim(),
      category: input.category,
      words: input.words,
      state: 'received',
      due_at: receivedAt + this.options.config.time_limits_h[input.category] * HOUR_MS,
      work_order_id: null,
      crew: null,
      dispatched_at: null,
      response_ms: null,
      repeat_of: earlier?.id ?? null,
    });
    // (channel, ticket) is unique: the insert itself finds a ticket already recorded, and writes nothing.
    if (info.changes === 0) return undefined;
    const id = Number(info.lastInsertRowid);
    if (home !== undefined) batch?.homes?.add(home);
    if (earlier) this.reopen(earlier.id, earlier.state, id, actor);
    return id;
  }

  /** Binds by position: better-sqlite3 binds 21 named parameters several times slower (a second of a season's import). */
  private insertRow(r: NewRow): Database.RunResult {
    return this.insertStmt.run(
      r.channel, r.ticket, r.received_at, r.day, r.community, r.building, r.unit, r.room, r.substation, r.loop, r.area, r.phone,
      r.category, r.words, r.state, r.due_at, r.work_order_id, r.crew, r.dispatched_at, r.response_ms, r.repeat_of,
    );
  }

  private areaOf(substation: string): string | null {
    let area = this.areas.get(substation);
    if (area === undefined) this.areas.set(substation, (area = this.options.workOrders.areaOf(substation)));
    return area;
  }

  /** The earlier complaint counts one more reopening, and its done work is undone: the home is not warm yet. */
  private reopen(id: number, state: ComplaintState, by: number, actor: string): void {
    const done = DONE.has(state);
    (done ? this.reopenDoneStmt : this.reopenOpenStmt).run(id);
    this.audit(id, actor, state, done ? 'received' : state, `reopened by repeat complaint ${by}`);
  }

  /** One step of the flow in one transaction with its audit record; a wrong order of steps is refused as `from → to`. */
  private step(id: number, from: readonly ComplaintState[], to: ComplaintState, actor: string, apply: (c: Complaint, now: number) => string): Complaint {
    this.db.transaction(() => {
      const c = this.get(id);
      if (!from.includes(c.state)) throw new HeatScadaError('HS_ERR_SERVICE_STATE', `${c.state} → ${to}`, 'state');
      const now = this.now();
      const detail = apply(c, now);
      this.audit(id, actor, c.state, to, detail);
    })();
    this.options.logger.info({ code: 'HS_SERVICE_COMPLAINT_STATE', complaint: id, to, actor }, 'complaint moved');
    return this.get(id);
  }

  /** The order a dispatch joins or opens, and whether an order had reached the home before the complaint came. */
  private orderFor(c: Complaint, actor: string, note: string): { order: WorkOrder; reached: boolean } {
    const workOrders = this.options.workOrders;
    if (c.workOrderId !== null) {
      const own = workOrders.get(c.workOrderId);
      if (own.state !== 'resolved') return { order: own, reached: false };
    }
    const cold = COLD.has(c.category) ? workOrders.openAt(c.substation, this.coldHomeAlarm) : undefined;
    if (cold) {
      workOrders.addNote(cold.id, actor, `complaint ${c.id} (${c.category}) joined${note ? `: ${note}` : ''}`);
      return { order: cold, reached: cold.openedAt <= c.receivedAt };
    }
    const { order, opened } = workOrders.openWithoutAlarm({ alarm: `complaint.${c.category}`, substation: c.substation, priority: PRIORITY[c.category] }, actor, `complaint ${c.id}${note ? `: ${note}` : ''}`);
    if (opened) {
      this.options.audit.append({ ts: this.now(), actor, source: SOURCE, action: 'work_order.change', target: `work_order:${order.id}`, oldValue: null, newValue: order.state, outcome: 'ok', detail: `opened for complaint ${c.id} (${c.category}) at ${c.substation}` });
    } else {
      workOrders.addNote(order.id, actor, `complaint ${c.id} joined${note ? `: ${note}` : ''}`);
    }
    return { order, reached: false };
  }

  /** The crew's arrival at the home is the order's too, unless the order is further on. */
  private advanceOrder(orderId: number | null, to: 'on_site' | 'resolved', actor: string): void {
    if (orderId === null) return;
    const order = this.options.workOrders.get(orderId);
    const rank = { assigned: 0, en_route: 1, on_site: 2, resolved: 3 } as const;
    if (rank[order.state] >= rank[to]) return;
    this.options.workOrders.advance(orderId, to, actor);
    this.options.audit.append({ ts: this.now(), actor, source: SOURCE, action: 'work_order.change', target: `work_order:${orderId}`, oldValue: order.state, newValue: to, outcome: 'ok', detail: 'with its complaint' });
  }

  /** An order opened for complaints is resolved with the last of them; an alarm's order is the engine's and the crew's to resolve. */
  private resolveOrderIfLast(c: Complaint, actor: string): void {
    if (c.workOrderId === null) return;
    const order = this.options.workOrders.get(c.workOrderId);
    if (order.alarmId !== null || !order.alarm.startsWith('complaint.')) return;
    const others = this.sql("SELECT COUNT(*) AS n FROM complaints WHERE work_order_id = ? AND id <> ? AND state IN ('received', 'dispatched', 'on_site')")
      .get(c.workOrderId, c.id) as { n: number };
    if (others.n === 0) this.advanceOrder(c.workOrderId, 'resolved', actor);
  }

  private audit(id: number | string, actor: string, from: ComplaintState | null, to: ComplaintState, detail: string): void {
    this.options.audit.append({ ts: this.now(), actor, source: SOURCE, action: 'complaint.change', target: `complaint:${id}`, oldValue: from, newValue: to, outcome: 'ok', detail });
  }
}
