import type Database from 'better-sqlite3';
import type { Category, Channel, Complaint, ComplaintState, FalseClosureRisk } from '../model/service.ts';
import { migrateComponent } from '../store/sqlite/schema.ts';
import { dropKpiIndexes, kpiIndexes } from './kpi-counters.ts';

// The complaints table in the store's SQLite file (beside alarms/ and work orders): one row a
// complaint, the measurement and the follow-up in their own columns so that every KPI is a
// GROUP BY over plain columns. `day` is the display zone's date of receipt (day-key.ts).
// The indexes serve the list's newest-first pages under each filter, the repeat lookup of a home,
// the (channel, ticket) key of imports and the orders a complaint joined; those of columns an
// import leaves empty (crew, work order) are partial, so that an import does not pay for them.
// The KPIs have one index per grouping (kpi-counters.ts). The schema's version is kept in the
// store's `schema_version` as component `complaints`.

export interface ComplaintRow {
  id: number;
  channel: Channel;
  ticket: string | null;
  received_at: number;
  day: string;
  community: string;
  building: string;
  unit: string;
  room: string;
  substation: string;
  loop: string | null;
  area: string | null;
  phone: string;
  category: Category;
  words: string;
  state: ComplaintState;
  due_at: number;
  work_order_id: number | null;
  crew: string | null;
  dispatched_at: number | null;
  on_site_at: number | null;
  temp_c: number | null;
  measured_at: number | null;
  instrument: string | null;
  fix: string | null;
  resolved_at: number | null;
  follow_up_at: number | null;
  follow_up_reached: number | null;
  follow_up_satisfied: number | null;
  follow_up_words: string | null;
  follow_up_actor: string | null;
  closed_at: number | null;
  repeat_of: number | null;
  reopened: number;
  /** Comma-separated FalseClosureRisk, null for none. */
  false_closure: string | null;
  /** dispatched_at − received_at of the first dispatch: the first response, in the KPI indexes. */
  response_ms: number | null;
  reached_by_order: number;
}

/** Each entry migrates from version i to i + 1 (store/sqlite/schema.ts migrateComponent); append, never edit a shipped one. */
const MIGRATIONS: readonly string[] = [
  // As first shipped, before versions were kept: IF NOT EXISTS, for files made then.
  `CREATE TABLE IF NOT EXISTS complaints (
      id INTEGER PRIMARY KEY, channel TEXT NOT NULL, ticket TEXT, received_at INTEGER NOT NULL, day TEXT NOT NULL,
      community TEXT NOT NULL, building TEXT NOT NULL, unit TEXT NOT NULL, room TEXT NOT NULL,
      substation TEXT NOT NULL, loop TEXT, area TEXT, phone TEXT NOT NULL, category TEXT NOT NULL, words TEXT NOT NULL,
      state TEXT NOT NULL, due_at INTEGER NOT NULL, work_order_id INTEGER, crew TEXT,
      dispatched_at INTEGER, on_site_at INTEGER, temp_c REAL, measured_at INTEGER, instrument TEXT, fix TEXT, resolved_at INTEGER,
      follow_up_at INTEGER, follow_up_reached INTEGER, follow_up_satisfied INTEGER, follow_up_words TEXT, follow_up_actor TEXT,
      closed_at INTEGER, repeat_of INTEGER, reopened INTEGER NOT NULL DEFAULT 0, false_closure TEXT,
      reached_by_order INTEGER NOT NULL DEFAULT 0, response_ms INTEGER);
    CREATE UNIQUE INDEX IF NOT EXISTS complaints_ticket ON complaints (channel, ticket);
    CREATE INDEX IF NOT EXISTS complaints_received ON complaints (received_at);
    CREATE INDEX IF NOT EXISTS complaints_home ON complaints (community, building, room, unit, received_at);
    CREATE INDEX IF NOT EXISTS complaints_substation ON complaints (substation, received_at);
    CREATE INDEX IF NOT EXISTS complaints_state ON complaints (state, received_at);
    CREATE INDEX IF NOT EXISTS complaints_crew ON complaints (crew, received_at) WHERE crew IS NOT NULL;
    CREATE INDEX IF NOT EXISTS complaints_channel ON complaints (channel, received_at);
    CREATE INDEX IF NOT EXISTS complaints_order ON complaints (work_order_id) WHERE work_order_id IS NOT NULL;`,
  // The KPI indexes of counter pairs (kpi-counters.ts) for those of every KPI column, and the company's read from the days'.
  `DROP INDEX IF EXISTS complaints_kpi_company;
    ${dropKpiIndexes()}
    ${kpiIndexes()}`,
];

export function createComplaintTable(db: Database.Database): void {
  migrateComponent(db, 'complaints', MIGRATIONS);
}

export function fromRow(r: ComplaintRow): Complaint {
  return {
    id: r.id,
    channel: r.channel,
    ticket: r.ticket,
    receivedAt: r.received_at,
    address: { community: r.community, building: r.building, unit: r.unit, room: r.room },
    substation: r.substation,
    loop: r.loop,
    area: r.area,
    phone: r.phone,
    category: r.category,
    words: r.words,
    state: r.state,
    dueAt: r.due_at,
    workOrderId: r.work_order_id,
    crew: r.crew,
    dispatchedAt: r.dispatched_at,
    onSiteAt: r.on_site_at,
    measurement: r.temp_c === null || r.measured_at === null ? null : { tempC: r.temp_c, at: r.measured_at, instrument: r.instrument ?? '' },
    fix: r.fix,
    resolvedAt: r.resolved_at,
    followUp:
      r.follow_up_at === null
        ? null
        : {
            at: r.follow_up_at,
            reached: r.follow_up_reached === 1,
            satisfied: r.follow_up_satisfied === null ? null : r.follow_up_satisfied === 1,
            words: r.follow_up_words ?? '',
            actor: r.follow_up_actor ?? '',
          },
    closedAt: r.closed_at,
    repeatOf: r.repeat_of,
    reopened: r.reopened,
    falseClosureRisk: r.false_closure === null ? [] : (r.false_closure.split(',') as FalseClosureRisk[]),
  };
}
