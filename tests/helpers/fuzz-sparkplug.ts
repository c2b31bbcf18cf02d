// Seeded Sparkplug B traffic a host or an edge node must refuse, never store or write: for the
// MQTT fuzz test. Data metrics use the aliases of device index 0 (a device born with
// deviceBirth(0, …) of sparkplug-messages.ts).

import { ACTOR_PROPERTY, decodePayload, REQUEST_ID_PROPERTY, type Metric, type MetricProperty } from '../../model/sparkplug.ts';
import { TAGS, WRITABLE_TAGS } from '../../model/tags.ts';
import type { Fuzz } from './seeded-fuzz.ts';
import { aliasOf } from './sparkplug-messages.ts';

const NUMERIC_TAGS = TAGS.filter((t) => t.valueType !== 'boolean');
const BOOLEAN_TAGS = TAGS.filter((t) => t.valueType === 'boolean');
/** Past the store's last valid time (8.64e15 ms): impossible, whatever the value. */
export const IMPOSSIBLE_TS = 2 ** 60;

/** A metric the historian must refuse: unknown alias or name, wrong type, not finite, impossible time. Never a good point, never null. */
export function badDataMetric(f: Fuzz): Metric {
  const numeric = f.pick(NUMERIC_TAGS).name;
  const flag = f.pick(BOOLEAN_TAGS).name;
  switch (f.int(0, 6)) {
    case 0:
      return { alias: f.int(100_000, 2 ** 31), datatype: 'Double', value: f.number() };
    case 1:
      return { name: f.string().slice(0, 200), datatype: 'Double', value: f.number() };
    case 2:
      return { alias: aliasOf(0, numeric), datatype: 'String', value: f.string().slice(0, 500) };
    case 3:
      return { alias: aliasOf(0, numeric), datatype: 'Boolean', value: f.chance(0.5) };
    case 4:
      return { alias: aliasOf(0, flag), datatype: 'Double', value: f.number() };
    case 5:
      return { alias: aliasOf(0, numeric), datatype: 'Double', value: f.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) };
    default:
      return { alias: aliasOf(0, numeric), datatype: 'Double', value: f.number(), timestamp: IMPOSSIBLE_TS + f.int(0, 1000) };
  }
}

function fuzzProperties(f: Fuzz): Record<string, MetricProperty> | undefined {
  if (f.chance(0.2)) return undefined;
  const props: Record<string, MetricProperty> = {};
  if (f.chance(0.8)) props[REQUEST_ID_PROPERTY] = f.chance(0.8) ? { type: 'String', value: f.string().slice(0, 300) } : { type: 'Int32', value: f.int(0, 99) };
  if (f.chance(0.8)) props[ACTOR_PROPERTY] = f.chance(0.8) ? { type: 'String', value: f.string().slice(0, 300) } : { type: 'Boolean', value: true };
  // An own key even for '__proto__'; not 'hasOwnProperty', which the Sparkplug encoder itself calls.
  const key = f.string().slice(0, 40);
  if (f.chance(0.3) && key !== 'hasOwnProperty') Object.defineProperty(props, key, { value: { type: 'String', value: f.string().slice(0, 100) }, enumerable: true });
  return props;
}

/** A DCMD metric the collector must refuse: unknown or read-only tag, wrong type, not finite, out of range. */
export function badCommandMetric(f: Fuzz): Metric {
  const writable = f.pick(WRITABLE_TAGS);
  const metric: Metric = ((): Metric => {
    switch (f.int(0, 5)) {
      case 0:
        return { name: f.string().slice(0, 200), datatype: 'Double', value: f.number() };
      case 1:
        return { name: f.pick(TAGS.filter((t) => !t.writable)).name, datatype: 'Double', value: f.number() };
      case 2:
        return { name: writable.name, datatype: 'String', value: f.string().slice(0, 300) };
      case 3:
        return { name: writable.name, datatype: 'Boolean', value: f.chance(0.5) };
      case 4:
        return { name: writable.name, datatype: 'Double', value: f.pick([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) };
      default:
        return { name: writable.name, datatype: 'Double', value: f.chance(0.5) ? writable.max + 1 + Math.abs(f.number()) : writable.min - 1 - Math.abs(f.number()) };
    }
  })();
  if (f.chance(0.2) && metric.name !== undefined) {
    delete metric.name;
    metric.alias = f.int(100_000, 2 ** 31);
  }
  const properties = fuzzProperties(f);
  return properties ? { ...metric, properties } : metric;
}

/** Bytes that are not a Sparkplug payload (checked: random bytes sometimes decode). */
export function undecodable(f: Fuzz, from?: Uint8Array): Buffer {
  for (;;) {
    const bytes = f.bytes(from);
    try {
      decodePayload(bytes);
    } catch {
      return bytes;
    }
  }
}
