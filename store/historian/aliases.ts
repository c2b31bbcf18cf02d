import type { Metric, MetricDataType } from '../../model/sparkplug.ts';
import { TAG_BY_NAME, type TagName } from '../../model/tags.ts';

// What a birth certificate teaches: each metric's name, alias, value type and, for reference,
// its unit and range. Data messages then carry aliases only, looked up here per metric.

/** Birth properties with the unit and range, as Ignition names them (the collector sends these). */
export const ENG_UNIT_PROPERTY = 'engUnit';
export const ENG_LOW_PROPERTY = 'engLow';
export const ENG_HIGH_PROPERTY = 'engHigh';

/** The JavaScript type a metric's value must have. */
export type ValueKind = 'number' | 'boolean' | 'string';

export interface AliasEntry {
  name: string;
  alias: number | undefined;
  /** The store tag of its series; null when it is not historised (node metrics, text). */
  tag: string | null;
  kind: ValueKind;
  unit: string | undefined;
  low: number | undefined;
  high: number | undefined;
}

const kindOf = (datatype: MetricDataType): ValueKind => (datatype === 'Boolean' ? 'boolean' : datatype === 'String' ? 'string' : 'number');

function stringProperty(metric: Metric, key: string): string | undefined {
  const value = metric.properties?.[key]?.value;
  return typeof value === 'string' ? value : undefined;
}

function numberProperty(metric: Metric, key: string): number | undefined {
  const value = metric.properties?.[key]?.value;
  return typeof value === 'number' ? value : undefined;
}

/** One entry from a birth metric: a catalogue tag keeps the catalogue's type, unit and range unless the birth says otherwise. */
function entryOf(name: string, metric: Metric, historise: boolean): AliasEntry {
  const def = TAG_BY_NAME.get(name as TagName);
  const kind: ValueKind = def ? (def.valueType === 'boolean' ? 'boolean' : 'number') : kindOf(metric.datatype);
  return {
    name,
    alias: metric.alias,
    tag: historise && kind !== 'string' ? name : null,
    kind,
    unit: stringProperty(metric, ENG_UNIT_PROPERTY) ?? def?.unit,
    low: numberProperty(metric, ENG_LOW_PROPERTY) ?? def?.min,
    high: numberProperty(metric, ENG_HIGH_PROPERTY) ?? def?.max,
  };
}

export class AliasTable {
  private readonly byAlias = new Map<number, AliasEntry>();
  private readonly byName = new Map<string, AliasEntry>();

  /**
   * The table of one birth certificate. historise: the metrics are series of a substation (a
   * device) rather than of the edge node itself. A metric without a name teaches nothing: its
   * values then count as unknown.
   */
  static fromBirth(metrics: readonly Metric[], historise: boolean): AliasTable {
    const table = new AliasTable();
    for (const metric of metrics) {
      if (metric.name === undefined) continue;
      const entry = entryOf(metric.name, metric, historise);
      table.byName.set(entry.name, entry);
      if (entry.alias !== undefined) table.byAlias.set(entry.alias, entry);
    }
    return table;
  }

  /** By alias when the metric has one (data messages), by name otherwise. */
  lookup(metric: Metric): AliasEntry | undefined {
    return metric.alias !== undefined ? this.byAlias.get(metric.alias) : metric.name !== undefined ? this.byName.get(metric.name) : undefined;
  }

  entries(): AliasEntry[] {
    return [...this.byName.values()];
  }
}
