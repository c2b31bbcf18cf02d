import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { connectBrokers, type BrokerUrls } from '../model/broker-urls.ts';
import { HeatScadaError } from '../model/errors.ts';
import { ownClientId, type MqttLogin } from '../model/mqtt-client.ts';
import { CATEGORIES, CHANNELS, complaintFilter, complaintTopic, type Category, type Channel, type ComplaintEvent } from '../model/service.ts';
import { validateMessage } from '../model/validate.ts';
import type { AlarmEngine } from './engine.ts';

// The residents' complaints (model/service.ts): the service role publishes one ComplaintEvent per
// complaint at heatscada/service/<group>/complaint/<substation>, and the engine counts them for
// the complaint-cluster rule. Not retained, QoS 1: the engine hears those that come while it runs
// (the view counts a redelivered one once). A message that is not a complaint event, or whose
// substation is not its topic's, is logged with its topic and ignored: it must not stop the feed.

export interface ComplaintFeed {
  close(): Promise<void>;
}

const ComplaintEventSchema = Type.Object(
  {
    complaint: Type.Integer({ minimum: 1 }),
    substation: Type.String({ minLength: 1 }),
    category: Type.Unsafe<Category>({ type: 'string', enum: [...CATEGORIES] }),
    channel: Type.Unsafe<Channel>({ type: 'string', enum: [...CHANNELS] }),
    receivedAt: Type.Number({ minimum: 0, description: 'ms UTC' }),
  },
  { additionalProperties: false },
);

/** The complaint event a message carries; HS_ERR_BAD_REQUEST naming the bad field otherwise. */
export function parseComplaintEvent(topic: string, payload: Uint8Array): ComplaintEvent {
  const event = validateMessage(ComplaintEventSchema, payload, 'HS_ERR_BAD_REQUEST', 'complaint event');
  // The topic is where the broker let it be published (broker/acl.ts): the payload may not claim another substation.
  const group = topic.split('/')[2] ?? '';
  if (topic !== complaintTopic(group, event.substation)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `complaint event: substation ${event.substation} is not the topic's`, '/substation');
  return event;
}

export async function followComplaints(options: { mqttUrl: BrokerUrls; mqttLogin?: MqttLogin; group?: string; engine: Pick<AlarmEngine, 'complaint'>; logger: Logger }): Promise<ComplaintFeed> {
  const { engine, logger: log } = options;
  const client = connectBrokers(options.mqttUrl, { ...options.mqttLogin, clientId: ownClientId(options.mqttLogin, `heatscada-alarms-complaints-${randomBytes(4).toString('hex')}`), protocolVersion: 4, clean: true, keepalive: 30, reconnectPeriod: 1000 });
  client.on('connect', () => client.subscribe(complaintFilter(options.group ?? '+'), { qos: 1 }));
  client.on('error', (e) => log.warn({ code: 'HS_ERR_BROKER_CLIENT', reason: e.message }, 'complaint feed: mqtt error'));
  client.on('message', (topic, payload) => {
    let event: ComplaintEvent;
    try {
      event = parseComplaintEvent(topic, payload);
    } catch (e) {
      log.warn({ code: 'HS_ERR_BAD_REQUEST', topic, reason: (e as Error).message }, 'complaint feed: not a complaint event, ignored');
      return;
    }
    engine.complaint(event);
  });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return { close: () => client.endAsync() };
}
