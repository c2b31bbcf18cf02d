import { HeatScadaError } from '../model/errors.ts';

// ISA-18.2 alarm states as a pure transition table. Shelving and out-of-service are flags
// beside the state: the condition is still tracked, the alarm is just not annunciated.

export const ALARM_STATES = ['normal', 'unack_active', 'ack_active', 'unack_returned'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export type AlarmEvent = 'activate' | 'return' | 'ack';

const TABLE: Record<AlarmState, Partial<Record<AlarmEvent, AlarmState>>> = {
  normal: { activate: 'unack_active' },
  unack_active: { return: 'unack_returned', ack: 'ack_active' },
  ack_active: { return: 'normal' },
  unack_returned: { activate: 'unack_active', ack: 'normal' },
};

/** The next state, or the same one when the event means nothing there (a second activate). */
export function next(state: AlarmState, event: AlarmEvent): AlarmState {
  return TABLE[state][event] ?? state;
}

/** An acknowledgement of an alarm that needs none is the caller's mistake, not a no-op. */
export function acknowledged(state: AlarmState): AlarmState {
  const to = TABLE[state].ack;
  if (to === undefined) throw new HeatScadaError('HS_ERR_ALARM_STATE', `an alarm in state ${state} needs no acknowledgement`);
  return to;
}

export const isActive = (state: AlarmState): boolean => state === 'unack_active' || state === 'ack_active';
export const needsAck = (state: AlarmState): boolean => state === 'unack_active' || state === 'unack_returned';
