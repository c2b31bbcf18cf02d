// Reconciles the store against the simulator's served ledger: every heartbeat a PLC answered
// must be a stored point of that substation, with that value, stamped near the answer
// (matchWindowMs). A heartbeat answered inside a gap (a collector dead with what it had read, a historian
// or broker killed with a batch in memory) is counted apart, by reason, never silently.

import type { SubstationProtocol } from '../../simulators/plc-access.ts';

/** The heartbeat counts simulated seconds and wraps at 65536. */
const HEARTBEAT_WRAP = 65_536;

/**
 * How far a stored stamp may be from the answer: stamped by the collector (Modbus) or the server
 * (OPC UA) on this machine, so seconds apart at most even on a loaded machine; and well inside a
 * third of the heartbeat's wrap, so a value is never matched to the same value one wrap later.
 */
export function matchWindowMs(speed: number): number {
  return Math.min(20_000, ((HEARTBEAT_WRAP / speed) * 1000) / 3);
}

export interface ServedBeat {
  substation: string;
  heartbeat: number;
  ms: number;
}

export interface StoredBeat {
  ts: number;
  value: number;
  /** A bad point carries the last good value: it stores no answer. */
  good: boolean;
}

export interface LedgerGap {
  fromMs: number;
  toMs: number;
  reason: string;
  /** Only the substations of this protocol; all when absent. */
  protocol?: SubstationProtocol;
  /** Only this substation; all when absent. */
  substation?: string;
}

export interface Reconciliation {
  produced: number;
  stored: number;
  /** Answered inside a gap and not stored, by the gap's reason. */
  excused: Record<string, number>;
  lost: number;
  lostExamples: ServedBeat[];
}

/** Index of the first point at or after ts (points sorted by ts). */
function firstAtOrAfter(points: readonly StoredBeat[], ts: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].ts < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isStored(points: readonly StoredBeat[] | undefined, beat: ServedBeat, matchMs: number): boolean {
  if (!points) return false;
  for (let k = firstAtOrAfter(points, beat.ms - matchMs); k < points.length && points[k].ts <= beat.ms + matchMs; k++) {
    if (points[k].good && points[k].value === beat.heartbeat) return true;
  }
  return false;
}

export function reconcile(
  served: readonly ServedBeat[],
  stored: ReadonlyMap<string, readonly StoredBeat[]>,
  gaps: readonly LedgerGap[],
  protocolOf: (substation: string) => SubstationProtocol,
  matchMs: number,
): Reconciliation {
  const result: Reconciliation = { produced: served.length, stored: 0, excused: {}, lost: 0, lostExamples: [] };
  for (const beat of served) {
    if (isStored(stored.get(beat.substation), beat, matchMs)) {
      result.stored++;
      continue;
    }
    const gap = gaps.find(
      (g) => beat.ms >= g.fromMs && beat.ms <= g.toMs && (g.protocol === undefined || g.protocol === protocolOf(beat.substation)) && (g.substation === undefined || g.substation === beat.substation),
    );
    if (gap) {
      result.excused[gap.reason] = (result.excused[gap.reason] ?? 0) + 1;
    } else {
      result.lost++;
      if (result.lostExamples.length < 200) result.lostExamples.push(beat);
    }
  }
  return result;
}
