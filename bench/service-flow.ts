import type Database from 'better-sqlite3';
import { falseClosureRisks, type Category, type ComplaintState, type FollowUp, type RoomMeasurement } from '../model/service.ts';
import type { ComplaintRow } from '../service/complaint-table.ts';
import type { Complaints } from '../service/complaints.ts';
import type { Random } from '../simulators/network/random.ts';

// The season's flow after the import, for bench/service.ts: what the crews and the hotline do with
// each complaint, planned from a seed so that every run has the same season. Dispatch takes
// minutes by day, an hour or more at night, longer on the peak days; the crew visits the
// heating complaints and measures the room (cold ones mostly below 18 °C), answers billing and
// stop/restart ones by phone; some wait for parts and are resolved days late; a home that calls
// again gets the crew back (the earlier complaint is resolved with the repeat). The hotline calls
// back a day later, once more when nobody answers; most residents reached are satisfied, fewer
// when the work was late, the room cold with no fix, or they had to call again. Most are closed
// after the call, some with nobody reached (a false-closure risk, as are cold rooms with no fix),
// some not yet; a few tickets are never dispatched, and the last days' work is still open when the
// season's figures are taken.
//
// Going through Complaints for 200,000 complaints (a million steps, each a transaction with its
// audit record and its work order) takes minutes and would time the audit log, not the KPIs. So
// the plan is written in bulk: `flowColumns` folds a complaint's steps into the columns exactly as
// the steps of service/complaints.ts write them (the same falseClosureRisks), and the bench drives
// a sample of the plans through Complaints itself and checks (`checkFlow`) that their rows are
// what flowColumns says. Written in bulk, a complaint has no work order (work_order_id stays
// null): no KPI and no list reads one.

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Beijing is UTC+8 all year. */
const BEIJING_MS = 8 * HOUR;

/** A complaint as the import left it: what its plan depends on. */
export interface Received {
  id: number;
  receivedAt: number;
  dueAt: number;
  category: Category;
  substation: string;
  repeatOf: number | null;
}

/** One step of the flow, with the arguments of its Complaints method. */
export type Step =
  | { kind: 'dispatch'; at: number }
  | { kind: 'onSite'; at: number; tempC: number; instrument: string }
  | { kind: 'resolve'; at: number; fix: string | null }
  | { kind: 'followUp'; at: number; reached: boolean; satisfied: boolean | null; words: string }
  | { kind: 'close'; at: number };

export interface Plan {
  id: number;
  receivedAt: number;
  /** The crew of the complaint's substation: whose order a dispatch opens or joins. */
  crew: string | null;
  /** In time order, those up to the end of the run. */
  steps: Step[];
}

/** The state each step leaves a complaint in. */
const STATE_AFTER: Record<Step['kind'], ComplaintState> = { dispatch: 'dispatched', onSite: 'on_site', resolve: 'resolved', followUp: 'followed_up', close: 'closed' };
/** Who takes each step, in the audit trail and the follow-up's actor. */
const ACTOR: Record<Step['kind'], string> = { dispatch: 'hotline', onSite: 'crew', resolve: 'crew', followUp: 'hotline', close: 'hotline' };

/** Complaints the crew goes to see; the others are answered by phone. */
const VISITED: ReadonlySet<Category> = new Set(['no_heat', 'cold_home', 'air_lock', 'leak', 'noise']);
const COLD: ReadonlySet<Category> = new Set(['no_heat', 'cold_home', 'air_lock']);
const FIX: Partial<Record<Category, string>> = { no_heat: '清洗过滤器、调节平衡阀', cold_home: '放气、调节入户阀门', air_lock: '暖气片放气', leak: '更换阀门垫片', noise: '紧固管卡' };
/** Shares of the plan. */
const NEVER_DISPATCHED = 0.003;
const WAITS_FOR_PARTS = 0.06;
const CLOSED_WITHOUT_CALL = 0.01;
const REACHED_FIRST_CALL = 0.85;
const REACHED_SECOND_CALL = 0.6;
const CLOSED_UNREACHED = 0.7;

const gaussian = (rnd: Random): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
/** A duration with its median and spread, as waiting times are: most short, a long tail. */
const lognormal = (rnd: Random, median: number, sigma: number): number => median * Math.exp(sigma * gaussian(rnd));
const round1 = (x: number): number => Math.round(x * 10) / 10;

export interface PlanContext {
  rnd: Random;
  /** The end of the run: steps after it have not happened yet. */
  end: number;
  crewFor: (substation: string) => string | null;
}

/** Every complaint's plan, in id order. */
export function planSeason(received: readonly Received[], ctx: PlanContext): Plan[] {
  // A day's calls against the season's mean: the crews and the hotline fall behind on the peak days.
  const perDay = new Map<number, number>();
  const dayOf = (at: number) => Math.floor((at + BEIJING_MS) / DAY);
  for (const c of received) perDay.set(dayOf(c.receivedAt), (perDay.get(dayOf(c.receivedAt)) ?? 0) + 1);
  const mean = received.length / perDay.size;
  // The first call again from a home: the crew comes back for the earlier complaint then.
  const repeatedAt = new Map<number, number>();
  for (const c of received) if (c.repeatOf !== null && !repeatedAt.has(c.repeatOf)) repeatedAt.set(c.repeatOf, c.receivedAt);
  return received.map((c) => {
    const load = (perDay.get(dayOf(c.receivedAt)) ?? mean) / mean;
    const steps = fate(c, ctx.rnd, load, repeatedAt.get(c.id));
    const done = steps.findIndex((s) => s.at > ctx.end);
    return { id: c.id, receivedAt: c.receivedAt, crew: ctx.crewFor(c.substation), steps: done < 0 ? steps : steps.slice(0, done) };
  });
}

/** One complaint's steps, as they would go with no end to the run. */
function fate(c: Received, rnd: Random, load: number, calledAgainAt: number | undefined): Step[] {
  if (rnd() < NEVER_DISPATCHED) return [];
  const hour = new Date(c.receivedAt + BEIJING_MS).getUTCHours();
  const night = hour >= 22 || hour < 6;
  let at = c.receivedAt + Math.round(lognormal(rnd, (night ? 70 : 18) * (0.6 + 0.4 * load), 0.9) * MIN);
  const steps: Step[] = [{ kind: 'dispatch', at }];
  let tempC: number | null = null;
  if (VISITED.has(c.category)) {
    at += Math.round(lognormal(rnd, 50 * Math.sqrt(load), 0.6) * MIN);
    tempC = round1(Math.min(26, Math.max(10, COLD.has(c.category) ? 17.3 + 1.6 * gaussian(rnd) : 20 + 1.2 * gaussian(rnd))));
    steps.push({ kind: 'onSite', at, tempC, instrument: `TES-1310 #${4700 + (c.id % 40)}` });
  }
  at += Math.round(lognormal(rnd, VISITED.has(c.category) ? 70 : 360, 0.8) * MIN);
  if (rnd() < WAITS_FOR_PARTS) at += Math.round((1 + 2 * rnd()) * DAY);
  if (calledAgainAt !== undefined) at = Math.max(at, calledAgainAt + 3 * HOUR);
  const cold = tempC !== null && tempC < 18;
  const fixed = VISITED.has(c.category) && rnd() < (cold ? 0.95 : c.category === 'leak' || c.category === 'air_lock' ? 0.9 : 0.35);
  const fix = fixed ? (FIX[c.category] ?? null) : null;
  steps.push({ kind: 'resolve', at, fix });
  if (rnd() < CLOSED_WITHOUT_CALL) return [...steps, { kind: 'close', at: at + 2 * HOUR }];

  const unhappy = (at > c.dueAt ? 0.2 : 0) + (cold && fix === null ? 0.35 : 0) + (calledAgainAt !== undefined || c.repeatOf !== null ? 0.15 : 0);
  let reached = false;
  for (let call = 0; call < 2 && !reached; call++) {
    at += Math.round((call === 0 ? lognormal(rnd, 20, 0.5) : 24) * HOUR);
    reached = rnd() < (call === 0 ? REACHED_FIRST_CALL : REACHED_SECOND_CALL);
    const satisfied = reached ? rnd() < 0.93 - unhappy : null;
    steps.push({ kind: 'followUp', at, reached, satisfied, words: satisfied === null ? '无人接听' : satisfied ? '满意' : '还是不太热' });
  }
  if (reached || rnd() < CLOSED_UNREACHED) steps.push({ kind: 'close', at: at + 2 * HOUR });
  return steps;
}

/** The columns the flow writes, named as the table's. */
export type FlowColumns = Pick<
  ComplaintRow,
  | 'state' | 'crew' | 'dispatched_at' | 'response_ms' | 'on_site_at' | 'temp_c' | 'measured_at' | 'instrument' | 'fix' | 'resolved_at'
  | 'follow_up_at' | 'follow_up_reached' | 'follow_up_satisfied' | 'follow_up_words' | 'follow_up_actor' | 'closed_at' | 'false_closure' | 'reached_by_order'
>;
const COLUMNS = [
  'state', 'crew', 'dispatched_at', 'response_ms', 'on_site_at', 'temp_c', 'measured_at', 'instrument', 'fix', 'resolved_at',
  'follow_up_at', 'follow_up_reached', 'follow_up_satisfied', 'follow_up_words', 'follow_up_actor', 'closed_at', 'false_closure', 'reached_by_order',
] as const satisfies readonly (keyof FlowColumns)[];

/** A plan's row, step by step as Complaints writes it (dispatch, onSite, resolve, followUp, close). */
export function flowColumns(plan: Plan): FlowColumns {
  const row: FlowColumns = {
    state: 'received', crew: null, dispatched_at: null, response_ms: null, on_site_at: null, temp_c: null, measured_at: null, instrument: null, fix: null, resolved_at: null,
    follow_up_at: null, follow_up_reached: null, follow_up_satisfied: null, follow_up_words: null, follow_up_actor: null, closed_at: null, false_closure: null,
    // Joined to a cold-homes order opened before the call: the bench runs no alarm engine, so none.
    reached_by_order: 0,
  };
  for (const step of plan.steps) {
    row.state = STATE_AFTER[step.kind];
    switch (step.kind) {
      case 'dispatch':
        // The first dispatch is the first response (COALESCE): a later one does not move it.
        row.crew = plan.crew;
        row.dispatched_at ??= step.at;
        row.response_ms ??= step.at - plan.receivedAt;
        break;
      case 'onSite':
        row.on_site_at ??= step.at;
        [row.temp_c, row.measured_at, row.instrument] = [step.tempC, step.at, step.instrument];
        break;
      case 'resolve':
        [row.fix, row.resolved_at] = [step.fix, step.at];
        break;
      case 'followUp':
        row.follow_up_at = step.at;
        row.follow_up_reached = step.reached ? 1 : 0;
        row.follow_up_satisfied = step.satisfied === null ? null : step.satisfied ? 1 : 0;
        [row.follow_up_words, row.follow_up_actor] = [step.words, ACTOR.followUp];
        break;
      case 'close': {
        const followUp: FollowUp | null = row.follow_up_at === null ? null : { at: row.follow_up_at, reached: row.follow_up_reached === 1, satisfied: row.follow_up_satisfied === 1, words: '', actor: '' };
        const measurement: RoomMeasurement | null = row.temp_c === null || row.measured_at === null ? null : { tempC: row.temp_c, at: row.measured_at, instrument: row.instrument ?? '' };
        const risks = falseClosureRisks({ followUp, measurement, fix: row.fix });
        [row.closed_at, row.false_closure] = [step.at, risks.length === 0 ? null : risks.join(',')];
        break;
      }
    }
  }
  return row;
}

/** The plans' rows in one transaction, `progress` told of every thousandth. */
export function writeFlow(db: Database.Database, plans: readonly Plan[], progress: (done: number) => void): void {
  const update = db.prepare(`UPDATE complaints SET ${COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
  db.transaction(() => {
    plans.forEach((plan, i) => {
      const row = flowColumns(plan);
      update.run(...COLUMNS.map((c) => row[c]), plan.id);
      if (i % 1000 === 0) progress(i);
    });
  })();
}

/** The plans through Complaints itself, every step at its time on `clock` (which the complaints and their work orders read). */
export function driveFlow(complaints: Complaints, clock: { now: number }, plans: readonly Plan[]): void {
  const steps = plans.flatMap((plan) => plan.steps.map((step) => ({ id: plan.id, step }))).sort((a, b) => a.step.at - b.step.at || a.id - b.id);
  for (const { id, step } of steps) {
    clock.now = step.at;
    const actor = ACTOR[step.kind];
    switch (step.kind) {
      case 'dispatch':
        complaints.dispatch(id, actor);
        break;
      case 'onSite':
        complaints.onSite(id, { tempC: step.tempC, instrument: step.instrument }, actor);
        break;
      case 'resolve':
        complaints.resolve(id, { fix: step.fix }, actor);
        break;
      case 'followUp':
        complaints.followUp(id, { at: step.at, reached: step.reached, satisfied: step.satisfied, words: step.words }, actor);
        break;
      case 'close':
        complaints.close(id, actor);
        break;
    }
  }
}

/** Throws unless the rows of `plans` are what flowColumns says: the bulk writer and the code paths agree. */
export function checkFlow(db: Database.Database, plans: readonly Plan[]): void {
  const read = db.prepare(`SELECT ${COLUMNS.join(', ')} FROM complaints WHERE id = ?`);
  const wrong = plans.flatMap((plan) => {
    const [stored, planned] = [read.get(plan.id) as FlowColumns, flowColumns(plan)];
    return COLUMNS.filter((c) => stored[c] !== planned[c]).map((c) => `complaint ${plan.id} ${c}: ${String(stored[c])}, planned ${String(planned[c])}`);
  });
  if (wrong.length > 0) throw new Error(`the flow written in bulk is not what Complaints writes: ${wrong.slice(0, 5).join('; ')}${wrong.length > 5 ? ` (${wrong.length} in all)` : ''}`);
}
