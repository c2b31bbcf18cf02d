import { aliasFor, BD_SEQ, COMMAND_ACK, COMMAND_ACK_OFFSET, datatypeOf, QUALITY_PROPERTY, REBIRTH, type Metric, type MetricDataType, type SparkplugPayload } from '../../model/sparkplug.ts';
import { TAGS, tagDefinition, type TagName } from '../../model/tags.ts';
import { ENG_HIGH_PROPERTY, ENG_LOW_PROPERTY, ENG_UNIT_PROPERTY } from '../../store/historian/aliases.ts';

// Hand-built Sparkplug B payloads of an edge node as HeatSCADA's collectors send them: aliases
// from aliasFor(device, tag), births with unit and range properties. For host-side tests.

const tagIndex = (tag: TagName): number => TAGS.findIndex((t) => t.name === tag);
export const aliasOf = (deviceIndex: number, tag: TagName): number => aliasFor(deviceIndex, tagIndex(tag));

export function nodeBirth(bdSeq: number, timestamp = Date.now()): SparkplugPayload {
  return {
    timestamp,
    seq: 0,
    metrics: [
      { name: BD_SEQ, datatype: 'UInt64', value: bdSeq },
      { name: REBIRTH, datatype: 'Boolean', value: false },
    ],
  };
}

export function nodeDeath(bdSeq: number, timestamp = Date.now()): SparkplugPayload {
  return { timestamp, metrics: [{ name: BD_SEQ, datatype: 'UInt64', value: bdSeq }] };
}

/** A DBIRTH of the given tags with their current values (and the command acknowledgement metric). */
export function deviceBirth(deviceIndex: number, seq: number, values: Partial<Record<TagName, number | boolean>>, timestamp = Date.now()): SparkplugPayload {
  const metrics: Metric[] = Object.entries(values).map(([name, value]) => {
    const def = tagDefinition(name as TagName);
    return {
      name,
      alias: aliasOf(deviceIndex, def.name),
      timestamp,
      datatype: datatypeOf(def),
      value: value ?? null,
      properties: {
        [ENG_UNIT_PROPERTY]: { type: 'String', value: def.unit },
        [ENG_LOW_PROPERTY]: { type: 'Double', value: def.min },
        [ENG_HIGH_PROPERTY]: { type: 'Double', value: def.max },
      },
    };
  });
  metrics.push({ name: COMMAND_ACK, alias: aliasFor(deviceIndex, COMMAND_ACK_OFFSET), timestamp, datatype: 'String', value: null });
  return { timestamp, seq, metrics };
}

/** The wire datatype of a value: the tag's own when it fits, else the value's (to build wrong ones). */
function datatypeFor(tag: TagName, value: number | boolean | string): MetricDataType {
  const own = datatypeOf(tagDefinition(tag));
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  return own === 'Boolean' ? 'Double' : own;
}

/** One DDATA metric by alias; quality as the Sparkplug Quality property when given. */
export function dataMetric(deviceIndex: number, tag: TagName, value: number | boolean | string, options: { timestamp?: number; quality?: number; historical?: boolean } = {}): Metric {
  const metric: Metric = { alias: aliasOf(deviceIndex, tag), datatype: datatypeFor(tag, value), value };
  if (options.timestamp !== undefined) metric.timestamp = options.timestamp;
  if (options.quality !== undefined) metric.properties = { [QUALITY_PROPERTY]: { type: 'Int32', value: options.quality } };
  if (options.historical) metric.isHistorical = true;
  return metric;
}

export function deviceData(seq: number, metrics: Metric[], timestamp = Date.now()): SparkplugPayload {
  return { timestamp, seq, metrics };
}
