// How many substations have their coldest home in each half-kelvin band, with the 18 °C line
// (below it a home gets a refund): balancing is doing its job when nothing sits left of the
// line and the bars stand close to its right.

import { Bar, BarChart, CartesianGrid, Cell, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useI18n } from '../i18n.ts';

/** The legal floor for indoor temperature. */
const COLD_C = 18;
const BIN_K = 0.5;

export interface Bin {
  /** The band's lower edge, °C: bands are [from, from + 0.5). */
  from: number;
  count: number;
}

/** Half-kelvin bands from the coldest to the warmest reading, always including the 18 °C edge, none left out between. */
export function coldHomeBins(temps: readonly number[]): Bin[] {
  if (temps.length === 0) return [];
  const lo = Math.floor(Math.min(COLD_C - BIN_K, ...temps) / BIN_K);
  const hi = Math.floor(Math.max(COLD_C, ...temps) / BIN_K);
  const bins: Bin[] = [];
  for (let k = lo; k <= hi; k++) bins.push({ from: k * BIN_K, count: 0 });
  for (const t of temps) bins[Math.floor(t / BIN_K) - lo].count++;
  return bins;
}

export function ColdHomesChart({ temps, height = 220 }: { temps: readonly number[]; height?: number }) {
  const { t } = useI18n();
  const data = coldHomeBins(temps).map((b) => ({ ...b, band: `${b.from.toFixed(1)}–${(b.from + BIN_K).toFixed(1)}` }));
  const below = temps.filter((x) => x < COLD_C).length;
  return (
    <div className="chart" data-testid="cold-chart" data-below={below} data-homes={temps.length}>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={data} margin={{ top: 16, right: 8, bottom: 8, left: 8 }} barCategoryGap={1}>
          <CartesianGrid stroke="#2a3340" strokeDasharray="3 3" />
          <XAxis dataKey="band" stroke="#8b98a8" label={{ value: '°C', position: 'insideBottomRight', offset: -4, fill: '#8b98a8' }} />
          <YAxis stroke="#8b98a8" allowDecimals={false} width={40} />
          <Tooltip contentStyle={{ background: '#161b22', border: '1px solid #30363d' }} labelFormatter={(band) => `${band} °C`} formatter={(n) => [n, t('balance.cold.count')]} />
          <Bar dataKey="count" isAnimationActive={false}>
            {data.map((b) => <Cell key={b.band} fill={b.from < COLD_C ? '#79c0ff' : '#3fb950'} />)}
          </Bar>
          <ReferenceLine x={`${COLD_C.toFixed(1)}–${(COLD_C + BIN_K).toFixed(1)}`} position="start" stroke="#f85149" strokeWidth={2} label={{ value: '18 °C', position: 'top', fill: '#f85149' }} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
