import type { Point } from '../../model/point.ts';
import { aliasFor, COMMAND_ACK_OFFSET, datatypeOf, qualityCode, QUALITY_PROPERTY, type Metric, type MetricValue } from '../../model/sparkplug.ts';
import { isTagName, TAGS, type TagDefinition, type TagName } from '../../model/tags.ts';

// One device's metrics as the edge node publishes them: which catalogue tags it carries, under
// which alias, and how a point becomes a metric. Births, data, replay and commands share this.

const TAG_INDEX: ReadonlyMap<TagName, number> = new Map(TAGS.map((t, i) => [t.name, i]));

export class DeviceMetrics {
  /** Catalogue tags the driver maps, in catalogue order. */
  readonly defs: readonly TagDefinition[];
  /** Driver tags the catalogue does not know: they are not published. */
  readonly unknownTags: readonly string[];
  readonly ackAlias: number;
  private readonly aliasByTag = new Map<TagName, number>();
  private readonly defByAlias = new Map<number, TagDefinition>();

  constructor(
    readonly substation: string,
    readonly deviceIndex: number,
    driverTags: readonly string[],
  ) {
    const mapped = new Set(driverTags);
    this.defs = TAGS.filter((t) => mapped.has(t.name));
    this.unknownTags = driverTags.filter((t) => !isTagName(t));
    for (const def of this.defs) {
      const alias = aliasFor(deviceIndex, TAG_INDEX.get(def.name) as number);
      this.aliasByTag.set(def.name, alias);
      this.defByAlias.set(alias, def);
    }
    this.ackAlias = aliasFor(deviceIndex, COMMAND_ACK_OFFSET);
  }

  /** The alias of a tag this device carries; undefined for any other tag. */
  aliasOf(tag: TagName): number | undefined {
    return this.aliasByTag.get(tag);
  }

  /** The tag a metric of a DCMD names, by name or by alias; undefined when this device has no such tag. */
  resolve(metric: Pick<Metric, 'name' | 'alias'>): TagDefinition | undefined {
    if (metric.name !== undefined) return isTagName(metric.name) && this.aliasByTag.has(metric.name) ? TAGS[TAG_INDEX.get(metric.name) as number] : undefined;
    return metric.alias === undefined ? undefined : this.defByAlias.get(metric.alias);
  }

  /**
   * A point as a DDATA metric: alias only. The Quality property travels only when the quality
   * is not good: a metric without it is good, as Ignition reads it.
   */
  dataMetric(point: Point, historical: boolean): Metric | undefined {
    const alias = this.aliasByTag.get(point.tag);
    if (alias === undefined) return undefined;
    const def = this.defByAlias.get(alias) as TagDefinition;
    const metric: Metric = { alias, timestamp: point.ts, datatype: datatypeOf(def), value: metricValue(def, point.value) };
    if (historical) metric.isHistorical = true;
    if (point.quality !== 'good') metric.properties = { [QUALITY_PROPERTY]: { type: 'Int32', value: qualityCode(point.quality) } };
    return metric;
  }

  /** The command acknowledgement as a DDATA metric (alias only). */
  ackMetric(json: string, ts: number): Metric {
    return { alias: this.ackAlias, timestamp: ts, datatype: 'String', value: json };
  }
}

/** A point value in the datatype its tag travels as (datatypeOf). */
export function metricValue(def: TagDefinition, value: number | boolean): MetricValue {
  const dt = datatypeOf(def);
  if (dt === 'Boolean') return typeof value === 'boolean' ? value : value !== 0;
  const n = typeof value === 'boolean' ? Number(value) : value;
  return dt === 'Double' ? n : Math.round(n);
}
