// What every KPI counts of a complaint, as SQL over its row, and the covering index of each
// grouping that holds those counts. A KPI query is one scan of one index in group order, and on
// this scale its cost is one aggregate step per aggregate per row: so the yes/no counters are
// paired into one integer (the second times 2³²), one SUM adding two of them. The index holds
// each pair as an indexed expression, which SQLite reads from the index: the table needs no
// column for them, and an existing file only new indexes. A change to a counter or an index is a
// new migration of complaint-table.ts that drops and makes the indexes again.

/** Residents' complaints: the KPIs leave out the proactive ones (our own orders). */
export const RESIDENTS = "channel <> 'proactive'";

/** The yes/no counters of a complaint, [name, SQL condition], two to a SUM. */
export const COUNTER_PAIRS = [
  [
    ['resolved', 'resolved_at IS NOT NULL'],
    ['in_limit', 'resolved_at IS NOT NULL AND resolved_at <= due_at'],
  ],
  [
    ['closed', 'closed_at IS NOT NULL'],
    ['reached', 'follow_up_reached IS 1'],
  ],
  [
    ['satisfied', 'follow_up_reached IS 1 AND follow_up_satisfied IS 1'],
    ['repeats', 'repeat_of IS NOT NULL'],
  ],
  [
    ['false_closures', 'false_closure IS NOT NULL'],
    ['reached_by_order', 'reached_by_order <> 0'],
  ],
] as const;
export type Counter = (typeof COUNTER_PAIRS)[number][number][0];

/** The due time of a complaint not resolved yet. */
const UNRESOLVED_DUE = '(CASE WHEN resolved_at IS NULL THEN due_at END)';

/** A pair as one integer: 32 bits each, so a group may hold 4 billion complaints. */
const pairOf = ([[, low], [, high]]: (typeof COUNTER_PAIRS)[number]): string => `((${low}) + ((${high}) << 32))`;

/**
 * The SQL of every counter over a group, split from their pairs (SQLite adds each SUM once).
 * With `complaints`, the group's size, and `past_due`, those not resolved whose limit is before
 * @now (the only count that depends on when it is asked).
 */
export const COUNTER_SUMS = [
  'COUNT(*) AS complaints',
  `TOTAL(${UNRESOLVED_DUE} < @now) AS past_due`,
  ...COUNTER_PAIRS.flatMap((pair) => [`SUM(${pairOf(pair)}) & 4294967295 AS ${pair[0][0]}`, `SUM(${pairOf(pair)}) >> 32 AS ${pair[1][0]}`]),
].join(', ');

/** The median first response (dispatched − received), ms: SQLite's median() (its percentile functions, built into better-sqlite3). */
export const MEDIAN_RESPONSE = 'median(response_ms) AS response_ms';

/** Groupings with a column of their own; the company and its seasons are read from the days' index. */
export const KPI_GROUPS = ['area', 'crew', 'community', 'day'] as const;
export type KpiGroupColumn = (typeof KPI_GROUPS)[number];

export const kpiIndex = (g: KpiGroupColumn): string => `complaints_kpi_${g}`;
export const dropKpiIndexes = (): string => KPI_GROUPS.map((g) => `DROP INDEX IF EXISTS ${kpiIndex(g)};`).join('\n');

/**
 * One covering, partial index per grouping: the group, the time of receipt (the period), the
 * pairs, the due time of an unresolved one, the first response; channel too, or SQLite reads the
 * table to check the partial index's own condition.
 */
export const kpiIndexes = (): string =>
  KPI_GROUPS.map(
    (g) =>
      `CREATE INDEX ${kpiIndex(g)} ON complaints (${g}, received_at, ${COUNTER_PAIRS.map(pairOf).join(', ')}, ` +
      `${UNRESOLVED_DUE}, response_ms, channel) WHERE ${RESIDENTS};`,
  ).join('\n');
