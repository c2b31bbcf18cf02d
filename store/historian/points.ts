import type { Quality } from '../../model/point.ts';
import { QUALITY_PROPERTY, qualityFromCode, type Metric, type SparkplugPayload } from '../../model/sparkplug.ts';
import { isValidTs } from '../rules.ts';
import type { AliasTable } from './aliases.ts';
import { unknownMetrics, whereOf, type DeviceTopic, type HostContext } from './context.ts';

// The hot path: the metrics of a DBIRTH or DDATA become points of the device's substation.
// A bad metric (unknown alias, wrong value type, impossible timestamp) is counted and skipped
// here, before batching: the store refuses a whole batch for one bad point, and the others of
// the same message must be written all the same.

function qualityOf(metric: Metric): Quality {
  const code = metric.properties?.[QUALITY_PROPERTY]?.value;
  return typeof code === 'number' ? qualityFromCode(code) : 'good';
}

export function historise(ctx: HostContext, table: AliasTable, topic: DeviceTopic, payload: SparkplugPayload): void {
  const { metrics, timestamp } = payload;
  const substation = topic.device;
  let unknown = 0;
  let firstUnknown: string | number | undefined;
  let wrongType = 0;
  let firstWrong: string | undefined;
  let badTime = 0;
  let firstBadTime: number | undefined;
  for (let i = 0; i < metrics.length; i++) {
    const metric = metrics[i];
    const entry = table.lookup(metric);
    if (entry === undefined) {
      if (unknown++ === 0) firstUnknown = metric.alias ?? metric.name;
      continue;
    }
    if (entry.tag === null) continue;
    const value = metric.value;
    if (value === null) {
      ctx.events.nulls++;
      continue;
    }
    if (typeof value === 'string' || typeof value !== entry.kind || (typeof value === 'number' && !Number.isFinite(value))) {
      if (wrongType++ === 0) firstWrong = entry.name;
      continue;
    }
    const ts = metric.timestamp ?? timestamp;
    if (!isValidTs(ts)) {
      if (badTime++ === 0) firstBadTime = ts;
      continue;
    }
    ctx.writer.push(substation, entry.tag, ts, value, qualityOf(metric), metric.isHistorical === true);
  }
  if (unknown > 0) unknownMetrics(ctx, topic, unknown, firstUnknown);
  if (wrongType > 0) ctx.counters.count('HS_ERR_SPARKPLUG_TYPE', wrongType, { ...whereOf(topic), tag: firstWrong });
  if (badTime > 0) ctx.counters.count('HS_ERR_SPARKPLUG_TIMESTAMP', badTime, { ...whereOf(topic), ts: firstBadTime });
}
