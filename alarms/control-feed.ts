import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { connectBrokers, type BrokerUrls } from '../model/broker-urls.ts';
import { controlStateFilter, parseControlState } from '../model/control-state.ts';
import { ownClientId, type MqttLogin } from '../model/mqtt-client.ts';
import type { AlarmEngine } from './engine.ts';

// The balancing loop's word on each substation (model/control-state.ts): the engine hears when
// the loop's stale-data guard freezes a substation and when it lets go (rule kind
// control-stale). Retained messages: an engine that starts late still learns of a freeze.

export interface ControlFeed {
  close(): Promise<void>;
}

export async function followControlState(options: { mqttUrl: BrokerUrls; mqttLogin?: MqttLogin; group?: string; engine: Pick<AlarmEngine, 'controlState'>; logger: Logger }): Promise<ControlFeed> {
  const { engine, logger: log } = options;
  const client = connectBrokers(options.mqttUrl, { ...options.mqttLogin, clientId: ownClientId(options.mqttLogin, `heatscada-alarms-control-${randomBytes(4).toString('hex')}`), protocolVersion: 4, clean: true, keepalive: 30, reconnectPeriod: 1000 });
  const filter = controlStateFilter(options.group ?? '+');
  client.on('connect', () => client.subscribe(filter, { qos: 1 }));
  client.on('error', (e) => log.warn({ code: 'HS_ERR_BROKER_CLIENT', reason: e.message }, 'control state feed: mqtt error'));
  client.on('message', (topic, payload) => {
    const message = parseControlState(topic, payload);
    if (!message) {
      log.warn({ code: 'HS_ERR_BAD_REQUEST', topic }, 'control state feed: not a control state message');
      return;
    }
    engine.controlState(message.substation, message.state.frozen);
  });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return { close: () => client.endAsync() };
}
