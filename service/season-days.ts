import type { ServiceConfig } from './config-schema.ts';

// The days of each heating season of the `season` KPI grouping, as spans of day keys
// (YYYY-MM-DD). Without a configured season, seasons run July to June (northern China heats
// October to April, in the middle). A configured season takes its days out of the July–June
// seasons around it, and is one season with the one of its own id (the usual 2026-2027).

type Configured = NonNullable<ServiceConfig['season']>;
export type DaySpan = readonly [first: string, last: string];

export interface SeasonDays {
  id: string;
  /** One or two spans, both ends in. */
  spans: DaySpan[];
}

const DAY_MS = 86_400_000;
const shift = (day: string, days: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** The span less the configured season's days: none, one or two spans. */
function without([first, last]: DaySpan, configured: Configured | undefined): DaySpan[] {
  if (!configured || configured.end < first || configured.start > last) return [[first, last]];
  const spans: DaySpan[] = [];
  if (first < configured.start) spans.push([first, shift(configured.start, -1)]);
  if (configured.end < last) spans.push([shift(configured.end, 1), last]);
  return spans;
}

/** Spans in order, those that touch or overlap made one. */
function merged(spans: DaySpan[]): DaySpan[] {
  const out: DaySpan[] = [];
  for (const span of [...spans].sort((a, b) => a[0].localeCompare(b[0]))) {
    const prev = out[out.length - 1];
    if (prev && shift(prev[1], 1) >= span[0]) out[out.length - 1] = [prev[0], span[1] > prev[1] ? span[1] : prev[1]];
    else out.push(span);
  }
  return out;
}

/** The seasons of the days from `firstDay` to `lastDay`, in order of their first day. */
export function seasonsBetween(firstDay: string, lastDay: string, configured?: Configured): SeasonDays[] {
  const julyYear = (day: string) => Number(day.slice(0, 4)) - (day.slice(5, 7) < '07' ? 1 : 0);
  const seasons = new Map<string, DaySpan[]>();
  const add = (id: string, spans: DaySpan[]) => seasons.set(id, merged([...(seasons.get(id) ?? []), ...spans]));
  for (let y = julyYear(firstDay); y <= julyYear(lastDay); y++) add(`${y}-${y + 1}`, without([`${y}-07-01`, `${y + 1}-06-30`], configured));
  if (configured) add(configured.id, [[configured.start, configured.end]]);
  return [...seasons]
    .filter(([, spans]) => spans.length > 0)
    .map(([id, spans]) => ({ id, spans }))
    .sort((a, b) => a.spans[0][0].localeCompare(b.spans[0][0]));
}
