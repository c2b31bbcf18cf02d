import type Database from 'better-sqlite3';
import type { BuildingEntry, KpiGrouping, ServiceKpi } from '../model/service.ts';
import type { AddressBook } from './address-book.ts';
import { kpiIndex, RESIDENTS, type KpiGroupColumn } from './complaint-table.ts';
import type { ServiceConfig } from './config-schema.ts';

// The regulators' figures (model/service.ts ServiceKpi has each definition), computed in SQL over
// the covering indexes of complaint-table.ts: one GROUP BY for the counts, read in index order,
// and the median first response of each group as one step along its index (OFFSET to the middle),
// however many complaints. Proactive complaints are our own orders, not residents' complaints:
// they count in none of the figures (their effect shows as reachedByOrder). The denominators per
// 10,000 m² and per 1,000 households are the group's buildings in the address book.

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

interface Counts {
  complaints: number;
  dispatched: number;
  in_limit: number;
  limit_base: number;
  closed: number;
  satisfied: number;
  reached: number;
  resolved: number;
  repeats: number;
  false_closures: number;
  reached_by_order: number;
}
type CountRow = Counts & { key: string | null };
type Base = { areaM2: number; households: number };

// TOTAL, not SUM: a column all NULL in a group (nobody followed up yet) counts 0, not NULL.
const COUNTS = `COUNT(*) AS complaints,
    TOTAL(response_ms IS NOT NULL) AS dispatched,
    TOTAL(resolved_at IS NOT NULL AND resolved_at <= due_at) AS in_limit,
    TOTAL(resolved_at IS NOT NULL OR due_at < @now) AS limit_base,
    TOTAL(closed_at IS NOT NULL) AS closed,
    TOTAL(follow_up_reached = 1 AND follow_up_satisfied = 1) AS satisfied,
    TOTAL(follow_up_reached = 1) AS reached,
    TOTAL(resolved_at IS NOT NULL) AS resolved,
    TOTAL(repeat_of IS NOT NULL) AS repeats,
    TOTAL(false_closure IS NOT NULL) AS false_closures,
    TOTAL(reached_by_order) AS reached_by_order`;
const SCOPE = `${RESIDENTS} AND received_at >= @from AND received_at < @to`;

// SUM over no rows is NULL in SQLite: a missing numerator counts as none, a missing base as no rate.
const rate = (n: number | null, d: number | null): number | null => (!d ? null : (n ?? 0) / d);

/** A heating season without one configured: July to June, the season of northern China (October to April) in the middle. */
const derivedSeason = (day: string): string => {
  const year = Number(day.slice(0, 4));
  return day.slice(5, 7) >= '07' ? `${year}-${year + 1}` : `${year - 1}-${year}`;
};

export class ServiceKpis {
  private readonly groupCounts: Record<KpiGroupColumn, Database.Statement>;
  private readonly groupMedians: Record<KpiGroupColumn, Database.Statement>;
  private readonly companyCounts: Database.Statement;
  private readonly seasonMedian: Database.Statement;
  private readonly denominators = new Map<KpiGrouping, Map<string, Base>>();

  constructor(
    db: Database.Database,
    private readonly ctx: KpiContext,
  ) {
    const per = (sql: (g: KpiGroupColumn) => string) =>
      Object.fromEntries((['area', 'crew', 'community', 'day'] as const).map((g) => [g, db.prepare(sql(g))])) as Record<KpiGroupColumn, Database.Statement>;
    this.groupCounts = per((g) => `SELECT ${g} AS key, ${COUNTS} FROM complaints INDEXED BY ${kpiIndex(g)} WHERE ${SCOPE} GROUP BY ${g}`);
    this.groupMedians = per(
      (g) => `SELECT response_ms AS d FROM complaints INDEXED BY ${kpiIndex(g)} WHERE ${SCOPE} AND ${g} IS @key AND response_ms IS NOT NULL ORDER BY response_ms LIMIT @take OFFSET @skip`,
    );
    this.companyCounts = db.prepare(`SELECT ${COUNTS} FROM complaints INDEXED BY ${kpiIndex('company')} WHERE ${SCOPE}`);
    this.seasonMedian = db.prepare(
      `SELECT response_ms AS d FROM complaints INDEXED BY ${kpiIndex('company')} WHERE ${SCOPE} AND response_ms IS NOT NULL
         AND day BETWEEN @firstDay AND @lastDay AND NOT (day BETWEEN @exceptFirst AND @exceptLast) ORDER BY response_ms LIMIT @take OFFSET @skip`,
    );
  }

  compute(q: KpiQuery): ServiceKpi[] {
    const range = { from: q.from ?? Number.MIN_SAFE_INTEGER, to: q.to ?? Number.MAX_SAFE_INTEGER, now: this.ctx.now() };
    switch (q.by) {
      case 'company': {
        const counts = this.companyCounts.get(range) as Counts;
        if (counts.complaints === 0) return [];
        const median = this.median(this.seasonMedian, { ...range, ...this.seasonDays(null) }, counts.dispatched);
        return [this.row(this.ctx.config.company, counts, median, q.by)];
      }
      case 'season':
        return this.seasons(range);
      default: {
        const g = q.by;
        return (this.groupCounts[g].all(range) as CountRow[]).map((r) => this.row(r.key ?? NO_GROUP, r, this.median(this.groupMedians[g], { ...range, key: r.key }, r.dispatched), g));
      }
    }
  }

  /** Seasons are folded from the days (a season is a span of days), each with its own median. */
  private seasons(range: { from: number; to: number; now: number }): ServiceKpi[] {
    const configured = this.ctx.config.season;
    const seasonOf = (day: string) => (configured && day >= configured.start && day <= configured.end ? configured.id : derivedSeason(day));
    const sums = new Map<string, Counts>();
    for (const { key, ...counts } of this.groupCounts.day.all(range) as CountRow[]) {
      const season = seasonOf(key ?? '');
      const sum = sums.get(season);
      if (!sum) sums.set(season, { ...counts });
      else for (const k of Object.keys(counts) as (keyof Counts)[]) sum[k] += counts[k];
    }
    return [...sums].map(([season, counts]) => this.row(season, counts, this.median(this.seasonMedian, { ...range, ...this.seasonDays(season) }, counts.dispatched), 'season'));
  }

  /** The days of a season (null: every day), less the configured season's when it is another. */
  private seasonDays(season: string | null): { firstDay: string; lastDay: string; exceptFirst: string; exceptLast: string } {
    const configured = this.ctx.config.season;
    const none = { exceptFirst: '', exceptLast: '' };
    if (season === null) return { firstDay: '', lastDay: '9999', ...none };
    if (configured && season === configured.id) return { firstDay: configured.start, lastDay: configured.end, ...none };
    const [y1, y2] = season.split('-');
    return { firstDay: `${y1}-07-01`, lastDay: `${y2}-06-30`, ...(configured ? { exceptFirst: configured.start, exceptLast: configured.end } : none) };
  }

  /** The middle one of n first responses (the mean of the middle two for an even n), in minutes. */
  private median(stmt: Database.Statement, args: Record<string, unknown>, n: number): number | null {
    if (n === 0) return null;
    const middle = stmt.all({ ...args, take: 2 - (n % 2), skip: (n - 1) >> 1 }) as { d: number }[];
    return middle.reduce((sum, r) => sum + r.d, 0) / middle.length / 60_000;
  }

  private row(key: string, r: Counts, firstResponseMin: number | null, by: KpiGrouping): ServiceKpi {
    const base = this.denominatorsFor(by).get(WHOLE_COMPANY.has(by) ? ALL : key);
    return {
      key,
      complaints: r.complaints,
      firstResponseMin,
      withinLimitRate: rate(r.in_limit, r.limit_base),
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
