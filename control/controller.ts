import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CommandOutcome } from '../model/sparkplug.ts';
import type { CommandRequest } from '../model/command.ts';
import type { ControlState } from '../model/control-state.ts';
import { HeatScadaError } from '../model/errors.ts';
import type { AuditEntry, AuditLog } from './audit.ts';
import { balanceStep, bumplessMemory, initialMemory, returnDeviationK, type BalanceMemory, type Proposal, type SubstationInputs } from './balance.ts';
import type { ControlConfig, CurveSettings, Heating } from './config-schema.ts';
import { effectiveOutdoorC } from './curve.ts';
import { applyEnvelope, limitsOf, type EnvelopedTag, type EnvelopeResult } from './envelope.ts';
import { heatSaving, type HeatSaving, type SavingInput } from './heat-saving.ts';
import type { InputSnapshot, InputSource } from './inputs.ts';
import type { ForecastHealth } from './forecast-source.ts';
import { decisionReason, type Cause, type Decision, type SnapCause } from './reason.ts';
import { sourceReset, VALVE_WIDE_OPEN_PCT, type SourceAdvice, type SourceDemand } from './source-reset.ts';

// The balancing loop: each cycle reads every substation's inputs (never a PLC), guards against
// stale data, runs the balancing step, puts the result through the envelope and writes it
// through the actuator (a Sparkplug DCMD in production), recording every write and its
// acknowledged outcome. People can take a substation (or all) at once and hand it back.

/** What writes a setpoint and reports the collector's acknowledgement. */
export interface Actuator {
  send(request: CommandRequest): Promise<CommandOutcome>;
  /** False while no command can reach the substation yet (no birth seen); the loop then waits instead of writing. */
  canReach?(substation: string): boolean;
}

/** auto: the loop writes; manual: a person has it, the loop only watches; advisory: the loop only recommends. */
export type LoopMode = 'auto' | 'manual' | 'advisory';
export const LOOP_MODES = ['auto', 'manual', 'advisory'] as const;
export type LoopState = 'ok' | 'stale' | 'held' | 'no-data';

export interface ControllerDeps {
  inputs: InputSource;
  actuator: Actuator;
  audit: AuditLog;
  /** Control time, ms: write spacing, keep-alive and holds run on it (simulated time in tests). */
  clock: () => number;
  logger: Logger;
  /** Outdoor temperature forecast for a time, where one is configured; undefined where there is no usable forecast. */
  forecast?: (atMs: number) => number | undefined;
  /** The forecast's source and state (forecast-source.ts), shown beside the loop. */
  forecastHealth?: () => ForecastHealth;
  /** The network's transport delay to its farthest substation, h, where the plant is known (a simulated one); else forecast.transport_h. */
  transportDelayH?: () => number | undefined;
  /** Tells the control room when the stale guard freezes a substation and when it lets go (the alarm engine listens). */
  publishState?: (substation: string, state: ControlState) => void;
  /**
   * A hot-standby pair's lease (control/start.ts): false while this instance stands by. The loop
   * then computes every cycle (its memory stays warm) but writes, publishes and records nothing.
   * Always active without it.
   */
  active?: () => boolean;
}

export interface SubstationView {
  id: string;
  heating: Heating;
  mode: LoopMode;
  state: LoopState;
  plcMode: SubstationInputs['mode'] | null;
  inputs: SubstationInputs | null;
  supplyTargetC: number | null;
  returnTargetC: number | null;
  trimK: number | null;
  /** What the loop wants to do next and why (a recommendation in advisory mode). */
  next: { tag: EnvelopedTag; value: number; why: string } | null;
  lastWrite: { tag: string; value: number; ts: number; ok: boolean; code?: string } | null;
  note: string | null;
  /** The loop's decision this cycle in one line, cause and action ("coldest home 16.8 °C < 18.3 °C: open valve 4.0 %"). */
  reason: string | null;
  /** The same decision as data, for the control room to word in its own language. */
  decision: Decision | null;
}

interface Book {
  memory: BalanceMemory;
  mode: LoopMode;
  state: LoopState;
  lastStepMs: number | undefined;
  lastWriteMs: Map<EnvelopedTag, number>;
  heldUntilMs: number;
  needsTakeOver: boolean;
  view: SubstationView;
}

/** What the loop makes of the forecast this cycle (GET /api/control `forecast`). */
export interface ForecastView {
  /** How far ahead the curve looks, h. */
  leadH: number;
  /** The forecast temperature at now + lead, °C; null without a usable forecast. */
  aheadC: number | null;
  /** The cold snap the loop is ready for (寒潮预案): forecast ahead, or on now; null when none. */
  snap: (SnapCause & { since: number; fromC: number; preheatK: number; preheating: boolean }) | null;
  health: ForecastHealth | null;
}

export interface CycleReport {
  written: number;
  refused: number;
  advised: number;
  stale: string[];
}

/** The pre-heat of a cold snap resumes once every controlled valve is below this (source-reset.ts gives the source back there too). */
const PREHEAT_ROOM_PCT = 90;

/** Source requests closer than this to what the source has are not written (the request moves a little every cycle). */
const SOURCE_DEADBAND_K = 0.5;

export class Controller {
  private readonly books = new Map<string, Book>();
  private globalMode: LoopMode | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pacing = false;
  private running: Promise<CycleReport> | undefined;
  private sourceAdvice: SourceAdvice = { offsetK: 0, why: 'no data yet' };
  /** The heat source's own mode (setMode with its id); the global mode overrides it. */
  private sourceMode: LoopMode | undefined;
  private sourceLastWriteMs: number | undefined;
  private sourceHeldUntilMs = 0;
  private lastCycleMs: number | undefined;
  private savingEstimate: HeatSaving | null = null;
  private floorDevK: number | undefined;
  private forecastView: ForecastView | null = null;
  /** A forecast cold snap the loop is ready for: since when, and the outdoor temperature then (it lasts until the weather is back near it). */
  private readiness: { since: number; fromC: number } | undefined;
  /** A controlled valve went wide open and none has come back below the room mark since: no pre-heat. */
  private preheatHeld = false;
  /** Whether the last cycle ran active: a standby that becomes active takes the plant over as it finds it. */
  private wasActive = true;

  constructor(
    private readonly config: ControlConfig,
    private readonly deps: ControllerDeps,
  ) {}

  get curve(): CurveSettings {
    return this.config.curve;
  }

  /** Engineers change the curve; the next cycle uses it. */
  setCurve(curve: CurveSettings, actor: string): void {
    // The API appends the audit record ('control.curve'): it knows who signed in and from where.
    this.config.curve = curve;
    this.deps.logger.info({ event: 'curve_changed', actor }, 'curve settings changed');
  }

  get global(): LoopMode | null {
    return this.globalMode ?? null;
  }

  /** Takes or hands back one substation (or all, substation undefined), at once. The API audits it ('control.mode'). */
  setMode(substation: string | undefined, mode: LoopMode, actor: string): void {
    if (substation === this.config.source_id) {
      this.sourceMode = mode;
      if (mode !== 'manual') this.sourceHeldUntilMs = 0;
      this.deps.logger.info({ event: 'loop_mode', substation, mode, actor }, 'loop mode changed (heat source)');
      return;
    }
    const known = substation === undefined ? undefined : this.books.get(substation);
    if (substation !== undefined && !known) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', `the loop has no inputs for ${substation}`, substation);
    const targets = known ? [known] : [...this.books.values()];
    if (substation === undefined) this.globalMode = mode === 'auto' ? undefined : mode;
    for (const b of targets) {
      if (substation !== undefined) b.mode = mode;
      // A hand-back starts from what the plant has now: no bump, and any hold is lifted.
      if (mode !== 'manual') {
        b.needsTakeOver = true;
        b.heldUntilMs = 0;
      }
    }
    this.deps.logger.info({ event: 'loop_mode', substation: substation ?? '*', mode, actor }, 'loop mode changed');
  }

  /**
   * A person's setpoint for a substation (or the heat source) they have taken (manual): within
   * the envelope's limits — its step and spacing are theirs to judge at the panel — written by
   * DCMD and audited under their name. `source`: where they asked from (the API passes the
   * client's address).
   */
  async writeSetpoint(substation: string, tag: EnvelopedTag, value: number, actor: string, source = 'api'): Promise<CommandOutcome> {
    if (!this.active) throw new HeatScadaError('HS_ERR_STANDBY', 'this control instance stands by: write through the active one', 'substation');
    const isSource = substation === this.config.source_id;
    const b = this.books.get(substation);
    if (!isSource && !b) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', `the loop has no inputs for ${substation}`, substation);
    const mode = this.globalMode ?? (isSource ? (this.sourceMode ?? this.config.start_mode) : b!.mode);
    if (mode !== 'manual') throw new HeatScadaError('HS_ERR_CONTROL_REFUSED', `${substation} is in ${mode}: take it (manual) before writing by hand`, 'mode');
    if (isSource !== (tag === 'source.supply_offset_setpoint')) throw new HeatScadaError('HS_ERR_NOT_WRITABLE', `${tag} is not written at ${substation}`, 'tag');
    const { min, max } = limitsOf(this.config.envelope, tag);
    if (!(value >= min && value <= max)) throw new HeatScadaError('HS_ERR_OUT_OF_RANGE', `${tag} = ${value} is outside ${min}–${max}`, 'value');
    const old = b?.view.inputs ? currentOf(b.view.inputs, tag) : Number.NaN;
    const now = this.deps.clock();
    if (b) b.lastWriteMs.set(tag, now);
    return this.send(substation, tag, old, value, `set by hand by ${actor}`, now, { actor, source });
  }

  /** What the loop asks of the heat source (written to the source's PLC in auto; shown in advisory and manual). */
  get source(): SourceAdvice {
    return this.sourceAdvice;
  }

  /** The heat saved against the curve alone, estimated over the substations the loop steered last cycle (heat-saving.ts). */
  get saving(): HeatSaving | null {
    return this.savingEstimate;
  }

  /** The network's return floor last cycle: the return above the curve's that low substations are lifted to, K; null without one. */
  get returnFloorK(): number | null {
    return this.floorDevK ?? null;
  }

  /** The forecast as the loop used it last cycle; null without a forecast configured. */
  get forecast(): ForecastView | null {
    return this.forecastView;
  }

  /**
   * How far ahead the curve looks: lead_h, or (lead_h 'transport') the network's transport delay
   * — heat sent now reaches the farthest substation that much later.
   */
  leadH(): number | undefined {
    const f = this.config.forecast;
    if (!f) return undefined;
    if (f.lead_h !== 'transport') return f.lead_h;
    const transport = this.deps.transportDelayH?.() ?? f.transport_h;
    if (transport === undefined) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', "lead_h 'transport' needs the network's transport delay: set forecast.transport_h", '/control/forecast/transport_h');
    return transport;
  }

  /**
   * Cold-snap readiness (寒潮预案). A forecast that gets snap_k colder than the measured outdoor
   * temperature within the lead plus the building allowance starts it; it lasts through the snap,
   * until the measured temperature is back within snap_k of where it was. Meanwhile the coldest
   * home is aimed preheat_k higher: the buildings (time constants of 30–80 h) bank heat before
   * the network reaches its limit in the cold, which warms them far less than the cold cools
   * them. Network-wide, on the substations' mean outdoor reading.
   */
  private coldSnap(now: number, measuredC: number | undefined, leadH: number): SnapCause | undefined {
    const f = this.config.forecast;
    if (!f || measuredC === undefined) return undefined;
    let coldest: SnapCause | undefined;
    for (let min = 0; min <= (leadH + f.building_allowance_h) * 60; min += 15) {
      const c = this.deps.forecast?.(now + min * 60_000);
      if (c !== undefined && (!coldest || c < coldest.forecastC)) coldest = { forecastC: c, inH: min / 60 };
    }
    const ahead = coldest !== undefined && coldest.forecastC <= measuredC - f.snap_k;
    if (ahead && !this.readiness) {
      this.readiness = { since: now, fromC: measuredC };
      this.deps.logger.info({ event: 'cold_snap_ready', forecastC: coldest!.forecastC, inH: coldest!.inH, measuredC, preheatK: f.preheat_k }, `cold snap forecast: ${coldest!.forecastC.toFixed(1)} °C in ${coldest!.inH.toFixed(1)} h; homes aimed ${f.preheat_k} K higher`);
    } else if (!ahead && this.readiness && measuredC >= this.readiness.fromC - f.snap_k) {
      this.deps.logger.info({ event: 'cold_snap_over', measuredC, sinceMs: this.readiness.since }, 'cold snap over: homes aimed at the usual target');
      this.readiness = undefined;
    }
    return this.readiness ? (coldest ?? { forecastC: measuredC, inH: 0 }) : undefined;
  }

  /**
   * Through a cold snap the coldest home is aimed higher only while the network has flow to
   * spare: with a controlled valve wide open somewhere, warming the rest would take flow from
   * it (measured: the far end of a starved network fell lower with the pre-heat than without).
   * Held from a valve at VALVE_WIDE_OPEN_PCT until every valve is below PREHEAT_ROOM_PCT, so
   * one valve about the mark does not toggle the targets every cycle.
   */
  private preheatRoom(fresh: InputSnapshot[]): boolean {
    const widest = Math.max(0, ...fresh.filter((s) => s.inputs.mode !== 'manual').map((s) => s.inputs.valvePct));
    if (widest >= VALVE_WIDE_OPEN_PCT) this.preheatHeld = true;
    else if (widest < PREHEAT_ROOM_PCT) this.preheatHeld = false;
    return !this.preheatHeld;
  }

  /** The audit record, newest first. */
  audit(limit: number, substation?: string): AuditEntry[] {
    return this.deps.audit.recent(limit, substation);
  }

  /** False while this instance is the standby of a pair. */
  get active(): boolean {
    return this.deps.active?.() ?? true;
  }

  views(): SubstationView[] {
    return [...this.books.values()].map((b) => ({ ...b.view, mode: this.effectiveMode(b) }));
  }

  /**
   * Runs a cycle every interval_s of control time. `speed` is control seconds per wall second
   * (the simulator's speed when the clock is its time); the wall delay is taken anew after each
   * cycle, so a change of speed changes the pace with it and the envelope's spacing, counted in
   * control time, is never outrun.
   */
  start(speed: () => number = () => 1): void {
    if (this.pacing) return;
    this.pacing = true;
    const next = (): void => {
      if (!this.pacing) return;
      this.timer = setTimeout(() => {
        this.cycle()
          .catch((e: unknown) => this.deps.logger.error({ event: 'cycle_failed', code: 'HS_ERR_INTERNAL', reason: (e as Error).message }, 'control cycle failed'))
          .finally(next);
      }, (this.config.interval_s * 1000) / speed());
    };
    next();
  }

  async stop(): Promise<void> {
    this.pacing = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over every substation. Overlapping calls share the pass in progress. */
  cycle(): Promise<CycleReport> {
    this.running ??= this.runCycle().finally(() => (this.running = undefined));
    return this.running;
  }

  private book(id: string): Book {
    let b = this.books.get(id);
    if (!b) {
      const heating = this.config.heating[id] ?? 'radiator';
      b = {
        memory: initialMemory(),
        mode: this.config.start_mode,
        state: 'no-data',
        lastStepMs: undefined,
        lastWriteMs: new Map(),
        heldUntilMs: 0,
        needsTakeOver: true,
        view: { id, heating, mode: this.config.start_mode, state: 'no-data', plcMode: null, inputs: null, supplyTargetC: null, returnTargetC: null, trimK: null, next: null, lastWrite: null, note: null, reason: null, decision: null },
      };
      this.books.set(id, b);
    }
    return b;
  }

  private effectiveMode(b: Book): LoopMode {
    return this.globalMode ?? b.mode;
  }

  private async runCycle(): Promise<CycleReport> {
    const report: CycleReport = { written: 0, refused: 0, advised: 0, stale: [] };
    const active = this.active;
    if (active && !this.wasActive) this.takeOver();
    this.wasActive = active;
    const snapshots = await this.deps.inputs.snapshot();
    const now = this.deps.clock();
    const dataNow = this.deps.inputs.now();
    const staleMs = 3 * this.config.input_period_s * 1000;
    const leadH = this.leadH();
    const forecastC = leadH === undefined ? undefined : this.deps.forecast?.(now + leadH * 3_600_000);
    const fresh = [...snapshots.values()].filter((s) => dataNow - s.oldestTs <= staleMs);
    const snap = leadH === undefined ? undefined : this.coldSnap(now, fresh.length > 0 ? fresh.reduce((sum, s) => sum + s.inputs.outdoorC, 0) / fresh.length : undefined, leadH);
    const preheat = snap && this.preheatRoom(fresh) ? snap : undefined;
    const cfg = preheat ? { ...this.config, target_indoor_min_c: this.config.target_indoor_min_c + this.config.forecast!.preheat_k } : this.config;
    const writes: Promise<void>[] = [];
    const demands: SourceDemand[] = [];
    const steered: SavingInput[] = [];
    const returnFloorDevK = this.returnFloor(snapshots, dataNow - staleMs);
    this.floorDevK = returnFloorDevK;
    for (const [id, snapshot] of snapshots) {
      const b = this.book(id);
      const heating = b.view.heating;
      const ageMs = dataNow - snapshot.oldestTs;
      if (ageMs > staleMs) {
        report.stale.push(id);
        this.markStale(b, ageMs, now);
        continue;
      }
      // Fresh again: the loop's own memory is still good, and the envelope's step keeps the first write small.
      const inputs = snapshot.inputs;
      if (b.state === 'stale') this.markFresh(b, now);
      this.noticeWatchdog(b, inputs, now);
      const outdoor = effectiveOutdoorC(inputs.outdoorC, forecastC, this.config.forecast?.weight ?? 0);
      const mode = this.effectiveMode(b);
      if (b.needsTakeOver || mode === 'manual' || inputs.mode === 'manual') {
        b.memory = bumplessMemory(this.config, heating, outdoor, inputs, b.memory);
        b.needsTakeOver = mode === 'manual' || inputs.mode === 'manual';
      }
      const dtS = b.lastStepMs === undefined ? 0 : Math.max(0, (now - b.lastStepMs) / 1000);
      b.lastStepMs = now;
      const result = balanceStep(cfg, heating, outdoor, inputs, b.memory, dtS, returnFloorDevK);
      b.memory = result.memory;
      b.state = now < b.heldUntilMs ? 'held' : 'ok';
      const keepAlive = this.keepAlive(b, inputs, now);
      const proposal = result.proposal ?? keepAlive;
      const enveloped = proposal ? applyEnvelope(this.config.envelope, { tag: proposal.tag, proposed: proposal.value, current: currentOf(inputs, proposal.tag), lastWriteMs: b.lastWriteMs.get(proposal.tag), nowMs: now }) : undefined;
      const snapWhy = preheat && proposal === result.proposal ? `; cold snap forecast: ${preheat.forecastC.toFixed(1)} °C in ${preheat.inH.toFixed(1)} h, homes aimed ${this.config.forecast!.preheat_k} K higher` : '';
      const next = proposal && enveloped?.ok ? { tag: proposal.tag, value: enveloped.value, why: `${proposal.why}${snapWhy}${enveloped.limited.length > 0 ? `; limited by ${enveloped.limited.join(', ')}` : ''}` } : null;
      const decision = decisionOf(b, mode, inputs, preheat ? { ...result.cause, snap: preheat } : result.cause, proposal, enveloped);
      b.view = {
        ...b.view,
        state: b.state,
        plcMode: inputs.mode,
        inputs,
        supplyTargetC: result.supplyTargetC,
        returnTargetC: result.returnTargetC,
        trimK: result.trimK,
        next: next ?? (proposal ? { tag: proposal.tag, value: proposal.value, why: `waiting: ${enveloped && !enveloped.ok ? enveloped.reason : ''}` } : null),
        note: b.state === 'held' ? b.view.note : null,
        ...decided(decision),
      };
      if (mode !== 'manual' && inputs.mode !== 'manual') {
        demands.push({ inputs, supplyTargetC: result.supplyTargetC });
        steered.push({ outdoorC: outdoor, trimK: result.trimK, needK: result.needK });
      }
      if (!next || !active) continue;
      if (mode === 'advisory') {
        report.advised++;
        continue;
      }
      if (mode === 'manual' || b.state === 'held') continue;
      // At start the store may hold a substation's data before its birth reaches the actuator.
      if (this.deps.actuator.canReach?.(id) === false) continue;
      writes.push(this.write(b, inputs, next, report, now));
    }
    await Promise.all(writes);
    this.forecastView =
      leadH === undefined
        ? null
        : { leadH, aheadC: forecastC ?? null, snap: snap && this.readiness ? { ...snap, ...this.readiness, preheatK: this.config.forecast!.preheat_k, preheating: preheat !== undefined } : null, health: this.deps.forecastHealth?.() ?? null };
    this.savingEstimate = heatSaving(this.config.curve.indoor_c, steered);
    this.sourceAdvice = sourceReset(this.sourceAdvice.offsetK, demands, this.config.source_max_offset_k, this.lastCycleMs === undefined ? 0 : (now - this.lastCycleMs) / 1000);
    this.lastCycleMs = now;
    if (active) await this.steerSource(now, dataNow - staleMs, report);
    return report;
  }

  /**
   * A standby became active: every substation is taken over bumplessly from what its PLC has now
   * (the predecessor's writes are in the plant, not in this memory), and a freeze it kept quiet
   * about is announced again.
   */
  private takeOver(): void {
    for (const b of this.books.values()) {
      b.needsTakeOver = true;
      if (b.state === 'stale') b.state = 'no-data';
    }
    this.deps.logger.info({ event: 'control_takeover', substations: this.books.size }, 'active now: taking the plant over as it is');
  }

  /**
   * Writes the source request to the heat source's PLC (DCMD like any setpoint), through the
   * envelope, in the source's mode (the global mode, else its own, else the start mode). No
   * fresh data from the source's PLC: no write.
   */
  private async steerSource(now: number, freshSinceMs: number, report: CycleReport): Promise<void> {
    const id = this.config.source_id;
    const snap = await this.deps.inputs.source?.(id);
    if (!snap || snap.oldestTs < freshSinceMs) return;
    if (Math.abs(this.sourceAdvice.offsetK - snap.offsetK) < SOURCE_DEADBAND_K) return;
    const tag = 'source.supply_offset_setpoint';
    const enveloped = applyEnvelope(this.config.envelope, { tag, proposed: this.sourceAdvice.offsetK, current: snap.offsetK, lastWriteMs: this.sourceLastWriteMs, nowMs: now });
    if (!enveloped.ok) return;
    const mode = this.globalMode ?? this.sourceMode ?? this.config.start_mode;
    if (mode === 'advisory') report.advised++;
    if (mode !== 'auto' || now < this.sourceHeldUntilMs || this.deps.actuator.canReach?.(id) === false) return;
    this.sourceLastWriteMs = now;
    const why = `heat source +${this.sourceAdvice.offsetK.toFixed(1)} K over its curve: ${this.sourceAdvice.why}${enveloped.limited.length > 0 ? `; limited by ${enveloped.limited.join(', ')}` : ''}`;
    const outcome = await this.send(id, tag, snap.offsetK, enveloped.value, why, now);
    if (outcome.ok) {
      report.written++;
      return;
    }
    if (isStandbyRefusal(outcome)) return;
    report.refused++;
    this.sourceHeldUntilMs = now + this.config.refused_hold_s * 1000;
    this.event(id, 'held', `${tag} refused (${outcome.code}): no retry for ${this.config.refused_hold_s} s or until a person hands it back`, 'HS_ERR_CONTROL_REFUSED', now);
  }

  /** One write: the DCMD, the acknowledged outcome into the audit trail, a log line. The loop's own unless a person is named. */
  private async send(substation: string, tag: EnvelopedTag, old: number, value: number, why: string, now: number, by: { actor: string; source: string } = { actor: this.config.actor, source: 'loop' }): Promise<CommandOutcome> {
    const requestId = `ctl-${randomUUID()}`;
    const outcome = await this.deps.actuator.send({ requestId, substation, tag, value, actor: by.actor });
    // The lease went in the middle of a cycle: nothing was sent, so there is nothing to record or hold.
    if (isStandbyRefusal(outcome)) return outcome;
    const entry: AuditEntry = {
      ts: now,
      substation,
      tag,
      actor: by.actor,
      oldValue: Number.isFinite(old) ? old : null,
      newValue: outcome.ok ? outcome.value : value,
      why: outcome.ok ? why : `${why}; refused: ${outcome.reason}`,
      outcome: outcome.ok ? 'accepted' : 'refused',
      code: outcome.ok ? null : outcome.code,
      requestId,
    };
    this.deps.audit.record(entry, by.source);
    if (outcome.ok) this.deps.logger.info({ event: 'control_write', substation, tag, old, value: outcome.value, requestId }, why);
    else this.deps.logger.warn({ event: 'control_refused', code: 'HS_ERR_CONTROL_REFUSED', plcCode: outcome.code, substation, tag, value, requestId }, outcome.reason);
    return outcome;
  }

  /**
   * The network's return floor: the return deviation of the most demanding substation the loop
   * steers on its indoor need alone (no return bias), less the band. Substations already lifted
   * by a bias do not count, so the floor cannot ratchet itself up; nor do those with the valve
   * wide open: they are out of control range (short of source temperature, whose request
   * handles them) and their return says nothing about what the rest should do.
   */
  private returnFloor(snapshots: Map<string, InputSnapshot>, freshSinceMs: number): number | undefined {
    let highest = -Infinity;
    for (const [id, snap] of snapshots) {
      const b = this.books.get(id);
      if (snap.oldestTs < freshSinceMs || snap.inputs.mode === 'manual' || snap.inputs.valvePct >= VALVE_WIDE_OPEN_PCT || (b && (this.effectiveMode(b) === 'manual' || b.memory.returnBiasK > 0))) continue;
      highest = Math.max(highest, returnDeviationK(this.config, this.config.heating[id] ?? 'radiator', snap.inputs));
    }
    return Number.isFinite(highest) ? highest - this.config.return_band_k : undefined;
  }

  /** Remote mode: the PLC falls back to local after 15 min of silence, so an unchanged valve is written again. */
  private keepAlive(b: Book, inputs: SubstationInputs, now: number): Proposal | undefined {
    if (inputs.mode !== 'remote') return undefined;
    const last = b.lastWriteMs.get('primary.valve_setpoint');
    if (last !== undefined && now - last < this.config.keepalive_s * 1000) return undefined;
    return { tag: 'primary.valve_setpoint', value: inputs.valveSetpointPct, why: 'keep-alive: the PLC watchdog needs the centre within 15 min' };
  }

  private markStale(b: Book, ageMs: number, now: number): void {
    b.view = { ...b.view, state: 'stale', next: null, note: `inputs ${Math.round(ageMs / 1000)} s old`, ...decided({ kind: 'stale', ageS: Math.round(ageMs / 1000) }) };
    if (b.state === 'stale') return;
    b.state = 'stale';
    const why = `inputs ${Math.round(ageMs / 1000)} s old (> 3 × ${this.config.input_period_s} s): loop frozen for this substation`;
    this.deps.logger.warn({ event: 'control_stale', code: 'HS_ERR_CONTROL_STALE', substation: b.view.id, ageS: Math.round(ageMs / 1000) }, why);
    this.event(b.view.id, 'stale', why, 'HS_ERR_CONTROL_STALE', now);
    this.tell(b.view.id, { frozen: true, ts: now, reason: why });
  }

  private markFresh(b: Book, now: number): void {
    this.deps.logger.info({ event: 'control_inputs_fresh', substation: b.view.id }, 'inputs fresh again: loop resumes');
    this.tell(b.view.id, { frozen: false, ts: now, reason: 'inputs fresh again: loop resumes' });
  }

  /** The loop's state message, from the active instance only. */
  private tell(substation: string, state: ControlState): void {
    if (this.active) this.deps.publishState?.(substation, state);
  }

  /** The PLC left remote mode for local by itself: the centre was silent too long (its watchdog). */
  private noticeWatchdog(b: Book, inputs: SubstationInputs, now: number): void {
    if (b.view.plcMode !== 'remote' || inputs.mode !== 'local') return;
    const why = 'the PLC fell back from remote to its local loop: its watchdog saw no write from the centre for 15 min';
    this.deps.logger.warn({ event: 'control_watchdog', code: 'HS_ERR_CONTROL_WATCHDOG', substation: b.view.id }, why);
    this.event(b.view.id, 'watchdog', why, 'HS_ERR_CONTROL_WATCHDOG', now);
  }

  /** A control event into the audit trail ('control.event'). */
  private event(substation: string, about: string, why: string, code: string, now: number): void {
    if (!this.active) return;
    this.deps.audit.record({ ts: now, substation, tag: about, actor: this.config.actor, oldValue: null, newValue: null, why, outcome: 'event', code, requestId: null });
  }

  private async write(b: Book, inputs: SubstationInputs, next: { tag: EnvelopedTag; value: number; why: string }, report: CycleReport, now: number): Promise<void> {
    const old = currentOf(inputs, next.tag);
    b.lastWriteMs.set(next.tag, now);
    const outcome = await this.send(b.view.id, next.tag, old, next.value, next.why, now);
    b.view = { ...b.view, lastWrite: outcome.ok ? { tag: next.tag, value: outcome.value, ts: now, ok: true } : { tag: next.tag, value: next.value, ts: now, ok: false, code: outcome.code } };
    if (outcome.ok) {
      report.written++;
      if (next.tag === 'primary.valve_setpoint') b.memory = { ...b.memory, lastMove: { deltaPct: outcome.value - old, supplyC: inputs.supplyC } };
      return;
    }
    if (isStandbyRefusal(outcome)) return;
    // Refused: reported and held, not retried blindly; a hand-back or the hold's end lets it try again.
    report.refused++;
    b.heldUntilMs = now + this.config.refused_hold_s * 1000;
    b.state = 'held';
    b.view = { ...b.view, state: 'held', note: `${outcome.code}: ${outcome.reason}`, ...decided({ kind: 'held', note: `${outcome.code}: ${outcome.reason}` }) };
    this.event(b.view.id, 'held', `${next.tag} refused (${outcome.code}): no retry for ${this.config.refused_hold_s} s or until a person hands it back`, 'HS_ERR_CONTROL_REFUSED', now);
  }
}

/** The actuator's own refusal after the lease was lost: not the plant's answer. */
const isStandbyRefusal = (o: CommandOutcome): boolean => !o.ok && o.code === 'HS_ERR_STANDBY';

/** A decision on the view: as data and in its English line. */
const decided = (decision: Decision): Pick<SubstationView, 'reason' | 'decision'> => ({ reason: decisionReason(decision), decision });

/** What the loop decided this cycle, for its one-line reason: a hold or a person outranks any proposal. */
function decisionOf(b: Book, mode: LoopMode, inputs: SubstationInputs, cause: Cause, proposal: Proposal | undefined, enveloped: EnvelopeResult | undefined): Decision {
  if (b.state === 'held') return { kind: 'held', note: b.view.note ?? 'refused' };
  if (mode === 'manual' || inputs.mode === 'manual') return { kind: 'manual', by: mode === 'manual' ? 'person' : 'plc' };
  if (!proposal || !enveloped) return { kind: 'hold', cause };
  const current = currentOf(inputs, proposal.tag);
  const from = Number.isFinite(current) ? current : null;
  return enveloped.ok ? { kind: 'write', cause, tag: proposal.tag, from, to: enveloped.value } : { kind: 'waiting', cause, tag: proposal.tag, from, to: proposal.value, because: enveloped.reason };
}

function currentOf(inputs: SubstationInputs, tag: EnvelopedTag): number {
  switch (tag) {
    case 'primary.valve_setpoint':
      return inputs.valveSetpointPct;
    case 'secondary.supply_temp_setpoint':
      return inputs.supplySetpointC;
    case 'pump.frequency_setpoint':
    case 'source.supply_offset_setpoint':
      return Number.NaN;
  }
}
