import type { ControlModeName } from '../model/tags.ts';
import type { ControlConfig, Heating } from './config-schema.ts';
import { returnTargetC, supplyTargetC, trimForSupply } from './curve.ts';
import type { EnvelopedTag } from './envelope.ts';
import type { Cause, NeedCause } from './reason.ts';

// One balancing step for one substation: a pure function of its (averaged) inputs, the loop's
// memory of it and the network's return floor. The outer loop is the same in both PLC modes: a
// trim shifts the weather curve, giving a secondary supply target. The trim is the indoor need
// (PI on the coldest sampled home where indoor sensors exist, else on the return against the
// curve's return) plus a return bias: an integrator that lifts a substation whose return sits
// below the network's floor (the most demanding substation's return less a band), so returns
// converge while every coldest home stays at or above its target. Local mode: the target is
// the PLC's setpoint and the PLC's own loop moves the valve. Remote mode: the loop moves the
// valve itself towards the target, by the substation's identified response.

export interface SubstationInputs {
  mode: ControlModeName;
  outdoorC: number;
  supplyC: number;
  returnC: number;
  indoorMinC: number | undefined;
  /** Average of the sampled homes; with the minimum it tells how far the coldest home sits below the average. */
  indoorAvgC: number | undefined;
  valvePct: number;
  valveSetpointPct: number;
  supplySetpointC: number;
}

export interface BalanceMemory {
  /** Integral part of the indoor trim, K (curve indoor units). */
  integralK: number;
  /** Return bias, K of trim (≥ 0): what the substation gets on top of its indoor need to keep its return at the network's floor. */
  returnBiasK: number;
  /** Identified secondary supply response, K per % of valve. */
  slopeKPerPct: number;
  /** The last valve move and the supply temperature when it was made, for identification. */
  lastMove: { deltaPct: number; supplyC: number } | undefined;
}

export interface Proposal {
  tag: EnvelopedTag;
  value: number;
  why: string;
}

export interface BalanceResult {
  supplyTargetC: number;
  returnTargetC: number;
  trimK: number;
  /** The indoor need alone (the trim without the return bias): what a common curve would have to give this substation. */
  needK: number;
  /** What drives the trim, as data (reason.ts words it: "coldest home 16.8 °C < 18.3 °C"): the head of the recommendation's reason. */
  cause: Cause;
  proposal: Proposal | undefined;
  memory: BalanceMemory;
}

export const INITIAL_SLOPE_K_PER_PCT = 0.5;
const SLOPE_LIMITS = [0.05, 5] as const;
/** Identification only trusts moves big enough to see through sensor noise. */
const MIN_IDENTIFY_MOVE_PCT = 1;
const IDENTIFY_WEIGHT = 0.3;
/** A remote valve goes this share of the way its identified response says: coupling with the neighbours does the rest. */
const VALVE_DAMPING = 0.5;
/** Supply errors smaller than this are left alone (deadband, K). */
const SUPPLY_DEADBAND_K = 0.3;

export function initialMemory(): BalanceMemory {
  return { integralK: 0, returnBiasK: 0, slopeKPerPct: INITIAL_SLOPE_K_PER_PCT, lastMove: undefined };
}

/**
 * Feedforward from the indoor sensors: the curve holds the average home near its indoor
 * temperature, so aiming the coldest home at the target means aiming the curve at the target
 * plus how far the coldest home sits below the average (a property of the buildings, measured).
 */
function feedforwardK(cfg: ControlConfig, inputs: SubstationInputs): number {
  if (inputs.indoorMinC === undefined || inputs.indoorAvgC === undefined) return 0;
  return Math.max(0, cfg.target_indoor_min_c + (inputs.indoorAvgC - inputs.indoorMinC) - cfg.curve.indoor_c);
}

/** The indoor-equivalent error: indoor where sensed, else the return against the curve's return (scaled to indoor kelvin). */
function trimError(cfg: ControlConfig, heating: Heating, inputs: SubstationInputs): { errorK: number; why: string; cause: NeedCause } {
  if (inputs.indoorMinC !== undefined) {
    const errorK = cfg.target_indoor_min_c - inputs.indoorMinC;
    return { errorK, why: `coldest home ${inputs.indoorMinC.toFixed(1)} °C, target ${cfg.target_indoor_min_c} °C`, cause: { kind: 'coldest_home', indoorC: inputs.indoorMinC, targetC: cfg.target_indoor_min_c } };
  }
  const target = returnTargetC(cfg.curve, heating, inputs.outdoorC);
  const perK = returnTargetC(cfg.curve, heating, inputs.outdoorC, 0.5) - returnTargetC(cfg.curve, heating, inputs.outdoorC, -0.5);
  const offK = inputs.returnC - target;
  return {
    errorK: (target - inputs.returnC) / Math.max(0.1, perK),
    why: `return ${inputs.returnC.toFixed(1)} °C, curve return ${target.toFixed(1)} °C`,
    cause: { kind: 'no_indoor', offK },
  };
}

/** The substation's return above the curve's return for its emitter at the measured outdoor temperature, K: the figure balancing equalises. */
export function returnDeviationK(cfg: ControlConfig, heating: Heating, inputs: SubstationInputs): number {
  return inputs.returnC - returnTargetC(cfg.curve, heating, inputs.outdoorC);
}

/**
 * The return bias integrator: up while the return is below the floor, down (to 0) while above.
 * Bounded by `return_bias_max_k`, so one substation with a hot return (a stuck valve, a
 * bypass) cannot heat the rest of the city by more than that.
 */
function returnBias(cfg: ControlConfig, heating: Heating, inputs: SubstationInputs, memory: BalanceMemory, dtS: number, floorDevK: number | undefined): number {
  if (floorDevK === undefined) return 0;
  const shortK = floorDevK - returnDeviationK(cfg, heating, inputs);
  const next = memory.returnBiasK + (shortK * dtS) / (cfg.return_integral_h * 3600);
  return Math.min(cfg.return_bias_max_k, Math.max(0, next));
}

/** Learns K per % from the last valve move, if it was big enough to tell. */
function identify(memory: BalanceMemory, supplyC: number): number {
  const move = memory.lastMove;
  if (!move || Math.abs(move.deltaPct) < MIN_IDENTIFY_MOVE_PCT) return memory.slopeKPerPct;
  const sample = (supplyC - move.supplyC) / move.deltaPct;
  if (!(sample >= SLOPE_LIMITS[0] && sample <= SLOPE_LIMITS[1])) return memory.slopeKPerPct;
  return (1 - IDENTIFY_WEIGHT) * memory.slopeKPerPct + IDENTIFY_WEIGHT * sample;
}

/**
 * One step. `dtS` is the time since the last step (the integrals'). `returnFloorDevK` is the
 * return deviation (returnDeviationK) the network asks every substation to reach at least;
 * undefined leaves the substation on its indoor need alone.
 */
export function balanceStep(cfg: ControlConfig, heating: Heating, curveOutdoorC: number, inputs: SubstationInputs, memory: BalanceMemory, dtS: number, returnFloorDevK?: number): BalanceResult {
  const { errorK, why, cause: indoorCause } = trimError(cfg, heating, inputs);
  const limit = cfg.trim_limit_k;
  const feedforward = feedforwardK(cfg, inputs);
  const proportional = feedforward + cfg.indoor_gain * errorK;
  const returnBiasK = returnBias(cfg, heating, inputs, memory, dtS, returnFloorDevK);
  // While the return bias holds a substation up, its homes are warmer than they need: the indoor
  // integral must not wind down meanwhile, or the two would drift apart and the bias would end
  // up carrying what the indoor loop should.
  const integrate = returnBiasK > 0 && errorK < 0 ? 0 : errorK;
  let integralK = memory.integralK + (cfg.indoor_gain * integrate * dtS) / (cfg.indoor_integral_h * 3600);
  // Anti-windup: the integral keeps only what the limited trim can use.
  integralK = Math.min(limit - Math.min(0, proportional), Math.max(-limit - Math.max(0, proportional), integralK));
  const trimK = Math.min(limit, Math.max(-limit, proportional + integralK + returnBiasK));
  const needK = Math.min(limit, Math.max(-limit, proportional + integralK));
  const supplyTarget = supplyTargetC(cfg.curve, heating, curveOutdoorC, trimK);
  const returnTarget = returnTargetC(cfg.curve, heating, curveOutdoorC);
  const bias = returnBiasK > 0 ? `; return bias +${returnBiasK.toFixed(2)} K towards the network's return` : '';
  const cause: Cause = { ...indoorCause, liftK: returnBiasK > 0 ? returnBiasK : null };
  const base = { supplyTargetC: supplyTarget, returnTargetC: returnTarget, trimK, needK, cause };
  const reason = `curve ${supplyTargetC(cfg.curve, heating, curveOutdoorC).toFixed(1)} °C at ${curveOutdoorC.toFixed(1)} °C outdoor, trim ${trimK >= 0 ? '+' : ''}${trimK.toFixed(2)} K (${why}${bias})`;

  if (inputs.mode === 'local') {
    const memoryOut = { ...memory, integralK, returnBiasK };
    if (Math.abs(supplyTarget - inputs.supplySetpointC) < SUPPLY_DEADBAND_K / 2) return { ...base, proposal: undefined, memory: memoryOut };
    return { ...base, proposal: { tag: 'secondary.supply_temp_setpoint', value: supplyTarget, why: reason }, memory: memoryOut };
  }
  if (inputs.mode === 'remote') {
    const slope = identify(memory, inputs.supplyC);
    const errorSupply = supplyTarget - inputs.supplyC;
    const delta = Math.abs(errorSupply) < SUPPLY_DEADBAND_K ? 0 : (VALVE_DAMPING * errorSupply) / slope;
    const memoryOut: BalanceMemory = { integralK, returnBiasK, slopeKPerPct: slope, lastMove: undefined };
    if (delta === 0) return { ...base, proposal: undefined, memory: memoryOut };
    return {
      ...base,
      proposal: { tag: 'primary.valve_setpoint', value: inputs.valveSetpointPct + delta, why: `supply ${inputs.supplyC.toFixed(1)} °C → ${supplyTarget.toFixed(1)} °C at ${slope.toFixed(2)} K/%; ${reason}` },
      memory: memoryOut,
    };
  }
  // Manual at the PLC: a person is at the panel; the loop only watches.
  return { ...base, proposal: undefined, memory: { ...memory, integralK, returnBiasK } };
}

/**
 * Memory for a bumpless take-over. Supply setpoint (local and manual PLC modes): the integral
 * that makes the first target the setpoint the PLC has now. Remote: valve moves are increments
 * from the PLC's valve setpoint, bumpless by construction, so only the identification restarts.
 */
export function bumplessMemory(cfg: ControlConfig, heating: Heating, curveOutdoorC: number, inputs: SubstationInputs, memory: BalanceMemory): BalanceMemory {
  if (inputs.mode === 'remote') return { ...memory, lastMove: undefined };
  const { errorK } = trimError(cfg, heating, inputs);
  const trimNow = trimForSupply(cfg.curve, heating, curveOutdoorC, inputs.supplySetpointC, cfg.trim_limit_k);
  return { ...memory, integralK: trimNow - feedforwardK(cfg, inputs) - cfg.indoor_gain * errorK - memory.returnBiasK, lastMove: undefined };
}
