import { HeatScadaError } from '../../model/errors.ts';
import type { SeasonEvent } from '../../model/season.ts';
import { tagDefinition, type TagName } from '../../model/tags.ts';
import type { CompiledNetwork } from '../physics/compile.ts';
import type { PlantState } from '../physics/state.ts';
import type { ModbusAnswer } from '../plc-access.ts';
import { NETWORK_FAULTS, PROTOCOL_FAULTS, SENSOR_FAULTS, VALUE_FAULTS, type ActiveFault, type FaultKind, type FaultRequest, type Scenario, type SeasonCommand } from './schema.ts';

const LEAK_FULL_M3H = 10;
const CLOG_FULL = 20;
const DRIFT_FULL_K_PER_H = 10;
const SPIKE_FULL_K = 30;
const SNAP_FULL_K = 15;
/** A spiking sensor shows one wild sample every this many seconds. */
const SPIKE_PERIOD_S = 120;
/** A jumping value steps up for a minute, back for a minute, and so on. */
const JUMP_PERIOD_S = 60;
const JUMP_FULL_SPAN = 0.3;
/** An out-of-range value lies at least this share of the tag's span past its top. */
const OUT_OF_RANGE_MIN_SPAN = 0.05;
const CLOCK_DRIFT_FULL_S_PER_H = 600;
const CLOCK_JUMP_FULL_S = 3600;
const DEFAULT_SENSOR_TAG: TagName = 'secondary.supply_temp';
/** The frozen-sensor rule leaves the regulated secondary supply out (its loop holds it still): a stuck sensor is shown on the return. */
const DEFAULT_TAG_OF: Partial<Record<FaultKind, TagName>> = { sensor_frozen: 'secondary.return_temp', value_stuck: 'secondary.return_temp' };

/** Shared by every step without a season event, so the hot path allocates nothing for it. */
const NO_EVENTS: readonly SeasonEvent[] = [];

/**
 * The faults in force: started from a scenario timeline or by hand, ended by time or by hand.
 * It turns them into the plant's fault inputs and distorts sensor readings. It also keeps the
 * scenario's season timeline (and phases commanded for later), handing each out when it is due.
 */
export class FaultBook {
  private nextId = 1;
  private readonly active = new Map<number, ActiveFault>();
  private readonly frozenAt = new Map<number, number>();
  private pending: Scenario['faults'];
  private seasonPending: SeasonEvent[] = [];

  constructor(
    private readonly net: CompiledNetwork,
    scenario: Scenario = { faults: [] },
  ) {
    scenario.faults.forEach((f, k) => this.check(f, `/faults/${k}`));
    (scenario.season ?? []).forEach((e, k) => this.seasonTargets(e, `/season/${k}`));
    this.pending = [...scenario.faults].sort((a, b) => a.at_s - b.at_s);
    this.seasonPending = [...(scenario.season ?? [])].sort((a, b) => a.at_s - b.at_s);
  }

  /** The season phases still to come, in time order. */
  seasonTimeline(): SeasonEvent[] {
    return [...this.seasonPending];
  }

  /** Keeps a phase change for its time (checked now: a bad one is refused, not dropped later). */
  scheduleSeason(event: SeasonEvent): void {
    this.seasonTargets(event, '');
    const after = this.seasonPending.findIndex((e) => e.at_s > event.at_s);
    this.seasonPending.splice(after < 0 ? this.seasonPending.length : after, 0, event);
  }

  /**
   * The substation indices a season command names: its substations, its area's, or all of
   * them. A name the network does not know is refused with its path.
   */
  seasonTargets(command: SeasonCommand, at: string): number[] {
    const { substations, area } = command;
    if (substations !== undefined && area !== undefined) {
      throw new HeatScadaError('HS_ERR_SEASON_EVENT_INVALID', 'name substations or an area, not both', `${at}/area`);
    }
    if (substations !== undefined) {
      return substations.map((id, k) => {
        const i = this.net.indexOf.get(id);
        if (i === undefined) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', `"${id}"`, `${at}/substations/${k}`);
        return i;
      });
    }
    if (area !== undefined) {
      const inArea = this.net.spec.substations.flatMap((sub, i) => (sub.area?.zh === area || sub.area?.en === area ? [i] : []));
      if (inArea.length === 0) throw new HeatScadaError('HS_ERR_SEASON_EVENT_INVALID', `no substation lies in area "${area}"`, `${at}/area`);
      return inArea;
    }
    return this.net.ids.map((_, i) => i);
  }

  list(): ActiveFault[] {
    return [...this.active.values()];
  }

  /** Starts a fault now; says which field is wrong if it cannot be started. */
  inject(request: FaultRequest, nowS: number): ActiveFault {
    this.check(request, '');
    const needsTag = SENSOR_FAULTS.includes(request.kind);
    const fault: ActiveFault = {
      ...request,
      ...(needsTag ? { tag: request.tag ?? DEFAULT_TAG_OF[request.kind] ?? DEFAULT_SENSOR_TAG } : {}),
      id: this.nextId++,
      startedS: nowS,
      endsS: request.duration_s === undefined ? null : nowS + request.duration_s,
    };
    this.active.set(fault.id, fault);
    return fault;
  }

  clear(id: number): ActiveFault {
    const fault = this.active.get(id);
    if (!fault) throw new HeatScadaError('HS_ERR_NOT_FOUND', `no active fault ${id}`);
    this.active.delete(id);
    this.frozenAt.delete(id);
    return fault;
  }

  /** Starts what the timeline has due and ends what has run its time. Returns what changed and the season phases now due. */
  advance(nowS: number): { started: ActiveFault[]; ended: ActiveFault[]; season: readonly SeasonEvent[] } {
    const started: ActiveFault[] = [];
    while (this.pending.length > 0 && this.pending[0].at_s <= nowS) {
      const { at_s: _at, ...request } = this.pending.shift()!;
      started.push(this.inject(request, nowS));
    }
    const ended = this.list().filter((f) => f.endsS !== null && f.endsS <= nowS);
    for (const f of ended) this.clear(f.id);
    let due = 0;
    while (due < this.seasonPending.length && this.seasonPending[due].at_s <= nowS) due++;
    return { started, ended, season: due === 0 ? NO_EVENTS : this.seasonPending.splice(0, due) };
  }

  /** Writes the fault inputs of the physics into the state. */
  applyTo(state: PlantState): void {
    state.powerOff.fill(0);
    state.pumpTrip.fill(0);
    state.valveStuck.fill(0);
    state.leakM3s.fill(0);
    state.filterClog.fill(1);
    state.sourceTrip = 0;
    state.coldSnapK = 0;
    for (const f of this.active.values()) {
      const severity = f.severity ?? 1;
      const i = f.substation === undefined ? -1 : this.net.indexOf.get(f.substation)!;
      switch (f.kind) {
        case 'power_loss': state.powerOff[i] = 1; break;
        case 'pump_trip': state.pumpTrip[i] = 1; break;
        case 'valve_stuck': state.valveStuck[i] = 1; break;
        case 'leak': state.leakM3s[i] += (severity * LEAK_FULL_M3H) / 3600; break;
        case 'filter_clog': state.filterClog[i] *= 1 + CLOG_FULL * severity; break;
        case 'source_trip': state.sourceTrip = Math.max(state.sourceTrip, severity); break;
        case 'cold_snap': state.coldSnapK += severity * SNAP_FULL_K; break;
        default: break; // sensor and link faults act on what the PLC reports, not on the plant
      }
    }
  }

  /** False while a substation has no power or its PLC link is down. */
  answers(substation: string): boolean {
    for (const f of this.active.values()) {
      if (f.substation === substation && (f.kind === 'power_loss' || f.kind === 'comm_loss')) return false;
    }
    return true;
  }

  /** What a faulty sensor shows instead of the true value. */
  sensorReading(substation: string, tag: TagName, trueValue: number, nowS: number): number {
    let value = trueValue;
    for (const f of this.active.values()) {
      if (f.substation !== substation || f.tag !== tag) continue;
      const age = nowS - f.startedS;
      const severity = f.severity ?? 1;
      const span = (): number => tagDefinition(tag).max - tagDefinition(tag).min;
      if (f.kind === 'sensor_frozen' || f.kind === 'value_stuck') {
        if (!this.frozenAt.has(f.id)) this.frozenAt.set(f.id, trueValue);
        value = this.frozenAt.get(f.id)!;
      } else if (f.kind === 'sensor_drift') {
        value += (severity * DRIFT_FULL_K_PER_H * age) / 3600;
      } else if (f.kind === 'sensor_spike' && Math.floor(age) % SPIKE_PERIOD_S === 0) {
        value += severity * SPIKE_FULL_K;
      } else if (f.kind === 'value_jump' && Math.floor(age / JUMP_PERIOD_S) % 2 === 0) {
        value += severity * JUMP_FULL_SPAN * span();
      } else if (f.kind === 'value_out_of_range') {
        value = tagDefinition(tag).max + Math.max(OUT_OF_RANGE_MIN_SPAN, severity) * span();
      } else if (f.kind === 'value_nan') {
        value = Number.NaN;
      }
    }
    return value;
  }

  /** Whether the PLC flags the tag's input as failed (OPC UA: a bad StatusCode). */
  badStatus(substation: string, tag: TagName): boolean {
    for (const f of this.active.values()) if (f.kind === 'bad_status' && f.substation === substation && f.tag === tag) return true;
    return false;
  }

  /** How the substation's Modbus server answers a read now; an exception wins over a half answer. */
  modbusAnswer(substation: string): ModbusAnswer {
    let answer: ModbusAnswer = 'normal';
    for (const f of this.active.values()) {
      if (f.substation !== substation) continue;
      if (f.kind === 'modbus_exception') return 'exception';
      if (f.kind === 'modbus_half_answer') answer = 'half';
    }
    return answer;
  }

  /** How far the PLC's clock is ahead of the true time, ms: what its drift gained and its jumps added. */
  clockOffsetMs(substation: string, nowS: number): number {
    let offsetS = 0;
    for (const f of this.active.values()) {
      if (f.substation !== substation) continue;
      const severity = f.severity ?? 1;
      if (f.kind === 'plc_clock_drift') offsetS += (severity * CLOCK_DRIFT_FULL_S_PER_H * (nowS - f.startedS)) / 3600;
      else if (f.kind === 'plc_clock_jump') offsetS += severity * CLOCK_JUMP_FULL_S;
    }
    return offsetS * 1000;
  }

  private check(request: FaultRequest, at: string): void {
    const networkWide = NETWORK_FAULTS.includes(request.kind);
    if (!networkWide && request.substation === undefined) {
      throw new HeatScadaError('HS_ERR_FAULT_INVALID', `${request.kind} needs a substation`, `${at}/substation`);
    }
    if (request.substation !== undefined && !this.net.indexOf.has(request.substation)) {
      throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', `"${request.substation}"`, `${at}/substation`);
    }
    if (request.tag !== undefined && !SENSOR_FAULTS.includes(request.kind)) {
      throw new HeatScadaError('HS_ERR_FAULT_INVALID', `${request.kind} takes no tag`, `${at}/tag`);
    }
    if (request.tag !== undefined && VALUE_FAULTS.includes(request.kind)) {
      const def = tagDefinition(request.tag);
      if (def.kind !== 'measurement' || def.valueType !== 'number') {
        throw new HeatScadaError('HS_ERR_FAULT_INVALID', `${request.kind} needs a numeric measurement, not ${request.tag}`, `${at}/tag`);
      }
    }
    const protocol = PROTOCOL_FAULTS[request.kind];
    const i = request.substation === undefined ? undefined : this.net.indexOf.get(request.substation);
    if (protocol !== undefined && i !== undefined && this.net.spec.substations[i].protocol !== protocol) {
      throw new HeatScadaError('HS_ERR_FAULT_INVALID', `${request.kind} needs a substation served over ${protocol}; ${request.substation} is on ${this.net.spec.substations[i].protocol}`, `${at}/substation`);
    }
  }
}
