import type Database from 'better-sqlite3';
import type { BuildingEntry, KpiGrouping, ServiceKpi } from '../model/service.ts';
import type { AddressBook } from './address-book.ts';
import type { ServiceConfig } from './config-schema.ts';
import { COUNTER_SUMS, KPI_GROUPS, kpiIndex, MEDIAN_RESPONSE, RESIDENTS, type Counter, type KpiGroupColumn } from './kpi-counters.ts';
import { seasonsBetween } from './season-days.ts';

// The regulators' figures (model/service.ts ServiceKpi has each definition), computed in SQL over
// the covering indexes of kpi-counters.ts: one GROUP BY in index order gives every count and the
// median first response of each group, however many complaints. Proactive complaints are our own
// orders, not residents' complaints: they count in none of the figures (their effect shows as
// reachedByOrder). The denominators per 10,000 m² and per 1,000 households are the group's
// buildings in the address book.

export interface KpiQuery {
  by: KpiGrouping;
  /** Received at or after, ms UTC. */
  from?: number;
  /** Received before, ms UTC. */
  to?: number;
}

export interface KpiContext {
  addressBook: AddressBook;
  config: Pick<ServiceConfig, 'company' | 'season'>;
  areaOf: (substation: string) => string | null;
  crewFor: (substation: string) => string | null;
  now: () => number;
}

/** The key of a complaint without a group (no area configured, not dispatched yet). */
export const NO_GROUP = '-';

type Counts = Record<Counter | 'complaints' | 'past_due', number>;
type CountRow = Counts & { key: string | null; response_ms: number | null };
type Base = { areaM2: number; households: number };
type Range = { from: number; to: number; now: number };

/** Residents' complaints in the period; a query of every period leaves the bounds out (a tenth of its time). */
const scope = (bounded: boolean): string => (bounded ? `${RESIDENTS} AND received_at >= @from AND received_at < @to` : RESIDENTS);

/** A share, null when its base is 0. */
const rate = (n: number, d: number): number | null => (d === 0 ? null : n / d);

/** The same statement for a period and for every period. */
type Scoped = Record<'bounded' | 'all', Database.Statement>;

export class ServiceKpis {
  private readonly groups: Record<KpiGroupColumn, Scoped>;
  /** The company's: all its complaints in the period, off the days' index. */
  private readonly company: Scoped;
  /** One season's: the complaints of its days (one or two spans), off the days' index too. */
  private readonly season: Scoped;
  /** The first and last day recorded: the seasons to ask for. */
  private readonly firstDay: Database.Statement;
  private readonly lastDay: Database.Statement;
  private readonly denominators = new Map<KpiGrouping, Map<string, Base>>();

  constructor(
    db: Database.Database,
    private readonly ctx: KpiContext,
  ) {
    const scoped = (sql: (where: string) => string): Scoped => ({ bounded: db.prepare(sql(scope(true))), all: db.prepare(sql(scope(false))) });
    const from = (g: KpiGroupColumn, where: string) => `FROM complaints INDEXED BY ${kpiIndex(g)} WHERE ${where}`;
    this.groups = Object.fromEntries(KPI_GROUPS.map((g) => [g, scoped((where) => `SELECT ${g} AS key, ${COUNTER_SUMS}, ${MEDIAN_RESPONSE} ${from(g, where)} GROUP BY ${g}`)])) as Record<KpiGroupColumn, Scoped>;
    this.company = scoped((where) => `SELECT ${COUNTER_SUMS}, ${MEDIAN_RESPONSE} ${from('day', where)}`);
    // Its days as one span the index seeks, less the gap between two spans (a configured season's days, inside a July–June one).
    this.season = scoped((where) => `SELECT ${COUNTER_SUMS}, ${MEDIAN_RESPONSE} ${from('day', where)} AND day BETWEEN @first AND @last AND NOT (day > @gapAfter AND day < @gapBefore)`);
    this.firstDay = db.prepare(`SELECT day ${from('day', RESIDENTS)} ORDER BY day LIMIT 1`).pluck();
    this.lastDay = db.prepare(`SELECT day ${from('day', RESIDENTS)} ORDER BY day DESC LIMIT 1`).pluck();
  }

  compute(q: KpiQuery): ServiceKpi[] {
    const range = { from: q.from ?? Number.MIN_SAFE_INTEGER, to: q.to ?? Number.MAX_SAFE_INTEGER, now: this.ctx.now() };
    const bounded = q.from !== undefined || q.to !== undefined ? 'bounded' : 'all';
    switch (q.by) {
      case 'company': {
        const counts = this.company[bounded].get(range) as CountRow;
        return counts.complaints === 0 ? [] : [this.row(this.ctx.config.company, counts, q.by)];
      }
      case 'season':
        return this.seasons(this.season[bounded], range);
      default:
        return (this.groups[q.by][bounded].all(range) as CountRow[]).map((r) => this.row(r.key ?? NO_GROUP, r, q.by));
    }
  }

  /** Each season of the days recorded, one query over its own days; those with no complaint in the period left out. */
  private seasons(stmt: Database.Statement, range: Range): ServiceKpi[] {
    const [firstRecorded, lastRecorded] = [this.firstDay.get() as string | undefined, this.lastDay.get() as string | undefined];
    if (firstRecorded === undefined || lastRecorded === undefined) return [];
    return seasonsBetween(firstRecorded, lastRecorded, this.ctx.config.season).flatMap(({ id, spans }) => {
      const [head, tail] = [spans[0], spans[spans.length - 1]];
      // Between two spans, the days of neither; one span has an empty gap at its end.
      const days = { first: head[0], last: tail[1], gapAfter: head[1], gapBefore: spans.length === 1 ? head[1] : tail[0] };
      const counts = stmt.get({ ...range, ...days }) as CountRow;
      return counts.complaints === 0 ? [] : [this.row(id, counts, 'season')];
    });
  }

  /** A group's figures from its counts and median first response. */
  private row(key: string, r: CountRow, by: KpiGrouping): ServiceKpi {
    const base = this.denominatorsFor(by).get(WHOLE_COMPANY.has(by) ? ALL : key);
    return {
      key,
      complaints: r.complaints,
      firstResponseMin: r.response_ms === null ? null : r.response_ms / 60_000,
      // 办理时限's base: those resolved, and those not resolved whose limit has passed.
      withinLimitRate: rate(r.in_limit, r.resolved + r.past_due),
      closureRate: rate(r.closed, r.complaints),
      satisfactionRate: rate(r.satisfied, r.reached),
      effectiveFollowUpRate: rate(r.reached, r.resolved),
      repeatRate: rate(r.repeats, r.complaints),
      per10kM2: base && base.areaM2 > 0 ? r.complaints / (base.areaM2 / 10_000) : null,
      per1kHouseholds: base && base.households > 0 ? r.complaints / (base.households / 1_000) : null,
      falseClosureRisks: r.false_closures,
      reachedByOrder: r.reached_by_order,
    };
  }

  /** Floor area and households of each group's buildings; the address book is fixed while the role runs. */
  private denominatorsFor(by: KpiGrouping): Map<string, Base> {
    let sums = this.denominators.get(by);
    if (!sums) {
      const groupOf = groupOfBuilding(by, this.ctx);
      sums = new Map<string, Base>();
      for (const b of this.ctx.addressBook.entries()) {
        const key = groupOf(b);
        // A building of no area or crew: the '-' group of complaints not placed yet has no denominator.
        if (key === null) continue;
        const sum = sums.get(key) ?? { areaM2: 0, households: 0 };
        sum.areaM2 += b.areaM2;
        sum.households += b.households;
        sums.set(key, sum);
      }
      this.denominators.set(by, sums);
    }
    return sums;
  }
}

/** Every day and season is the whole company's: their denominators are its totals. */
const ALL = '';
const WHOLE_COMPANY: ReadonlySet<KpiGrouping> = new Set(['company', 'day', 'season']);

/** The group a building belongs to (one key for groupings that do not split the company). */
function groupOfBuilding(by: KpiGrouping, ctx: KpiContext): (b: BuildingEntry) => string | null {
  switch (by) {
    case 'area':
      return (b) => ctx.areaOf(b.substation);
    case 'crew':
      return (b) => ctx.crewFor(b.substation);
    case 'community':
      return (b) => b.community;
    default:
      return () => ALL;
  }
}
