import type { MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { connectBrokers, type BrokerUrls } from '../model/broker-urls.ts';
import { ownClientId, type MqttLogin } from '../model/mqtt-client.ts';
import { complaintTopic, type Complaint, type ComplaintEvent } from '../model/service.ts';

// One ComplaintEvent for every complaint a resident made, at complaintTopic(group, substation),
// QoS 1 and not retained: the alarm engine's complaint-cluster rule counts them as they come, and a
// retained one would count again at every restart. mqtt.js queues QoS 1 messages while the broker
// is away and sends them on reconnection.

export interface ComplaintPublisher {
  publish(complaint: Complaint): void;
  close(): Promise<void>;
}

export const eventOf = (c: Complaint): ComplaintEvent => ({ complaint: c.id, substation: c.substation, category: c.category, channel: c.channel, receivedAt: c.receivedAt });

export async function startComplaintPublisher(options: { mqttUrl: BrokerUrls; mqttLogin?: MqttLogin; group: string; logger: Logger }): Promise<ComplaintPublisher> {
  const log = options.logger;
  const client: MqttClient = connectBrokers(options.mqttUrl, {
    ...options.mqttLogin,
    clientId: ownClientId(options.mqttLogin, `heatscada-service-${randomBytes(4).toString('hex')}`),
    protocolVersion: 4,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 1000,
  });
  client.on('error', (e) => log.warn({ code: 'HS_ERR_BROKER_CLIENT', reason: e.message }, 'complaint publisher: mqtt error'));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return {
    publish(complaint) {
      client.publish(complaintTopic(options.group, complaint.substation), JSON.stringify(eventOf(complaint)), { qos: 1, retain: false }, (e) => {
        if (e) log.warn({ code: 'HS_ERR_BROKER_CLIENT', complaint: complaint.id, reason: e.message }, 'complaint event not published');
      });
    },
    close: () => client.endAsync(),
  };
}
