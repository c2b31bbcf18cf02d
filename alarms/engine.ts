import type { Logger } from 'pino';
import { HeatScadaError } from '../model/errors.ts';
import type { RoleStatus } from '../model/role-status.ts';
import type { Quality } from '../model/point.ts';
import type { ComplaintEvent } from '../model/service.ts';
import { isTagName, type TagName } from '../model/tags.ts';
import type { AlarmRecord, AlarmStore, JournalEvent } from './alarm-store.ts';
import type { AlarmDefinition, AlarmsConfig, RuleConfig } from './config-schema.ts';
import { FloodDetector } from './flood.ts';
import { createRule } from './rules/index.ts';
import { isSilent, type Cause, type LearnsFrom, type Rule, type Sample } from './rules/rule.ts';
import { acknowledged, isActive, next, type AlarmState } from './states.ts';
import { median, SubstationView, type Value } from './view.ts';

// The alarm engine: views fed by ingest/link/controlState/complaint, rules evaluated on evaluate() at the injected
// clock's time, on/off delays, ISA-18.2 states, shelving, out of service, suppression of
// consequential alarms under their root, and flood grouping. Every state change is written with
// its journal line before listeners hear of it. It does no I/O of its own besides the store, so
// the same code runs from MQTT (alarms.ts) and straight from the plant (bench/alarms.ts).

/** The pseudo-substation of network-wide alarms (heat source, weather). */
export const NETWORK = '_network';
/** Where a `scope: role` alarm stands: `<role>/<instance>`, which no substation id can be (ids are one topic level). */
export const roleKey = (status: Pick<RoleStatus, 'role' | 'instance'>): string => `${status.role}/${status.instance}`;
const isRoleKey = (id: string): boolean => id.includes('/');
/** Silence after this many poll periods: value rules stop judging a substation that says nothing. */
const SILENT_POLLS = 3;
const SYSTEM = 'system';

export interface AlarmChange {
  record: AlarmRecord;
  event: JournalEvent;
  title: { en: string; zh: string };
  /** Whether the operator sees it (not shelved, not out of service). */
  annunciated: boolean;
  /** A flood group this activation opened (its notification stands for the burst). */
  floodOpened: number | null;
  /** On activation: the tag and value that raised it (what a notification tells the crew). */
  cause: Cause | null;
}

export type AlarmListener = (change: AlarmChange) => void;

export interface EngineOptions {
  definitions: AlarmDefinition[];
  config: Pick<AlarmsConfig, 'poll_period_s' | 'groups' | 'overrides' | 'flood'>;
  store: AlarmStore;
  now: () => number;
  logger: Logger;
  /** A hot-standby pair's lease (alarms.ts): false while this engine stands by, when acknowledgements and shelving go to the active one. */
  active?: () => boolean;
  /** The stored past of a substation's tag up to `to`, for the rules that learn (a baseline); none: they learn live only. */
  history?: (substation: string, learnsFrom: LearnsFrom, to: number) => Promise<Sample[]>;
}

interface Debounced {
  rule: Rule;
  config: RuleConfig;
  onMs: number;
  offMs: number;
  raw: boolean | null;
  since: number;
  held: boolean;
}

interface Instance {
  def: AlarmDefinition;
  substation: string;
  rules: Debounced[];
  record: AlarmRecord | undefined;
}

const historyKeepMs = (defs: AlarmDefinition[]): number =>
  Math.max(0, ...defs.flatMap((d) => d.rules.map((r) => (r.kind === 'rate' ? r.window_s * 1000 : 0))));

/** How long complaints are kept: the longest window of any complaint-cluster rule, overrides included. */
function complaintKeepMs(defs: AlarmDefinition[], overrides: EngineOptions['config']['overrides']): number {
  const windows = defs.flatMap((d) => d.rules.flatMap((r) => (r.kind === 'complaint-cluster' ? [r.within_min] : [])));
  for (const o of overrides) if (typeof o.set.within_min === 'number') windows.push(o.set.within_min);
  return Math.max(0, ...windows) * 60_000;
}

const historyTags = (defs: AlarmDefinition[]): Set<TagName> => new Set(defs.flatMap((d) => d.rules.flatMap((r) => (r.kind === 'rate' ? [r.tag] : []))));

const tagsOf = (def: AlarmDefinition): TagName[] => def.rules.flatMap((r): TagName[] => ('tag' in r ? [r.tag, ...(r.kind === 'limit' && r.minus ? [r.minus] : [])] : []));

const AGGREGATES: Record<AlarmDefinition['aggregate'], (values: number[]) => number | undefined> = {
  median,
  min: (v) => (v.length ? Math.min(...v) : undefined),
  max: (v) => (v.length ? Math.max(...v) : undefined),
};

/** The tag and value behind a raised alarm: the first of its rules that holds. */
function causeOf(inst: Instance, view: SubstationView): Cause {
  const d = inst.rules.find((r) => r.held) ?? inst.rules[0];
  const which = { rule: inst.rules.indexOf(d), since: d.since };
  if (d.rule.explain) return { ...d.rule.explain(view), ...which };
  return 'tag' in d.config ? { tag: d.config.tag, value: view.tag(d.config.tag)?.value, ...which } : which;
}

export class AlarmEngine {
  private readonly views = new Map<string, SubstationView>();
  /** One view per network alarm: the reporting substations combined by its aggregate. */
  private readonly networkViews = new Map<AlarmDefinition, SubstationView>();
  /** One view per platform role instance that reported its status (`scope: role` alarms). */
  private readonly roleViews = new Map<string, SubstationView>();
  private readonly instances = new Map<string, Instance[]>();
  private readonly byId = new Map<number, Instance>();
  private readonly listeners = new Set<AlarmListener>();
  private readonly flood: FloodDetector;
  private readonly pollMs: number;
  private readonly keepMs: number;
  private readonly historyTags: Set<TagName>;
  private readonly resumed = new Map<string, AlarmRecord>();
  private readonly complaintKeepMs: number;
  /** Complaints before this were not heard (they are not retained on the broker). */
  private readonly startedAt: number;
  private readonly log: Logger;

  constructor(private readonly options: EngineOptions) {
    const ids = new Set<string>();
    for (const d of options.definitions) {
      if (ids.has(d.id)) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `alarm ${d.id} is defined twice`, `/alarms/${d.id}`);
      for (const root of d.suppressed_by) {
        if (!ids.has(root)) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `${d.id} is suppressed by ${root}, which must be defined above it`, `/alarms/${d.id}/suppressed_by`);
      }
      d.rules.forEach((r, k) => {
        // Complaints land at a substation: a network view has none.
        if (r.kind === 'complaint-cluster' && d.scope === 'network') throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'a complaint-cluster rule needs scope substation', `/alarms/${d.id}/rules/${k}`);
        // A role has a status, no tags; a substation no disk of its own.
        if ((r.kind === 'disk-full') !== (d.scope === 'role')) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'a disk-full rule needs scope role, and scope role takes disk-full rules only', `/alarms/${d.id}/rules/${k}`);
      });
      ids.add(d.id);
    }
    options.config.overrides.forEach((o, k) => {
      const def = options.definitions.find((d) => d.id === o.alarm);
      if (!def || o.rule >= def.rules.length) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `no rule ${o.rule} of alarm ${o.alarm}`, `/alarms/overrides/${k}`);
      if (o.group !== undefined && !(o.group in options.config.groups)) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `no group ${o.group}`, `/alarms/overrides/${k}/group`);
    });
    this.log = options.logger;
    this.pollMs = options.config.poll_period_s * 1000;
    this.keepMs = historyKeepMs(options.definitions);
    this.historyTags = historyTags(options.definitions);
    this.complaintKeepMs = complaintKeepMs(options.definitions, options.config.overrides);
    this.startedAt = options.now();
    for (const def of options.definitions) if (def.scope === 'network') this.networkViews.set(def, new SubstationView(NETWORK, this.historyTags, this.keepMs));
    const { store } = options;
    this.flood = new FloodDetector(
      options.config.flood.count,
      options.config.flood.window_s * 1000,
      (at) => store.openFlood(at),
      (id, size, at) => {
        store.setFlood(id, size, at);
        this.log.info({ code: 'HS_ALARM_FLOOD_END', flood: id, alarms: size }, 'alarm flood ended');
      },
    );
    this.resume();
  }

  /**
   * Takes each alarm's last occurrence from the store, as after a restart: at start, and when a
   * standby takes over from the engine that wrote them. The views (values, history) stay; the
   * rules start anew, a resumed active alarm held until its rule has decided.
   */
  resume(): void {
    this.resumed.clear();
    this.instances.clear();
    this.byId.clear();
    for (const r of this.options.store.lastOccurrences()) this.resumed.set(`${r.substation}/${r.alarm}`, r);
    this.instancesOf(NETWORK);
    for (const id of [...this.views.keys(), ...this.roleViews.keys()]) this.instancesOf(id);
    // A substation that stays silent after a restart sends nothing to create its view: its
    // standing alarms must still be listed, escalated and acknowledgeable.
    for (const r of this.resumed.values()) {
      if (isRoleKey(r.substation)) this.roleViewOf(r.substation);
      else if (r.substation !== NETWORK) this.viewOf(r.substation);
    }
  }

  listen(listener: AlarmListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The engine's clock (simulated time in tests), ms. */
  now(): number {
    return this.options.now();
  }

  get definitions(): readonly AlarmDefinition[] {
    return this.options.definitions;
  }

  /** Values of one substation as they arrive, with their quality and own time when known (tags outside the catalogue are ignored). */
  ingest(substation: string, points: readonly { tag: string; value: Value; quality?: Quality; ts?: number }[]): void {
    const view = this.viewOf(substation);
    const at = this.options.now();
    for (const p of points) if (isTagName(p.tag)) view.set(p.tag, p.value, at, p.quality, p.ts);
  }

  /** A Sparkplug BIRTH (online) or DEATH (offline) of the substation. */
  link(substation: string, online: boolean): void {
    this.viewOf(substation).online = online;
  }

  /** The balancing loop froze (or released) the substation: its stale-data guard. */
  controlState(substation: string, frozen: boolean): void {
    this.viewOf(substation).controlFrozen = frozen;
  }

  /** A resident's complaint (model/service.ts), heard by the complaint-cluster rules of its substation. */
  complaint(event: ComplaintEvent): void {
    this.viewOf(event.substation).complaint(event, this.options.now() - this.complaintKeepMs);
  }

  /** A platform role's status (model/role-status.ts), heard by the `scope: role` alarms. */
  roleStatus(status: RoleStatus): void {
    this.roleViewOf(roleKey(status)).roleStatus = status;
  }

  /** False while this engine is the standby of a pair: it hears everything and writes nothing. */
  get active(): boolean {
    return this.options.active?.() ?? true;
  }

  /** One evaluation of every rule at the clock's time; none on a standby (its views fill, its rules wait). */
  evaluate(): void {
    if (!this.active) return;
    const now = this.options.now();
    const silent = new Set<string>();
    for (const [id, view] of this.views) if (isSilent(view, now, this.pollMs, SILENT_POLLS)) silent.add(id);
    const reporting = this.views.size - silent.size;
    for (const [def, network] of this.networkViews) {
      for (const tag of tagsOf(def)) {
        const values: number[] = [];
        for (const [id, view] of this.views) {
          const v = silent.has(id) ? undefined : view.number(tag);
          if (v !== undefined) values.push(v);
        }
        const combined = AGGREGATES[def.aggregate](values);
        if (combined !== undefined) network.set(tag, combined, now);
      }
      network.online = reporting > 0;
    }
    for (const def of this.options.definitions) {
      const targets = def.scope === 'network' ? [NETWORK] : def.scope === 'role' ? [...this.roleViews.keys()] : [...this.views.keys()];
      for (const substation of targets) {
        const inst = this.instanceOf(substation, def);
        const view = def.scope === 'network' ? this.networkViews.get(def)! : def.scope === 'role' ? this.roleViews.get(substation)! : this.viewOf(substation);
        const isSilentNow = def.scope === 'substation' && silent.has(substation);
        const neighbours = reporting - (substation === NETWORK || isSilentNow ? 0 : 1);
        const condition = this.condition(inst, view, now, isSilentNow, neighbours);
        this.apply(inst, condition && !this.suppressed(def, substation, now), now, () => causeOf(inst, view));
      }
    }
    this.expireShelves(now);
    this.flood.tick(now);
  }

  /** Current alarms as held in memory (the last occurrence of every alarm that has one). */
  records(): AlarmRecord[] {
    return [...this.byId.values()].flatMap((i) => (i.record ? [i.record] : []));
  }

  ack(id: number, actor: string, comment: string): AlarmRecord {
    this.mayWrite();
    const inst = this.instanceById(id);
    const record = inst.record!;
    const to = acknowledged(record.state);
    const now = this.options.now();
    return this.change(inst, { ...record, state: to, ackedAt: now, ackedBy: actor }, 'ack', actor, comment, now);
  }

  shelve(id: number, actor: string, comment: string, untilMs: number): AlarmRecord {
    this.mayWrite();
    const inst = this.instanceById(id);
    const now = this.options.now();
    if (untilMs <= now) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'a shelf must expire in the future', 'until');
    return this.change(inst, { ...inst.record!, shelvedUntil: untilMs }, 'shelve', actor, comment, now);
  }

  unshelve(id: number, actor: string, comment: string): AlarmRecord {
    this.mayWrite();
    const inst = this.instanceById(id);
    return this.change(inst, { ...inst.record!, shelvedUntil: null }, 'unshelve', actor, comment, this.options.now());
  }

  setOutOfService(id: number, outOfService: boolean, actor: string, comment: string): AlarmRecord {
    this.mayWrite();
    const inst = this.instanceById(id);
    return this.change(inst, { ...inst.record!, outOfService }, outOfService ? 'out_of_service' : 'in_service', actor, comment, this.options.now());
  }

  private mayWrite(): void {
    if (!this.active) throw new HeatScadaError('HS_ERR_STANDBY', 'this alarm engine stands by: the active one takes acknowledgements', 'id');
  }

  get floodGroup(): number | null {
    return this.flood.current;
  }

  private viewOf(substation: string): SubstationView {
    return this.viewIn(this.views, substation);
  }

  private roleViewOf(key: string): SubstationView {
    return this.viewIn(this.roleViews, key);
  }

  /** The view of `id` in `views`, made with its alarm instances the first time. */
  private viewIn(views: Map<string, SubstationView>, id: string): SubstationView {
    let view = views.get(id);
    if (!view) {
      views.set(id, (view = new SubstationView(id, this.historyTags, this.keepMs, this.startedAt)));
      this.instancesOf(id);
    }
    return view;
  }

  private instancesOf(substation: string): Instance[] {
    let list = this.instances.get(substation);
    if (list) return list;
    const scope = substation === NETWORK ? 'network' : isRoleKey(substation) ? 'role' : 'substation';
    list = this.options.definitions
      .filter((def) => def.scope === scope)
      .map((def) => {
        const record = this.resumed.get(`${substation}/${def.id}`);
        const wasActive = record !== undefined && isActive(record.state);
        const rules = def.rules.map((cfg, k): Debounced => {
          const tuned = this.tuned(cfg, def.id, k, substation);
          // Resumed active: hold it until the rule has decided (no second raise after a restart).
          return { rule: createRule(tuned), config: tuned, onMs: tuned.on_delay_s * 1000, offMs: tuned.off_delay_s * 1000, raw: null, since: this.options.now(), held: wasActive };
        });
        const inst: Instance = { def, substation, rules, record };
        if (record) this.byId.set(record.id, inst);
        return inst;
      });
    this.instances.set(substation, list);
    for (const inst of list) this.learnPast(inst);
    return list;
  }

  /** Teaches each learning rule of the instance its stored past; a rule replaced meanwhile (a resume) is not taught. */
  private learnPast(inst: Instance): void {
    const history = this.options.history;
    if (!history) return;
    // An alarm standing at a restart: learn from before it was raised, not from the fault.
    const to = inst.record !== undefined && isActive(inst.record.state) ? inst.record.raisedAt : this.options.now();
    for (const { rule } of inst.rules) {
      const { learnsFrom } = rule;
      if (!learnsFrom) continue;
      history(inst.substation, learnsFrom, to).then(
        (past) => {
          if (this.instances.get(inst.substation)?.includes(inst)) rule.learn?.(past);
        },
        (e: unknown) => this.log.warn({ substation: inst.substation, tag: learnsFrom.tag, reason: (e as Error).message }, 'no stored past to learn from: the rule learns live'),
      );
    }
  }

  private instanceOf(substation: string, def: AlarmDefinition): Instance {
    return this.instancesOf(substation).find((i) => i.def === def)!;
  }

  private instanceById(id: number): Instance {
    const inst = this.byId.get(id);
    if (!inst || inst.record?.id !== id) throw new HeatScadaError('HS_ERR_NOT_FOUND', `no current alarm ${id}`, 'id');
    return inst;
  }

  /** A rule's fields with the overrides of the substation's groups, then of the substation, applied. */
  private tuned(cfg: RuleConfig, alarm: string, index: number, substation: string): RuleConfig {
    const { overrides, groups } = this.options.config;
    const applies = overrides.filter((o) => o.alarm === alarm && o.rule === index);
    // Most general first: every substation, then groups, then named substations.
    const everywhere = applies.filter((o) => o.group === undefined && o.substations === undefined);
    const byGroup = applies.filter((o) => o.group !== undefined && groups[o.group]?.includes(substation));
    const bySubstation = applies.filter((o) => o.substations?.includes(substation));
    return [...everywhere, ...byGroup, ...bySubstation].reduce<RuleConfig>((c, o) => ({ ...c, ...o.set }) as RuleConfig, cfg);
  }

  private condition(inst: Instance, view: SubstationView, now: number, silent: boolean, neighbours: number): boolean {
    const active = inst.record !== undefined && isActive(inst.record.state);
    let any = false;
    for (const d of inst.rules) {
      const raw = silent && !d.rule.aboutLink ? null : d.rule.evaluate({ view, now, active, pollPeriodMs: this.pollMs, neighboursReporting: neighbours });
      if (raw !== null && raw !== d.raw) {
        d.raw = raw;
        d.since = now;
      }
      if (d.raw === true && !d.held && now - d.since >= d.onMs) d.held = true;
      if (d.raw === false && d.held && now - d.since >= d.offMs) d.held = false;
      any ||= d.held;
    }
    return any;
  }

  /** Whether a root of the alarm is active, or returned less than its settling time ago. */
  private suppressed(def: AlarmDefinition, substation: string, now: number): boolean {
    return def.suppressed_by.some((root) =>
      [substation, NETWORK].some((s) => {
        const inst = this.instances.get(s)?.find((i) => i.def.id === root);
        const rec = inst?.record;
        if (!inst || !rec) return false;
        return isActive(rec.state) || (rec.returnedAt !== null && now - rec.returnedAt < inst.def.settle_s * 1000);
      }),
    );
  }

  private apply(inst: Instance, condition: boolean, now: number, cause: () => Cause): void {
    const record = inst.record;
    const active = record !== undefined && isActive(record.state);
    if (condition === active) return;
    if (!condition) {
      this.change(inst, { ...record!, state: next(record!.state, 'return'), returnedAt: now }, 'return', SYSTEM, '', now);
      return;
    }
    if (record && record.state === 'unack_returned') {
      this.change(inst, { ...record, state: next(record.state, 'activate'), returnedAt: null }, 'activate', SYSTEM, '', now, cause());
      return;
    }
    const fresh: Omit<AlarmRecord, 'id'> = {
      alarm: inst.def.id,
      substation: inst.substation,
      priority: inst.def.priority,
      state: next('normal', 'activate'),
      raisedAt: now,
      returnedAt: null,
      ackedAt: null,
      ackedBy: null,
      // Shelving and out of service belong to the alarm point: a new occurrence keeps them.
      shelvedUntil: record?.shelvedUntil ?? null,
      outOfService: record?.outOfService ?? false,
      floodGroup: null,
    };
    const created = this.options.store.insert(fresh, { ts: now, event: 'activate', fromState: 'normal', toState: fresh.state, actor: SYSTEM, comment: '' });
    inst.record = created;
    this.byId.set(created.id, inst);
    this.announce(inst, 'activate', now, cause());
  }

  private change(inst: Instance, updated: AlarmRecord, event: JournalEvent, actor: string, comment: string, now: number, cause: Cause | null = null): AlarmRecord {
    const from: AlarmState = inst.record!.state;
    this.options.store.update(updated, { ts: now, event, fromState: from, toState: updated.state, actor, comment });
    inst.record = updated;
    this.announce(inst, event, now, cause);
    return updated;
  }

  private announce(inst: Instance, event: JournalEvent, now: number, cause: Cause | null): void {
    let record = inst.record!;
    const annunciated = !record.outOfService && (record.shelvedUntil === null || record.shelvedUntil <= now);
    let floodOpened: number | null = null;
    if (event === 'activate' && annunciated) {
      const decision = this.flood.activation(record.id, now);
      if (decision.group !== null) {
        record = { ...record, floodGroup: decision.group };
        this.options.store.update(record, undefined);
        inst.record = record;
        for (const id of decision.joined) this.joinFlood(id, decision.group);
        if (decision.opened) {
          floodOpened = decision.group;
          this.log.warn({ code: 'HS_ALARM_FLOOD', flood: decision.group, alarms: decision.joined.length + 1 }, 'alarm flood: grouping');
        }
      }
    }
    this.log.info(
      { code: `HS_ALARM_${event.toUpperCase()}`, alarm: record.alarm, substation: record.substation, id: record.id, state: record.state, priority: record.priority, ...(cause?.detail === undefined ? {} : { detail: cause.detail }) },
      'alarm state change',
    );
    const change: AlarmChange = { record, event, title: inst.def.title, annunciated, floodOpened, cause };
    for (const l of this.listeners) l(change);
  }

  private joinFlood(id: number, group: number): void {
    const inst = this.byId.get(id);
    if (!inst?.record || inst.record.id !== id) return;
    inst.record = { ...inst.record, floodGroup: group };
    this.options.store.update(inst.record, undefined);
  }

  private expireShelves(now: number): void {
    for (const inst of this.byId.values()) {
      const r = inst.record;
      if (r && r.shelvedUntil !== null && r.shelvedUntil <= now && inst.record?.id === r.id) {
        this.change(inst, { ...r, shelvedUntil: null }, 'unshelve', SYSTEM, 'shelf expired', now);
      }
    }
  }
}
