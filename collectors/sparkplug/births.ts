import type { Point } from '../../model/point.ts';
import { BD_SEQ, COMMAND_ACK, datatypeOf, qualityCode, QUALITY_PROPERTY, REBIRTH, type Metric, type SparkplugPayload } from '../../model/sparkplug.ts';
import type { TagName } from '../../model/tags.ts';
import { metricValue, type DeviceMetrics } from './metrics.ts';

// Birth and death certificates. A birth carries every metric with its alias, datatype, current
// value and the properties a host needs to show it (unit, range, quality, writability), named
// as Ignition names its tag properties so that MQTT Engine maps them without configuration.

export const ENG_UNIT_PROPERTY = 'engUnit';
export const ENG_LOW_PROPERTY = 'engLow';
export const ENG_HIGH_PROPERTY = 'engHigh';
/** Ignition's tag property of the same name: setpoints are writable through DCMD, the rest are not. */
export const READ_ONLY_PROPERTY = 'readOnly';

const bdSeqMetric = (bdSeq: number): Metric => ({ name: BD_SEQ, datatype: 'UInt64', value: bdSeq });

/** NBIRTH: always seq 0, the bdSeq of this connection's will, and the rebirth control. */
export function nodeBirth(bdSeq: number, now: number): SparkplugPayload {
  return { timestamp: now, seq: 0, metrics: [bdSeqMetric(bdSeq), { name: REBIRTH, datatype: 'Boolean', value: false }] };
}

/** NDEATH (the MQTT will, or published before a clean disconnect): bdSeq only, no seq. */
export function nodeDeath(bdSeq: number, now: number): SparkplugPayload {
  return { timestamp: now, metrics: [bdSeqMetric(bdSeq)] };
}

/** DDEATH: no metrics, just the sequence number. */
export function deviceDeath(seq: number, now: number): SparkplugPayload {
  return { timestamp: now, seq, metrics: [] };
}

/**
 * DBIRTH: every catalogue tag the device maps, with the latest point of each (a tag not read
 * yet is born null with bad quality), plus the command acknowledgement metric.
 */
export function deviceBirth(device: DeviceMetrics, latest: ReadonlyMap<TagName, Point>, seq: number, now: number): SparkplugPayload {
  const metrics: Metric[] = device.defs.map((def) => {
    const point = latest.get(def.name);
    const metric: Metric = {
      name: def.name,
      alias: device.aliasOf(def.name),
      timestamp: point?.ts ?? now,
      datatype: datatypeOf(def),
      value: point === undefined ? null : metricValue(def, point.value),
      properties: {
        [ENG_UNIT_PROPERTY]: { type: 'String', value: def.unit },
        [ENG_LOW_PROPERTY]: { type: 'Double', value: def.min },
        [ENG_HIGH_PROPERTY]: { type: 'Double', value: def.max },
        [QUALITY_PROPERTY]: { type: 'Int32', value: qualityCode(point?.quality ?? 'bad') },
        [READ_ONLY_PROPERTY]: { type: 'Boolean', value: !def.writable },
      },
    };
    return metric;
  });
  metrics.push({ name: COMMAND_ACK, alias: device.ackAlias, timestamp: now, datatype: 'String', value: null });
  return { timestamp: now, seq, metrics };
}
