import type { ErrorWithSubackPacket, MqttClient } from 'mqtt';

/** The SUBACK codes of a subscription, refusals (0x80) included: mqtt.js rejects a SUBACK with any refusal in it. */
export async function grantedCodes(c: MqttClient, topics: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(topics)).map((g) => g.qos);
  } catch (e) {
    return (e as ErrorWithSubackPacket).packet.granted as number[];
  }
}
