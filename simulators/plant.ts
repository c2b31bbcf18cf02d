import { HeatScadaError } from '../model/errors.ts';
import { isSeasonPhase, SEASON_PHASES, type SeasonEvent, type SeasonPhase } from '../model/season.ts';
import { secondarySupplyC } from '../model/supply-curve.ts';
import { ControlMode, inRange, isTagName, tagDefinition, type ControlModeValue, type TagName } from '../model/tags.ts';
import { FaultBook } from './faults/fault-book.ts';
import type { ActiveFault, FaultRequest, Scenario, SeasonCommand } from './faults/schema.ts';
import type { Network } from './network/schema.ts';
import { compileNetwork, type CompiledNetwork } from './physics/compile.ts';
import { coldStart, enterPhase, lightSourceIfHot } from './physics/season.ts';
import { PHASE_CODE, phaseOfCode } from './physics/season-phase.ts';
import { initialState, type PlantState } from './physics/state.ts';
import { sourceSupplyTarget, step } from './physics/step.ts';
import { outdoorTemperature } from './physics/weather.ts';
import type { ModbusAnswer, PlcAccess, PlcWriteResult, ServerFaultChange, SubstationProtocol } from './plc-access.ts';
import { TAG_VALUES } from './plc/tag-values.ts';

export interface PlantOptions {
  /** Simulated wall-clock time at the start, ms UTC. */
  startMs: number;
  /** Fixed physics step, s: the same steps for the same seed, however fast the clock runs. */
  stepS?: number;
  mode?: ControlModeValue;
  valvePct?: number;
  pumpHz?: number;
  scenario?: Scenario;
  /** Simulated time run before the start so loops and temperatures have settled, s. */
  warmUpS?: number;
  /**
   * The true time on the wall, ms UTC, that the PLCs' clocks keep (plus what a clock fault adds);
   * Date.now unless given. Not the simulated time: that may run many times faster.
   */
  wallClock?: () => number;
}

export interface PlantSummary {
  timeMs: number;
  elapsedS: number;
  outdoorC: number;
  sourceSupplyC: number;
  sourceReturnC: number;
  sourceFlowM3h: number;
  sourceHeatMW: number;
  substationHeatMW: number;
  pipeLossMW: number;
  substations: number;
  answering: number;
}

type AnswersListener = (substation: string, answers: boolean) => void;
type ServerFaultListener = (change: ServerFaultChange) => void;

/** A season command carried out now, or kept for its time. */
export interface SeasonChange {
  phase: SeasonPhase;
  substations: string[];
  /** Simulated seconds since the start at which it takes (or took) effect. */
  at_s: number;
  scheduled: boolean;
}

/** A season start plays in its own (autumn) weather when it names one. */
function inSeasonWeather(spec: Network, scenario: Scenario | undefined): Network {
  const mean = scenario?.season_start?.outdoor_mean_c;
  return mean === undefined ? spec : { ...spec, weather: { ...spec.weather, mean_c: mean } };
}

/** The running plant: physics, PLCs and faults behind the PlcAccess the protocol servers use. */
export class Plant implements PlcAccess {
  readonly net: CompiledNetwork;
  readonly faults: FaultBook;
  readonly stepS: number;
  state: PlantState;
  /** The previous state's buffers, reused for the next step. */
  private spare: PlantState | undefined;
  private readonly listeners = new Set<AnswersListener>();
  private readonly serverFaultListeners = new Set<ServerFaultListener>();
  /** The OPC UA server faults in force, by fault id, as last told to listeners. */
  private readonly serverFaults = new Map<number, ServerFaultChange>();
  private readonly answering: boolean[];
  private readonly wallClock: () => number;

  constructor(readonly spec: Network, options: PlantOptions) {
    this.net = compileNetwork(inSeasonWeather(spec, options.scenario));
    this.faults = new FaultBook(this.net, options.scenario);
    this.stepS = options.stepS ?? 1;
    this.wallClock = options.wallClock ?? Date.now;
    const warmUpS = options.warmUpS ?? 3 * 3600;
    const startOutdoorC = outdoorTemperature(this.net.spec.weather, options.startMs, 0);
    this.state = initialState(this.net, {
      startMs: options.startMs - warmUpS * 1000,
      mode: options.mode ?? ControlMode.local,
      valvePct: options.valvePct ?? 70,
      pumpHz: options.pumpHz ?? 45,
      outdoorC: startOutdoorC,
      supplyC: sourceSupplyTarget(this.net, startOutdoorC),
      supplySetpointC: (i) =>
        secondarySupplyC(
          {
            indoorC: this.net.designIndoorC[i],
            designOutdoorC: spec.weather.design_outdoor_c,
            designSupplyC: this.net.designSecondarySupplyC[i],
            designReturnC: this.net.designSecondaryReturnC[i],
            b: 0.3,
          },
          startOutdoorC,
        ),
    });
    // Settle with coarse steps, then restart the clocks at the start time.
    const coarse = Math.min(30, Math.max(this.stepS, 1));
    for (let t = 0; t < warmUpS; t += coarse) this.state = step(this.net, this.state, coarse);
    this.state.timeMs = options.startMs;
    this.state.elapsedS = 0;
    this.state.historyTimeS = 0;
    this.state.heartbeatS.fill(0);
    this.state.centreSilentS.fill(0);
    this.answering = this.net.ids.map(() => true);
    if (options.scenario?.season_start) coldStart(this.net, this.state, options.scenario.season_start.indoor_c);
    this.applySeason(this.faults.advance(0).season);
    this.refreshFaults();
  }

  get substationIds(): readonly string[] {
    return this.net.ids;
  }

  get elapsedS(): number {
    return this.state.elapsedS;
  }

  get timeMs(): number {
    return this.state.timeMs;
  }

  /** Runs the physics forward by whole steps covering `seconds`. */
  advance(seconds: number): void {
    const steps = Math.round(seconds / this.stepS);
    for (let k = 0; k < steps; k++) {
      const previous = this.state;
      this.state = step(this.net, previous, this.stepS, this.spare);
      this.spare = previous;
      const changed = this.faults.advance(this.state.elapsedS);
      if (changed.started.length > 0 || changed.ended.length > 0) this.refreshFaults();
      if (changed.season.length > 0) this.applySeason(changed.season);
    }
  }

  /**
   * Puts the loops of `substations` (or all) into a season phase, now or at `atS` simulated
   * seconds after the start. The source is lit while any loop is `hot`.
   */
  setSeasonPhase(substations: readonly string[] | 'all', phase: SeasonPhase, atS?: number): SeasonChange {
    return this.commandSeason({ phase, ...(substations === 'all' ? {} : { substations: [...substations] }) }, atS);
  }

  /** A season command as the scenario and the admin endpoint give it (substations, an area or all). */
  commandSeason(command: SeasonCommand, atS?: number): SeasonChange {
    if (!isSeasonPhase(command.phase)) {
      throw new HeatScadaError('HS_ERR_SEASON_EVENT_INVALID', `"${String(command.phase)}" is none of ${SEASON_PHASES.join(', ')}`, '/phase');
    }
    const targets = this.faults.seasonTargets(command, '');
    const substations = targets.map((i) => this.net.ids[i]);
    if (atS !== undefined && atS > this.state.elapsedS) {
      this.faults.scheduleSeason({ at_s: atS, ...command });
      return { phase: command.phase, substations, at_s: atS, scheduled: true };
    }
    for (const i of targets) enterPhase(this.net, this.state, i, PHASE_CODE[command.phase]);
    lightSourceIfHot(this.state);
    return { phase: command.phase, substations, at_s: this.state.elapsedS, scheduled: false };
  }

  seasonPhaseOf(substation: string): SeasonPhase {
    return phaseOfCode(this.state.seasonPhase[this.indexOf(substation)]);
  }

  /** Every loop's phase, the source's state and the phase changes still to come. */
  season(): { sourceLit: boolean; phases: Record<string, SeasonPhase>; pending: SeasonEvent[] } {
    return {
      sourceLit: this.state.sourceLit === 1,
      phases: Object.fromEntries(this.net.ids.map((id, i) => [id, phaseOfCode(this.state.seasonPhase[i])])),
      pending: this.faults.seasonTimeline(),
    };
  }

  protocolOf(substation: string): SubstationProtocol {
    return this.spec.substations[this.indexOf(substation)].protocol;
  }

  read(substation: string, tag: TagName): number | boolean {
    const i = this.indexOf(substation);
    if (tag === 'plc.clock') return Math.floor((this.wallClock() + this.faults.clockOffsetMs(substation, this.state.elapsedS)) / 1000);
    const value = TAG_VALUES[tag](this.state, i, this.net);
    return typeof value === 'number' ? this.faults.sensorReading(substation, tag, value, this.state.elapsedS) : value;
  }

  write(substation: string, tag: TagName, value: number): PlcWriteResult {
    const i = this.net.indexOf.get(substation);
    if (i === undefined) return { ok: false, code: 'HS_ERR_UNKNOWN_SUBSTATION', reason: `no substation ${substation}` };
    if (!isTagName(tag)) return { ok: false, code: 'HS_ERR_UNKNOWN_TAG', reason: `no tag ${String(tag)}` };
    if (!this.answers(substation)) return { ok: false, code: 'HS_ERR_PLC_OFFLINE', reason: `${substation} does not answer` };
    const def = tagDefinition(tag);
    if (!def.writable) return { ok: false, code: 'HS_ERR_NOT_WRITABLE', reason: `${tag} is read-only` };
    if (!inRange(def, value)) {
      return { ok: false, code: 'HS_ERR_OUT_OF_RANGE', reason: `${tag} = ${value} is outside ${def.min}–${def.max} ${def.unit}`.trim() };
    }
    const s = this.state;
    switch (tag) {
      case 'primary.valve_setpoint':
        if (s.mode[i] === ControlMode.local) {
          return { ok: false, code: 'HS_ERR_PLC_MODE', reason: `${substation} is in local mode: its own loop drives the valve` };
        }
        s.valveSetpointPct[i] = value;
        break;
      case 'secondary.supply_temp_setpoint':
        s.supplySetpointC[i] = value;
        break;
      case 'pump.frequency_setpoint':
        s.pumpSetpointHz[i] = value;
        break;
      case 'control.mode_setpoint':
        s.modeSetpoint[i] = value;
        s.mode[i] = value;
        break;
      default:
        return { ok: false, code: 'HS_ERR_NOT_WRITABLE', reason: `${tag} is read-only` };
    }
    // Any accepted write is the centre speaking: it feeds the remote-mode watchdog.
    s.centreSilentS[i] = 0;
    return { ok: true, value };
  }

  answers(substation: string): boolean {
    this.indexOf(substation);
    return this.faults.answers(substation);
  }

  onAnswersChange(listener: AnswersListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  badStatus(substation: string, tag: TagName): boolean {
    return this.faults.badStatus(substation, tag);
  }

  modbusAnswer(substation: string): ModbusAnswer {
    return this.faults.modbusAnswer(substation);
  }

  onServerFault(listener: ServerFaultListener): () => void {
    this.serverFaultListeners.add(listener);
    return () => this.serverFaultListeners.delete(listener);
  }

  injectFault(request: FaultRequest): ActiveFault {
    const fault = this.faults.inject(request, this.state.elapsedS);
    this.refreshFaults();
    return fault;
  }

  clearFault(id: number): ActiveFault {
    const fault = this.faults.clear(id);
    this.refreshFaults();
    return fault;
  }

  summary(): PlantSummary {
    const s = this.state;
    return {
      timeMs: s.timeMs,
      elapsedS: s.elapsedS,
      outdoorC: s.outdoorC,
      sourceSupplyC: s.sourceSupplyC,
      sourceReturnC: s.sourceReturnC,
      sourceFlowM3h: s.sourceFlowM3s * 3600,
      sourceHeatMW: s.sourceHeatW / 1e6,
      substationHeatMW: s.heatW.reduce((a, b) => a + b, 0) / 1e6,
      pipeLossMW: (s.supplyLossW + s.returnLossW) / 1e6,
      substations: this.net.n,
      answering: this.answering.filter(Boolean).length,
    };
  }

  private indexOf(substation: string): number {
    const i = this.net.indexOf.get(substation);
    if (i === undefined) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', `"${substation}"`);
    return i;
  }

  /** Each OPC UA server fault once when it starts and once when it ends. */
  private tellServerFaults(): void {
    const now = new Map<number, ServerFaultChange>();
    for (const f of this.faults.list()) {
      if ((f.kind === 'opcua_new_certificate' || f.kind === 'opcua_session_drop') && f.substation !== undefined) {
        now.set(f.id, { substation: f.substation, kind: f.kind, active: true });
      }
    }
    const changes: ServerFaultChange[] = [];
    for (const [id, change] of this.serverFaults) if (!now.has(id)) changes.push({ ...change, active: false });
    for (const [id, change] of now) if (!this.serverFaults.has(id)) changes.push(change);
    this.serverFaults.clear();
    for (const [id, change] of now) this.serverFaults.set(id, change);
    for (const change of changes) for (const listener of this.serverFaultListeners) listener(change);
  }

  private applySeason(events: readonly SeasonEvent[]): void {
    for (const { at_s: _at, ...command } of events) this.commandSeason(command);
  }

  /** Pushes the faults into the physics inputs and tells listeners who stopped or resumed answering. */
  private refreshFaults(): void {
    this.faults.applyTo(this.state);
    this.tellServerFaults();
    this.net.ids.forEach((id, i) => {
      const now = this.faults.answers(id);
      if (now !== this.answering[i]) {
        this.answering[i] = now;
        for (const listener of this.listeners) listener(id, now);
      }
    });
  }
}
