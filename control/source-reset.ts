import type { SubstationInputs } from './balance.ts';

// Trim and respond on the heat source's supply temperature: the one lever the valves cannot
// replace. Balancing throttles the near substations to what they need; when the far ones still
// cannot reach their supply target with the valve wide open, the network is short of
// temperature, not of valve, and only the source can help. The loop asks for a little more
// while any controlled valve is open and short, and gives it back while every valve has room —
// so the source runs as hot as the most demanding substation needs and no hotter. It asks
// slowly (3 K/h) and gives back more slowly still (1.2 K/h): the network takes hours to show
// what a source change did, and a request that swings with the day costs heat in the pipes.

export interface SourceDemand {
  inputs: SubstationInputs;
  supplyTargetC: number;
}

export interface SourceAdvice {
  /** Offset over the source's own outdoor curve, K. */
  offsetK: number;
  why: string;
}

/** A valve this far open has no control range left. */
export const VALVE_WIDE_OPEN_PCT = 97;

const SOURCE_RESET = {
  openPct: VALVE_WIDE_OPEN_PCT,
  roomPct: 90,
  shortK: 0.5,
  respondKPerH: 3,
  trimKPerH: 1.2,
} as const;

/** The next request, `dtS` after the previous one. */
export function sourceReset(previousK: number, demands: readonly SourceDemand[], maxK: number, dtS: number): SourceAdvice {
  const short = demands.filter((d) => d.inputs.valvePct >= SOURCE_RESET.openPct && d.supplyTargetC - d.inputs.supplyC > SOURCE_RESET.shortK);
  const widest = Math.max(0, ...demands.map((d) => d.inputs.valvePct));
  if (short.length > 0) {
    return { offsetK: Math.min(maxK, previousK + (SOURCE_RESET.respondKPerH * dtS) / 3600), why: `${short.length} substation(s) with the valve open and the supply short of target` };
  }
  if (widest < SOURCE_RESET.roomPct) return { offsetK: Math.max(0, previousK - (SOURCE_RESET.trimKPerH * dtS) / 3600), why: `every valve below ${SOURCE_RESET.roomPct} % (widest ${widest.toFixed(0)} %)` };
  return { offsetK: previousK, why: `widest valve ${widest.toFixed(0)} %: holding` };
}
