// The soak's timeline, planned before it starts: faults one after another, each held, cleared
// and followed by a quiet gap, with every role's hard kills spread evenly among them. A fault
// goes to the substation (of the protocol it needs) that has gone longest without one, so one
// fault's alarms do not stand over the next.

import { expectedAlarms } from '../../simulators/faults/expected-alarms.ts';
import type { FaultRequest } from '../../simulators/faults/schema.ts';
import type { SubstationProtocol } from '../../simulators/plc-access.ts';
import type { SoakFault } from './fault-kinds.ts';
import type { SoakRole } from './role-process.ts';

export type SoakStep =
  | { kind: 'fault'; request: FaultRequest; expect: readonly string[]; moveValve: boolean }
  | { kind: 'kill'; role: SoakRole };

export interface SoakPlanOptions {
  /** Wall seconds the timeline should fill. */
  durationS: number;
  holdS: number;
  gapS: number;
  /** Wall seconds a killed role takes to be back, as planned (the run waits for it anyway). */
  restartS: number;
  roles: readonly SoakRole[];
  killsPerRole: number;
  faults: readonly SoakFault[];
  substations: readonly { id: string; protocol: SubstationProtocol }[];
  seed: number;
}

/** A small deterministic generator: the same seed plans the same soak. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export function planSoak(o: SoakPlanOptions): SoakStep[] {
  if (o.faults.length === 0 || o.substations.length === 0) throw new Error('a soak needs faults and substations');
  const next = random(o.seed);
  const kills: SoakRole[] = [];
  for (let k = 0; k < o.killsPerRole; k++) {
    const round = [...o.roles];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [round[i], round[j]] = [round[j], round[i]];
    }
    kills.push(...round);
  }
  const killTimeS = kills.length * (o.restartS + o.gapS);
  const faultSlots = Math.max(o.faults.length, Math.floor((o.durationS - killTimeS) / (o.holdS + o.gapS)));

  const lastUsed = new Map(o.substations.map((s, k) => [s.id, -1 - k]));
  const pick = (on: SoakFault['on'], slot: number): string | undefined => {
    if (on === undefined) return undefined;
    const candidates = o.substations.filter((s) => on === 'any' || s.protocol === on);
    if (candidates.length === 0) throw new Error(`no ${on} substation for a fault that needs one`);
    const chosen = candidates.reduce((a, b) => (lastUsed.get(b.id)! < lastUsed.get(a.id)! ? b : a));
    lastUsed.set(chosen.id, slot);
    return chosen.id;
  };

  const steps: SoakStep[] = [];
  let killed = 0;
  for (let slot = 0; slot < faultSlots; slot++) {
    const fault = o.faults[slot % o.faults.length];
    const substation = pick(fault.on, slot);
    steps.push({ kind: 'fault', request: { ...fault.request, ...(substation === undefined ? {} : { substation }) }, expect: expectedAlarms(fault.request.kind), moveValve: fault.moveValve === true });
    // Kills evenly among the faults: after slot s when the share of kills due by then grows.
    const due = Math.floor(((slot + 1) * kills.length) / faultSlots);
    while (killed < due) steps.push({ kind: 'kill', role: kills[killed++] });
  }
  return steps;
}
