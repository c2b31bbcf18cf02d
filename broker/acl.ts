import { controlStateFilter, isControlStateTopic } from '../model/control-state.ts';
import { decodePayload, REBIRTH, SPARKPLUG_NAMESPACE } from '../model/sparkplug.ts';
import { parseShare } from './shared-subscriptions.ts';

// Topic rules per MQTT principal, compiled once at CONNECT so that the check of each PUBLISH
// is a set lookup and a few string operations. Who may do what (Sparkplug B 3.0 namespace):
//
//   edge_node  publishes N/DBIRTH, N/DDATA, N/DDEATH (its will too) under its own group and edge
//              id; subscribes to its own NCMD and DCMD and to host STATE.
//   historian  publishes its own STATE, and NCMD only to ask for a rebirth; subscribes to spBv1.0/#.
//   alarms     like the historian without a STATE: its live feed asks for rebirths after a seq gap.
//   control, api  publish NCMD and DCMD (commands); subscribe to spBv1.0/#.
//   control    also publishes its per-substation state, heatscada/control/<group>/state/<substation>,
//              which every host may subscribe to (model/control-state.ts).
//
// Anything else is refused: other namespaces, `$SYS`, malformed or overly long topics.

export const PRINCIPAL_KINDS = ['edge_node', 'historian', 'control', 'alarms', 'api'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** An MQTT principal: who a user name stands for, without its secret. */
export type MqttPrincipal =
  | { username: string; kind: 'edge_node'; group: string; edgeNodeId: string }
  | { username: string; kind: 'historian'; hostId: string }
  | { username: string; kind: 'control' | 'alarms' | 'api' };

export interface TopicAcl {
  mayPublish(topic: string, payload: Buffer): boolean;
  /** A topic filter as the client sent it, `$share/<group>/<filter>` included. */
  maySubscribe(filter: string): boolean;
}

/** Longer topics are refused before any other check (Sparkplug topics are a few ids long). */
export const MAX_TOPIC_LENGTH = 512;

const NS = SPARKPLUG_NAMESPACE;
const NODE_OUT = ['NBIRTH', 'NDATA', 'NDEATH'] as const;
const DEVICE_OUT = ['DBIRTH', 'DDATA', 'DDEATH'] as const;

/** One topic level that names something: not empty, no separator, no wildcard. */
const isId = (level: string): boolean => level.length > 0 && !level.includes('/') && !level.includes('+') && !level.includes('#');

/** `spBv1.0/<group>/<type>/<edge>[/<device>]` with well-formed ids, or undefined. */
function commandTarget(topic: string): 'NCMD' | 'DCMD' | undefined {
  const parts = topic.split('/');
  if (parts[0] !== NS) return undefined;
  const type = parts[2];
  const levels = type === 'NCMD' ? 4 : type === 'DCMD' ? 5 : 0;
  if (parts.length !== levels || !parts.slice(1).every(isId)) return undefined;
  return type as 'NCMD' | 'DCMD';
}

/** True for an NCMD payload that only asks for a rebirth (what a host application may send). */
export function isRebirthRequest(payload: Buffer): boolean {
  try {
    const { metrics } = decodePayload(payload);
    return metrics.length === 1 && metrics[0].name === REBIRTH && metrics[0].datatype === 'Boolean' && metrics[0].value === true;
  } catch {
    return false;
  }
}

/** A filter's levels if it is a valid MQTT topic filter (wildcards whole levels, `#` last). */
function filterLevels(filter: string): string[] | undefined {
  if (filter.length === 0 || filter.length > MAX_TOPIC_LENGTH) return undefined;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if ((level.includes('+') && level !== '+') || (level.includes('#') && (level !== '#' || i !== levels.length - 1))) return undefined;
  }
  return levels;
}

/** True when every topic the filter matches is also matched by the allowed pattern. */
export function filterWithin(filter: string[], allowed: string[]): boolean {
  for (let i = 0; i < allowed.length; i++) {
    if (allowed[i] === '#') return true;
    // A shorter filter matches a topic the pattern does not (`a/+` is not within `a/+/c`).
    if (i >= filter.length || filter[i] === '#') return false;
    if (allowed[i] === '+') continue;
    if (filter[i] !== allowed[i]) return false;
  }
  return filter.length === allowed.length;
}

function subscribeRule(patterns: string[]): (filter: string) => boolean {
  const allowed = patterns.map((p) => p.split('/'));
  return (filter) => {
    let share: ReturnType<typeof parseShare>;
    try {
      share = parseShare(filter);
    } catch {
      return false;
    }
    const levels = filterLevels(share ? share.filter : filter);
    return levels !== undefined && allowed.some((a) => filterWithin(levels, a));
  };
}

const whole = (topic: string): boolean => topic.length <= MAX_TOPIC_LENGTH;
// Hosts also follow the balancing loop's per-substation state (model/control-state.ts).
const HOST_SUBSCRIPTIONS = [`${NS}/#`, controlStateFilter('+')];

/** True when the topic goes on from `from` with one id level: no separator, no wildcard. */
const idFrom = (topic: string, from: number): boolean =>
  topic.length > from && topic.indexOf('/', from) < 0 && topic.indexOf('+', from) < 0 && topic.indexOf('#', from) < 0;

function edgeNodeAcl(group: string, edge: string): TopicAcl {
  const nodeTopics = NODE_OUT.map((type) => `${NS}/${group}/${type}/${edge}`);
  const devicePrefixes = DEVICE_OUT.map((type) => `${NS}/${group}/${type}/${edge}/`);
  return {
    // Comparisons in place, no substring: this runs for every message an edge node sends.
    mayPublish(topic) {
      if (!whole(topic)) return false;
      for (const own of nodeTopics) if (topic === own) return true;
      for (const prefix of devicePrefixes) if (topic.startsWith(prefix)) return idFrom(topic, prefix.length);
      return false;
    },
    maySubscribe: subscribeRule([`${NS}/${group}/NCMD/${edge}`, `${NS}/${group}/DCMD/${edge}/+`, `${NS}/STATE/+`]),
  };
}

function hostAcl(ownState: string | undefined, commands: boolean): TopicAcl {
  return {
    mayPublish(topic, payload) {
      if (!whole(topic)) return false;
      if (topic === ownState) return true;
      const target = commandTarget(topic);
      if (target === undefined) return false;
      // Decoding costs, but only NCMD from a non-command principal gets here: a rare rebirth request.
      return commands || (target === 'NCMD' && isRebirthRequest(payload));
    },
    maySubscribe: subscribeRule(HOST_SUBSCRIPTIONS),
  };
}

/** The topic rules of a principal (the ids in it are assumed valid: the credentials schema checks them). */
export function compileAcl(principal: MqttPrincipal): TopicAcl {
  switch (principal.kind) {
    case 'edge_node':
      return edgeNodeAcl(principal.group, principal.edgeNodeId);
    case 'historian':
      return hostAcl(`${NS}/STATE/${principal.hostId}`, false);
    case 'alarms':
      return hostAcl(undefined, false);
    case 'control': {
      // The loop also tells the control room its own state (model/control-state.ts).
      const host = hostAcl(undefined, true);
      return { mayPublish: (topic, payload) => (whole(topic) && isControlStateTopic(topic)) || host.mayPublish(topic, payload), maySubscribe: host.maySubscribe };
    }
    case 'api':
      return hostAcl(undefined, true);
  }
}
