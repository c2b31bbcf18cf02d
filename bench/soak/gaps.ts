// When an answered heartbeat may rightly be missing from the store: the moments a role died
// holding it in memory, and a Modbus answer that came after the collector had given up on it.
// Every other heartbeat must be stored.

import type { SubstationProtocol } from '../../simulators/plc-access.ts';
import type { LedgerGap, StoredBeat } from './ledger.ts';
import type { RoleLife, SoakRole } from './role-process.ts';

/**
 * Around a kill: what the killed role had read, batched or acknowledged but not yet passed on,
 * and what reached it before the others saw it die (the broker's will, a closed socket).
 */
export const IN_FLIGHT_MS = 3000;
/**
 * After a collector dies, its OPC UA sessions live on in the server until their subscriptions
 * expire (collectors/opcua/session.ts: lifetime 100 × 1 s publishing), sampling for nobody.
 */
export const OPCUA_ORPHAN_MS = 110_000;

export function killGaps(lives: ReadonlyMap<SoakRole, readonly RoleLife[]>): LedgerGap[] {
  const gaps: LedgerGap[] = [];
  for (const [role, roleLives] of lives) {
    roleLives.forEach((life, k) => {
      if (!life.killed || life.endedMs === undefined) return;
      const killMs = life.endedMs;
      const back = roleLives[k + 1]?.readyMs ?? Number.POSITIVE_INFINITY;
      if (role === 'collect') {
        gaps.push({ fromMs: killMs - IN_FLIGHT_MS, toMs: back + IN_FLIGHT_MS, reason: 'collector killed: read, not yet published' });
        gaps.push({ fromMs: killMs - IN_FLIGHT_MS, toMs: Math.max(back, killMs + OPCUA_ORPHAN_MS), reason: "OPC UA sampling for a killed collector's session", protocol: 'opcua' });
      } else if (role === 'simulate') {
        // A Modbus answer leaves at once; an OPC UA sample waits in the server for the next publish.
        gaps.push({ fromMs: killMs - IN_FLIGHT_MS, toMs: killMs, reason: 'OPC UA samples queued in a killed simulator', protocol: 'opcua' });
      } else if (role === 'historian' || role === 'broker') {
        gaps.push({ fromMs: killMs - IN_FLIGHT_MS, toMs: killMs + IN_FLIGHT_MS, reason: `${role} killed: in flight or batched` });
      }
    });
  }
  return gaps;
}

/**
 * A Modbus PLC that answers after the collector's timeout (a simulator stalled by a busy machine)
 * has served the registers, but the collector has given up and stored the tag as bad; the late
 * answer is dropped, as Modbus clients do. Each stored bad heartbeat of a Modbus substation
 * covers the answers served during the request it ended.
 */
export function lateAnswerGaps(stored: ReadonlyMap<string, readonly StoredBeat[]>, protocolOf: (substation: string) => SubstationProtocol, timeoutMs: number): LedgerGap[] {
  const gaps: LedgerGap[] = [];
  for (const [substation, beats] of stored) {
    if (protocolOf(substation) !== 'modbus') continue;
    for (const b of beats) {
      if (!b.good) gaps.push({ fromMs: b.ts - timeoutMs - LATE_ANSWER_SLACK_MS, toMs: b.ts, reason: "Modbus answered after the collector's timeout: stored as a bad reading", protocol: 'modbus', substation });
    }
  }
  return gaps;
}

/** The request left a little before the timeout started counting (the poll's other requests). */
const LATE_ANSWER_SLACK_MS = 200;
