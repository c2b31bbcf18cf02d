import { HeatScadaError } from '../model/errors.ts';
import { ACTOR_KIND_PROPERTY, ACTOR_PROPERTY, decodePayload, encodePayload, ON_BEHALF_OF_PROPERTY, type MetricProperty } from '../model/sparkplug.ts';
import type { MqttPrincipal } from './acl.ts';

// Who sent a command, as the broker knows it. MQTT 3.1.1 (aedes) carries no user properties,
// so the broker rewrites the command itself: every metric of an NCMD/DCMD gets `actor` = the
// principal's user name and `actorKind` = its kind, replacing whatever the sender wrote; the
// sender's own `actor` claim survives as `onBehalfOf` (control writing for an operator), which
// the edge node records but does not authorise on. A payload that does not decode cannot be
// stamped and is refused: nothing unstamped reaches an edge node through this broker.

const text = (value: string): MetricProperty => ({ type: 'String', value });

/** The command payload with the principal stamped into every metric; HS_ERR_SPARKPLUG_DECODE when it is not Sparkplug B. */
export function stampActor(payload: Buffer, principal: MqttPrincipal): Buffer {
  const decoded = decodePayload(payload);
  if (decoded.metrics.length === 0) throw new HeatScadaError('HS_ERR_SPARKPLUG_DECODE', 'a command without metrics');
  for (const metric of decoded.metrics) {
    const claimed = metric.properties?.[ACTOR_PROPERTY];
    const others = { ...metric.properties };
    delete others[ON_BEHALF_OF_PROPERTY];
    metric.properties = {
      ...others,
      [ACTOR_PROPERTY]: text(principal.username),
      [ACTOR_KIND_PROPERTY]: text(principal.kind),
      ...(claimed?.type === 'String' && claimed.value !== '' && claimed.value !== principal.username ? { [ON_BEHALF_OF_PROPERTY]: text(claimed.value) } : {}),
    };
  }
  return encodePayload(decoded);
}
