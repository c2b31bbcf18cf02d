// Each substation's worst state, one colour for it, and the colour of a main by its supply
// temperature: the network picture's legend. The states are those the overview shows
// (api/live status), the priority of the worst active alarm (alarms-api.ts) and cold homes.

import { PRIORITY_COLOURS, type Alarm, type Priority } from './alarms-api.ts';
import type { Status } from './api.ts';
import type { MessageKey } from './i18n.ts';

/** The legal floor for indoor temperature; below it a home gets a refund. */
export const COLD_C = 18;

/** Worst first. `alarm` is the live status (power lost, pump fault) without an alarm of the engine. */
export const WORST_STATES = ['critical', 'high', 'alarm', 'medium', 'low', 'offline', 'stale', 'cold', 'ok'] as const;
export type WorstState = (typeof WORST_STATES)[number];

export const STATE_COLOURS: Record<WorstState, string> = {
  ...PRIORITY_COLOURS,
  alarm: '#f85149',
  offline: '#6e7681',
  stale: '#d29922',
  cold: '#39c5cf',
  ok: '#3fb950',
};

export const STATE_LABELS: Record<WorstState, MessageKey> = {
  critical: 'alarms.priority.critical',
  high: 'alarms.priority.high',
  medium: 'alarms.priority.medium',
  low: 'alarms.priority.low',
  alarm: 'status.alarm',
  offline: 'status.offline',
  stale: 'status.stale',
  cold: 'network.state.cold',
  ok: 'network.state.ok',
};

const RANK = new Map<WorstState, number>(WORST_STATES.map((s, i) => [s, i]));
export const worse = (a: WorstState, b: WorstState): WorstState => ((RANK.get(a) ?? 0) <= (RANK.get(b) ?? 0) ? a : b);

/** The worst of the live status, the worst active alarm and the coldest home. */
export function worstState(status: Status | undefined, alarm: Priority | undefined, indoorMinC: number | null): WorstState {
  let state: WorstState = indoorMinC !== null && indoorMinC < COLD_C ? 'cold' : 'ok';
  if (status === 'offline' || status === 'stale' || status === 'alarm') state = worse(status, state);
  return alarm ? worse(alarm, state) : state;
}

/** The priority of each substation's worst alarm that is active and annunciated (not shelved, in service). */
export function worstAlarms(alarms: readonly Alarm[]): Map<string, Priority> {
  const worst = new Map<string, Priority>();
  for (const a of alarms) {
    if (!a.state.endsWith('_active') || a.outOfService || a.shelvedUntil !== null) continue;
    const held = worst.get(a.substation);
    worst.set(a.substation, held ? (worse(held, a.priority) as Priority) : a.priority);
  }
  return worst;
}

/** Supply temperature scale of the mains: cold blue to hot red, in steps (one stroke per step). */
export const SUPPLY_SCALE = { fromC: 40, toC: 120, steps: 8 };
const SUPPLY_COLOURS = ['#3b6fd4', '#3f8fd2', '#3fb0b8', '#58b368', '#a8b83f', '#d9a93a', '#e27b36', '#e0493a'];
export const NO_DATA_COLOUR = '#4a5563';

/** The step of a supply temperature on the scale; -1 when unknown. */
export function supplyStep(c: number | null): number {
  if (c === null || !Number.isFinite(c)) return -1;
  const { fromC, toC, steps } = SUPPLY_SCALE;
  return Math.max(0, Math.min(steps - 1, Math.floor(((c - fromC) / (toC - fromC)) * steps)));
}

export const supplyColour = (step: number): string => (step < 0 ? NO_DATA_COLOUR : SUPPLY_COLOURS[step]);
