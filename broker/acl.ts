import { controlStateFilter, isControlStateTopic } from '../model/control-state.ts';
import { collectorInstance, ROLE_STATUS_FILTER, roleStatusTopic } from '../model/role-status.ts';
import { complaintFilter, complaintTopic } from '../model/service.ts';
import { decodePayload, REBIRTH, SPARKPLUG_NAMESPACE } from '../model/sparkplug.ts';
import { parseShare } from './shared-subscriptions.ts';

// Topic rules per MQTT principal, compiled once at CONNECT so that the check of each PUBLISH
// is a set lookup and a few string operations. Who may do what (Sparkplug B 3.0 namespace):
//
//   edge_node  publishes NBIRTH, NDATA, NDEATH (its will too) under its own group and edge id,
//              and DBIRTH, DDATA, DDEATH for the devices of its list only; subscribes to its own
//              NCMD and DCMD and to host STATE.
//   historian  publishes its own STATE, and NCMD only to ask for a rebirth; subscribes to spBv1.0/#.
//   alarms, api, season  like the historian without a STATE: their live feeds ask for rebirths after a seq gap.
//   control    publishes NCMD and DCMD (the only principal that commands a plant), and its
//              per-substation state, heatscada/control/<group>/state/<substation>, which every
//              host may subscribe to (model/control-state.ts); subscribes to spBv1.0/#.
//   service    publishes the residents' complaints of its group only,
//              heatscada/service/<group>/complaint/<substation> (model/service.ts), never
//              retained (a complaint is an event: kept, it would count again for every later
//              subscriber); subscribes to nothing (it reads the plant through the API's store).
//   every host may subscribe to heatscada/service/+/complaint/+ (the alarm engine's cluster rule).
//   every principal publishes its own health, retained, at heatscada/status/<role>/<instance>
//              (model/role-status.ts; statusTopicOf below), and alarms and api may subscribe to them
//              all (the disk_full rule; the control room's platform banner).
//
// Anything else is refused: other namespaces, `$SYS`, malformed or overly long topics, a
// retained command (it would be replayed to every edge node that subscribes later), and a
// shared subscription in a share group the principal was not given.

export const PRINCIPAL_KINDS = ['edge_node', 'historian', 'control', 'alarms', 'api', 'season', 'service'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** An MQTT principal: who a user name stands for, without its secret. */
export type MqttPrincipal =
  | { username: string; kind: 'edge_node'; group: string; edgeNodeId: string; /** Device ids (substations) it may publish for. */ devices: readonly string[] }
  | { username: string; kind: 'historian'; hostId: string; shareGroups?: readonly string[] }
  | { username: string; kind: 'control' | 'alarms' | 'api' | 'season'; shareGroups?: readonly string[] }
  | { username: string; kind: 'service'; /** The Sparkplug group whose complaints it publishes. */ group: string };

/** The share groups (`$share/<group>/…`) a principal may join: those listed, else its user name alone; none for those that subscribe to nothing shared. */
export const shareGroupsOf = (p: MqttPrincipal): readonly string[] => (p.kind === 'edge_node' || p.kind === 'service' ? [] : (p.shareGroups ?? [p.username]));

export interface TopicAcl {
  mayPublish(topic: string, payload: Buffer, retain?: boolean): boolean;
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
export function commandTarget(topic: string): 'NCMD' | 'DCMD' | undefined {
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

function subscribeRule(patterns: string[], shareGroups: readonly string[]): (filter: string) => boolean {
  const allowed = patterns.map((p) => p.split('/'));
  const groups = new Set(shareGroups);
  return (filter) => {
    let share: ReturnType<typeof parseShare>;
    try {
      share = parseShare(filter);
    } catch {
      return false;
    }
    // Joining a group takes a share of its messages away from its members: the group is the principal's.
    if (share && !groups.has(share.group)) return false;
    const levels = filterLevels(share ? share.filter : filter);
    return levels !== undefined && allowed.some((a) => filterWithin(levels, a));
  };
}

const whole = (topic: string): boolean => topic.length <= MAX_TOPIC_LENGTH;

/**
 * The one status topic a principal may publish (model/role-status.ts): a collector's is
 * collector/<group>-<edge node>, a historian's historian/<host id>, any other's <kind>/<user name>.
 */
export function statusTopicOf(p: MqttPrincipal): string {
  switch (p.kind) {
    case 'edge_node':
      return roleStatusTopic('collector', collectorInstance(p.group, p.edgeNodeId));
    case 'historian':
      return roleStatusTopic('historian', p.hostId);
    default:
      return roleStatusTopic(p.kind, p.username);
  }
}

/** The principal's rules, plus its own status topic (retained allowed: a late subscriber must learn it). */
function withStatus(acl: TopicAcl, statusTopic: string): TopicAcl {
  return {
    mayPublish: (topic, payload, retain) => topic === statusTopic || acl.mayPublish(topic, payload, retain),
    maySubscribe: acl.maySubscribe,
  };
}
// Hosts also follow the balancing loop's per-substation state (model/control-state.ts) and the
// residents' complaints (model/service.ts).
const HOST_SUBSCRIPTIONS = [`${NS}/#`, controlStateFilter('+'), complaintFilter('+')];

function edgeNodeAcl(group: string, edge: string, devices: readonly string[]): TopicAcl {
  const nodeTopics = NODE_OUT.map((type) => `${NS}/${group}/${type}/${edge}`);
  // Whole topics: a set lookup per device message, and a device outside the list matches none.
  const deviceTopics = new Set(devices.flatMap((device) => DEVICE_OUT.map((type) => `${NS}/${group}/${type}/${edge}/${device}`)));
  return {
    // Comparisons in place, no substring: this runs for every message an edge node sends.
    mayPublish(topic) {
      if (!whole(topic)) return false;
      for (const own of nodeTopics) if (topic === own) return true;
      return deviceTopics.has(topic);
    },
    maySubscribe: subscribeRule([`${NS}/${group}/NCMD/${edge}`, `${NS}/${group}/DCMD/${edge}/+`, `${NS}/STATE/+`], []),
  };
}

function hostAcl(ownState: string | undefined, commands: boolean, shareGroups: readonly string[], extraSubscriptions: readonly string[] = []): TopicAcl {
  return {
    mayPublish(topic, payload, retain = false) {
      if (!whole(topic)) return false;
      if (topic === ownState) return true;
      const target = commandTarget(topic);
      // A retained command would be replayed to the edge node at every later subscription.
      if (target === undefined || retain) return false;
      // Decoding costs, but only NCMD from a non-command principal gets here: a rare rebirth request.
      return commands || (target === 'NCMD' && isRebirthRequest(payload));
    },
    maySubscribe: subscribeRule([...HOST_SUBSCRIPTIONS, ...extraSubscriptions], shareGroups),
  };
}

function serviceAcl(group: string): TopicAcl {
  // The topic with the substation left off: what follows must be one plain id.
  const prefix = complaintTopic(group, '');
  return {
    mayPublish(topic, _payload, retain = false) {
      if (!whole(topic) || retain || !topic.startsWith(prefix)) return false;
      const substation = topic.slice(prefix.length);
      return isId(substation);
    },
    maySubscribe: () => false,
  };
}

/** The topic rules of a principal (the ids in it are assumed valid: the credentials schema checks them). */
export function compileAcl(principal: MqttPrincipal): TopicAcl {
  return withStatus(kindAcl(principal), statusTopicOf(principal));
}

function kindAcl(principal: MqttPrincipal): TopicAcl {
  switch (principal.kind) {
    case 'edge_node':
      return edgeNodeAcl(principal.group, principal.edgeNodeId, principal.devices);
    case 'historian':
      return hostAcl(`${NS}/STATE/${principal.hostId}`, false, shareGroupsOf(principal));
    case 'control': {
      // The loop also tells the control room its own state (model/control-state.ts).
      const host = hostAcl(undefined, true, shareGroupsOf(principal));
      return {
        mayPublish: (topic, payload, retain) => (whole(topic) && isControlStateTopic(topic)) || host.mayPublish(topic, payload, retain),
        maySubscribe: host.maySubscribe,
      };
    }
    // The API's and the season's live feeds only ask for rebirths: the control room's writes go through control.
    // The alarm engine (its disk_full rule) and the API (the platform banner, which needs no alarm row) follow every role's status.
    case 'alarms':
    case 'api':
      return hostAcl(undefined, false, shareGroupsOf(principal), [ROLE_STATUS_FILTER]);
    case 'season':
      return hostAcl(undefined, false, shareGroupsOf(principal));
    case 'service':
      return serviceAcl(principal.group);
  }
}
