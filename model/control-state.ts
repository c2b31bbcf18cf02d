// What the balancing loop tells the control room about each substation it steers, over MQTT
// (outside the Sparkplug namespace: it is the centre's own state, not a plant's). One retained
// message per substation, so a subscriber that starts late still sees a loop frozen earlier.

export const CONTROL_STATE_PREFIX = 'heatscada/control';

export interface ControlState {
  /** True while the stale-data guard holds the loop for this substation. */
  frozen: boolean;
  /** ms UTC, the loop's clock. */
  ts: number;
  /** Why (the age of the inputs), for the alarm's cause. */
  reason: string;
}

/** heatscada/control/<group>/state/<substation> */
export function controlStateTopic(group: string, substation: string): string {
  return `${CONTROL_STATE_PREFIX}/${group}/state/${substation}`;
}

/** The subscription that catches every substation's state of a group. */
export function controlStateFilter(group: string): string {
  return `${CONTROL_STATE_PREFIX}/${group}/state/+`;
}

/** True for heatscada/control/<group>/state/<substation> with plain ids (no wildcards, no empty levels). */
export function isControlStateTopic(topic: string): boolean {
  const parts = topic.split('/');
  return parts.length === 5 && `${parts[0]}/${parts[1]}` === CONTROL_STATE_PREFIX && parts[3] === 'state' && [parts[2], parts[4]].every((id) => id !== '' && !id.includes('+') && !id.includes('#'));
}

/** The substation and state of a message, or undefined when it is not one (wrong topic, bad payload). */
export function parseControlState(topic: string, payload: Uint8Array): { substation: string; state: ControlState } | undefined {
  if (!isControlStateTopic(topic)) return undefined;
  const parts = topic.split('/');
  try {
    const body = JSON.parse(Buffer.from(payload).toString('utf8')) as Partial<ControlState>;
    if (typeof body.frozen !== 'boolean' || typeof body.ts !== 'number' || typeof body.reason !== 'string') return undefined;
    return { substation: parts[4], state: { frozen: body.frozen, ts: body.ts, reason: body.reason } };
  } catch {
    return undefined;
  }
}
