// Several series on one time axis; one Y scale per unit, so a temperature and a heat power can
// be compared without one flattening the other.

import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { seriesKey, type HistorySeries } from '../api.ts';
import { DISPLAY_ZONE, formatDateTime, formatNumber } from '../format.ts';

const COLORS = ['#f0883e', '#58b8e8', '#e5534b', '#8ddb8c', '#d2a8ff', '#e3b341', '#4c8ed9', '#f778ba'];
const MINUTE_MS = 60_000;
const DAY_MS = 1440 * MINUTE_MS;
/** Tick spacings a reader can count in: minutes, hours, days. */
const TICK_STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160, 43200];
const TICKS = 8;

/** Ticks on round local times, about TICKS of them across [from, to]. */
function timeTicks(from: number, to: number): number[] {
  const stepMin = TICK_STEPS_MIN.find((m) => (to - from) / (m * MINUTE_MS) <= TICKS) ?? TICK_STEPS_MIN[TICK_STEPS_MIN.length - 1];
  const step = stepMin * MINUTE_MS;
  const offset = new Date(from).getTimezoneOffset() * MINUTE_MS;
  const ticks: number[] = [];
  for (let ts = Math.ceil((from - offset) / step) * step + offset; ts <= to; ts += step) ticks.push(ts);
  return ticks;
}

interface Props {
  series: HistorySeries[];
  from: number;
  to: number;
  width: number;
  height: number;
  label: (s: HistorySeries) => string;
}

type Row = Record<string, number | null>;

function rows(series: HistorySeries[]): Row[] {
  const byTs = new Map<number, Row>();
  for (const s of series) {
    const key = seriesKey(s);
    for (const [ts, value] of s.points) {
      const row = byTs.get(ts) ?? { ts };
      row[key] = value;
      byTs.set(ts, row);
    }
  }
  return [...byTs.values()].sort((a, b) => (a.ts as number) - (b.ts as number));
}

export function TrendChart({ series, from, to, width, height, label }: Props) {
  const units = [...new Set(series.map((s) => s.unit))];
  const span = to - from;
  const tick = (ms: number) => {
    const d = new Date(ms);
    const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: DISPLAY_ZONE });
    const md = d.toLocaleDateString('en-CA', { month: '2-digit', day: '2-digit', timeZone: DISPLAY_ZONE });
    return span <= DAY_MS ? hm : `${md}${span <= 7 * DAY_MS ? ` ${hm}` : ''}`;
  };
  const unitOf = new Map(series.map((s) => [seriesKey(s), s.unit]));
  return (
    <LineChart width={width} height={height} data={rows(series)} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
      <CartesianGrid stroke="#2a3340" strokeDasharray="3 3" />
      <XAxis dataKey="ts" type="number" domain={[from, to]} ticks={timeTicks(from, to)} tickFormatter={tick} stroke="#8b98a8" />
      {units.map((unit, k) => (
        <YAxis
          key={unit || '-'}
          yAxisId={unit}
          orientation={k === 0 ? 'left' : 'right'}
          hide={k > 1}
          stroke="#8b98a8"
          domain={['auto', 'auto']}
          width={56}
          label={{ value: unit, angle: -90, position: k === 0 ? 'insideLeft' : 'insideRight', fill: '#8b98a8' }}
        />
      ))}
      <Tooltip
        contentStyle={{ background: '#161b22', border: '1px solid #30363d' }}
        labelFormatter={(ms) => formatDateTime(Number(ms))}
        formatter={(value, _name, item) => {
          const unit = unitOf.get(String(item.dataKey)) ?? '';
          return `${formatNumber(Number(value), unit)} ${unit}`;
        }}
      />
      <Legend />
      {series.map((s, k) => (
        <Line
          key={seriesKey(s)}
          yAxisId={s.unit}
          dataKey={seriesKey(s)}
          name={`${label(s)} (${s.unit})`}
          stroke={COLORS[k % COLORS.length]}
          dot={false}
          strokeWidth={1.5}
          isAnimationActive={false}
          connectNulls={false}
        />
      ))}
    </LineChart>
  );
}
