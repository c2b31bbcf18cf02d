import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { connectBrokers, type BrokerUrls } from '../model/broker-urls.ts';
import { isHeatScadaError } from '../model/errors.ts';
import { ownClientId, type MqttLogin } from '../model/mqtt-client.ts';
import { parseRoleStatus, ROLE_STATUS_FILTER, type RoleStatus } from '../model/role-status.ts';
import type { AlarmEngine } from './engine.ts';

// The platform roles' word on their own health (model/role-status.ts): retained messages at
// heatscada/status/<role>/<instance>, so an engine that starts late still learns of a disk that
// filled before it. A message that is not a role status, or speaks for another topic's role, is
// logged with HS_ERR_ROLE_STATUS_INVALID, counted and ignored: it must not stop the feed.

export interface RoleStatusFeed {
  /** Statuses handed to the engine, and messages refused. */
  stats(): { received: number; invalid: number };
  close(): Promise<void>;
}

export async function followRoleStatus(options: { mqttUrl: BrokerUrls; mqttLogin?: MqttLogin; engine: Pick<AlarmEngine, 'roleStatus'>; logger: Logger }): Promise<RoleStatusFeed> {
  const { engine, logger: log } = options;
  const counts = { received: 0, invalid: 0 };
  const client = connectBrokers(options.mqttUrl, { ...options.mqttLogin, clientId: ownClientId(options.mqttLogin, `heatscada-alarms-roles-${randomBytes(4).toString('hex')}`), protocolVersion: 4, clean: true, keepalive: 30, reconnectPeriod: 1000 });
  client.on('connect', () => client.subscribe(ROLE_STATUS_FILTER, { qos: 1 }));
  client.on('error', (e) => log.warn({ code: 'HS_ERR_BROKER_CLIENT', reason: e.message }, 'role status feed: mqtt error'));
  client.on('message', (topic, payload) => {
    // An empty retained message is how a status is taken off the broker: nothing to judge.
    if (payload.length === 0) return;
    let status: RoleStatus;
    try {
      status = parseRoleStatus(topic, payload);
    } catch (e) {
      counts.invalid++;
      log.warn({ code: isHeatScadaError(e) ? e.code : 'HS_ERR_ROLE_STATUS_INVALID', topic, invalid: counts.invalid, reason: (e as Error).message }, 'role status feed: not a role status, ignored');
      return;
    }
    counts.received++;
    engine.roleStatus(status);
  });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return { stats: () => ({ ...counts }), close: () => client.endAsync() };
}
