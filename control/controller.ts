import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CommandOutcome } from '../model/sparkplug.ts';
import type { CommandRequest } from '../model/command.ts';
import { HeatScadaError } from '../model/errors.ts';
import type { AuditEntry, AuditLog } from './audit.ts';
import { balanceStep, bumplessMemory, initialMemory, type BalanceMemory, type Proposal, type SubstationInputs } from './balance.ts';
import type { ControlConfig, CurveSettings, Heating } from './config-schema.ts';
import { effectiveOutdoorC } from './curve.ts';
import { applyEnvelope, type EnvelopedTag } from './envelope.ts';
import type { InputSource } from './inputs.ts';
import { sourceReset, type SourceAdvice, type SourceDemand } from './source-reset.ts';

// The balancing loop: each cycle reads every substation's inputs (never a PLC), guards against
// stale data, runs the balancing step, puts the result through the envelope and writes it
// through the actuator (a Sparkplug DCMD in production), recording every write and its
// acknowledged outcome. People can take a substation (or all) at once and hand it back.

/** What writes a setpoint and reports the collector's acknowledgement. */
export interface Actuator {
  send(request: CommandRequest): Promise<CommandOutcome>;
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
  /** Outdoor temperature forecast for a time, where one is configured. */
  forecast?: (atMs: number) => number | undefined;
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

export interface CycleReport {
  written: number;
  refused: number;
  advised: number;
  stale: string[];
}

export class Controller {
  private readonly books = new Map<string, Book>();
  private globalMode: LoopMode | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<CycleReport> | undefined;
  private sourceAdvice: SourceAdvice = { offsetK: 0, why: 'no data yet' };
  private lastCycleMs: number | undefined;

  constructor(
    private readonly config: ControlConfig,
    private readonly deps: ControllerDeps,
  ) {}

  get curve(): CurveSettings {
    return this.config.curve;
  }

  /** Engineers change the curve; the next cycle uses it. */
  setCurve(curve: CurveSettings, actor: string): void {
    this.config.curve = curve;
    this.deps.audit.record({ ts: this.deps.clock(), substation: '*', tag: 'curve', actor, oldValue: null, newValue: null, why: `curve settings changed: ${JSON.stringify(curve)}`, outcome: 'event', code: null, requestId: null });
    this.deps.logger.info({ event: 'curve_changed', actor }, 'curve settings changed');
  }

  get global(): LoopMode | null {
    return this.globalMode ?? null;
  }

  /** Takes or hands back one substation (or all, substation undefined), at once. */
  setMode(substation: string | undefined, mode: LoopMode, actor: string): void {
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
    this.deps.audit.record({ ts: this.deps.clock(), substation: substation ?? '*', tag: 'override', actor, oldValue: null, newValue: null, why: `loop mode ${mode}`, outcome: 'event', code: null, requestId: null });
    this.deps.logger.info({ event: 'loop_mode', substation: substation ?? '*', mode, actor }, 'loop mode changed');
  }

  /** What the loop asks of the heat source (no write path to it: an operator or the source's own system applies it). */
  get source(): SourceAdvice {
    return this.sourceAdvice;
  }

  /** The audit record, newest first. */
  audit(limit: number, substation?: string): AuditEntry[] {
    return this.deps.audit.recent(limit, substation);
  }

  views(): SubstationView[] {
    return [...this.books.values()].map((b) => ({ ...b.view, mode: this.effectiveMode(b) }));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.cycle().catch((e: unknown) => this.deps.logger.error({ event: 'cycle_failed', code: 'HS_ERR_INTERNAL', reason: (e as Error).message }, 'control cycle failed')), this.config.interval_s * 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
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
        view: { id, heating, mode: this.config.start_mode, state: 'no-data', plcMode: null, inputs: null, supplyTargetC: null, returnTargetC: null, trimK: null, next: null, lastWrite: null, note: null },
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
    const snapshots = await this.deps.inputs.snapshot();
    const now = this.deps.clock();
    const dataNow = this.deps.inputs.now();
    const staleMs = 3 * this.config.input_period_s * 1000;
    const forecastC = this.config.forecast ? this.deps.forecast?.(now + this.config.forecast.lead_h * 3_600_000) : undefined;
    const writes: Promise<void>[] = [];
    const demands: SourceDemand[] = [];
    for (const [id, snap] of snapshots) {
      const b = this.book(id);
      const heating = b.view.heating;
      const ageMs = dataNow - snap.oldestTs;
      if (ageMs > staleMs) {
        report.stale.push(id);
        this.markStale(b, ageMs, now);
        continue;
      }
      // Fresh again: the loop's own memory is still good, and the envelope's step keeps the first write small.
      if (b.state === 'stale') this.deps.logger.info({ event: 'control_inputs_fresh', substation: id }, 'inputs fresh again: loop resumes');
      const inputs = snap.inputs;
      const outdoor = effectiveOutdoorC(inputs.outdoorC, forecastC, this.config.forecast?.weight ?? 0);
      const mode = this.effectiveMode(b);
      if (b.needsTakeOver || mode === 'manual' || inputs.mode === 'manual') {
        b.memory = bumplessMemory(this.config, heating, outdoor, inputs, b.memory);
        b.needsTakeOver = mode === 'manual' || inputs.mode === 'manual';
      }
      const dtS = b.lastStepMs === undefined ? 0 : Math.max(0, (now - b.lastStepMs) / 1000);
      b.lastStepMs = now;
      const result = balanceStep(this.config, heating, outdoor, inputs, b.memory, dtS);
      b.memory = result.memory;
      b.state = now < b.heldUntilMs ? 'held' : 'ok';
      const keepAlive = this.keepAlive(b, inputs, now);
      const proposal = result.proposal ?? keepAlive;
      const enveloped = proposal ? applyEnvelope(this.config.envelope, { tag: proposal.tag, proposed: proposal.value, current: currentOf(inputs, proposal.tag), lastWriteMs: b.lastWriteMs.get(proposal.tag), nowMs: now }) : undefined;
      const next = proposal && enveloped?.ok ? { tag: proposal.tag, value: enveloped.value, why: enveloped.limited.length > 0 ? `${proposal.why}; limited by ${enveloped.limited.join(', ')}` : proposal.why } : null;
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
      };
      if (mode !== 'manual' && inputs.mode !== 'manual') demands.push({ inputs, supplyTargetC: result.supplyTargetC });
      if (!next) continue;
      if (mode === 'advisory') {
        report.advised++;
        continue;
      }
      if (mode === 'manual' || b.state === 'held') continue;
      writes.push(this.write(b, inputs, next, report, now));
    }
    await Promise.all(writes);
    this.sourceAdvice = sourceReset(this.sourceAdvice.offsetK, demands, this.config.source_max_offset_k, this.lastCycleMs === undefined ? 0 : (now - this.lastCycleMs) / 1000);
    this.lastCycleMs = now;
    return report;
  }

  /** Remote mode: the PLC falls back to local after 15 min of silence, so an unchanged valve is written again. */
  private keepAlive(b: Book, inputs: SubstationInputs, now: number): Proposal | undefined {
    if (inputs.mode !== 'remote') return undefined;
    const last = b.lastWriteMs.get('primary.valve_setpoint');
    if (last !== undefined && now - last < this.config.keepalive_s * 1000) return undefined;
    return { tag: 'primary.valve_setpoint', value: inputs.valveSetpointPct, why: 'keep-alive: the PLC watchdog needs the centre within 15 min' };
  }

  private markStale(b: Book, ageMs: number, now: number): void {
    b.view = { ...b.view, state: 'stale', next: null, note: `inputs ${Math.round(ageMs / 1000)} s old` };
    if (b.state === 'stale') return;
    b.state = 'stale';
    const why = `inputs ${Math.round(ageMs / 1000)} s old (> 3 × ${this.config.input_period_s} s): loop frozen for this substation`;
    this.deps.logger.warn({ event: 'control_stale', code: 'HS_ERR_CONTROL_STALE', substation: b.view.id, ageS: Math.round(ageMs / 1000) }, why);
    this.deps.audit.record({ ts: now, substation: b.view.id, tag: 'stale', actor: this.config.actor, oldValue: null, newValue: null, why, outcome: 'event', code: 'HS_ERR_CONTROL_STALE', requestId: null });
  }

  private async write(b: Book, inputs: SubstationInputs, next: { tag: EnvelopedTag; value: number; why: string }, report: CycleReport, now: number): Promise<void> {
    const id = b.view.id;
    const requestId = `ctl-${randomUUID()}`;
    const old = currentOf(inputs, next.tag);
    b.lastWriteMs.set(next.tag, now);
    const outcome = await this.deps.actuator.send({ requestId, substation: id, tag: next.tag, value: next.value, actor: this.config.actor });
    this.deps.audit.record({
      ts: now,
      substation: id,
      tag: next.tag,
      actor: this.config.actor,
      oldValue: old,
      newValue: outcome.ok ? outcome.value : next.value,
      why: outcome.ok ? next.why : `${next.why}; refused: ${outcome.reason}`,
      outcome: outcome.ok ? 'accepted' : 'refused',
      code: outcome.ok ? null : outcome.code,
      requestId,
    });
    b.view = { ...b.view, lastWrite: outcome.ok ? { tag: next.tag, value: outcome.value, ts: now, ok: true } : { tag: next.tag, value: next.value, ts: now, ok: false, code: outcome.code } };
    if (outcome.ok) {
      report.written++;
      if (next.tag === 'primary.valve_setpoint') b.memory = { ...b.memory, lastMove: { deltaPct: outcome.value - old, supplyC: inputs.supplyC } };
      this.deps.logger.info({ event: 'control_write', substation: id, tag: next.tag, old, value: outcome.value, requestId }, next.why);
      return;
    }
    // Refused: reported and held, not retried blindly; a hand-back or the hold's end lets it try again.
    report.refused++;
    b.heldUntilMs = now + this.config.refused_hold_s * 1000;
    b.state = 'held';
    b.view = { ...b.view, state: 'held', note: `${outcome.code}: ${outcome.reason}` };
    this.deps.logger.warn({ event: 'control_refused', code: 'HS_ERR_CONTROL_REFUSED', plcCode: outcome.code, substation: id, tag: next.tag, value: next.value, requestId }, outcome.reason);
  }
}

function currentOf(inputs: SubstationInputs, tag: EnvelopedTag): number {
  switch (tag) {
    case 'primary.valve_setpoint':
      return inputs.valveSetpointPct;
    case 'secondary.supply_temp_setpoint':
      return inputs.supplySetpointC;
    case 'pump.frequency_setpoint':
      return Number.NaN;
  }
}
