import { Type, type Static } from '@sinclair/typebox';
import { BrokerUrlsField } from '../../model/broker-urls.ts';
import { MqttLoginSchema, readMqttLogin } from '../../model/mqtt-client.ts';
import { DEFAULT_RETRY } from '../disk-full.ts';
import type { HistorianOptions } from './historian.ts';

// The `historian:` section of the configuration document (bin/config.ts).

/** A Sparkplug id or share group name: one topic level, no wildcards. */
const Id = (description: string) => Type.String({ minLength: 1, pattern: '^[^/+#]+$', description });

export const HistorianConfigSchema = Type.Object(
  {
    mqtt_url: BrokerUrlsField('broker to subscribe to', 'mqtt://127.0.0.1:1883'),
    mqtt_login: Type.Optional(MqttLoginSchema),
    host_id: Type.String({ ...Id('Sparkplug host id (STATE topic, MQTT client id); unique per historian'), default: 'heatscada-historian' }),
    group: Type.Optional(Id('Sparkplug group to historise; every group when absent')),
    batch_max_points: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 5000, description: 'a batch goes to the store when it holds this many points' }),
    batch_max_ms: Type.Integer({ minimum: 1, maximum: 60_000, default: 200, description: '… or this long after its first point' }),
    hold_max_points: Type.Integer({ minimum: 1, default: 500_000, description: 'points held in memory while the disk is full; beyond, the historian stops taking messages (back-pressure)' }),
    min_free_mb: Type.Number({ minimum: 0, default: 16, description: 'after a full disk, the store counts as writable again once this much is free' }),
    slow_batch_ms: Type.Integer({ minimum: 1, default: 2000, description: 'a batch write slower than this is logged as a slow store' }),
    shared: Type.Optional(Id('share group: NDATA/DDATA via $share/<shared>/…, spread over the historians with the same value')),
  },
  { additionalProperties: false, default: {} },
);

export type HistorianConfig = Static<typeof HistorianConfigSchema>;

/** The options of a validated section; the caller opens the store (section `store:`). */
export function historianOptions(config: HistorianConfig): Omit<HistorianOptions, 'store' | 'logger'> {
  const options: Omit<HistorianOptions, 'store' | 'logger'> = {
    mqttUrl: config.mqtt_url,
    hostId: config.host_id,
    batchMaxPoints: config.batch_max_points,
    batchMaxMs: config.batch_max_ms,
    holdMaxPoints: config.hold_max_points,
    slowBatchMs: config.slow_batch_ms,
    retry: { ...DEFAULT_RETRY, minFreeBytes: config.min_free_mb * 1024 * 1024 },
  };
  if (config.mqtt_login !== undefined) options.mqttLogin = readMqttLogin(config.mqtt_login, '/historian/mqtt_login');
  if (config.group !== undefined) options.group = config.group;
  if (config.shared !== undefined) options.shared = config.shared;
  return options;
}
