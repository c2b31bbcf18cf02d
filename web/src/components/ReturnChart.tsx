// Each substation's return temperature against what balancing aims it at: the curve's return
// for its emitter type, and the network's floor above it (the return that low substations are
// lifted to). Returns that sit together within the band are what a balanced network looks like.

import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { SubstationControl } from '../api.ts';
import { formatNumber } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { useSubstationNames } from '../substation-names.ts';

interface Point {
  id: string;
  /** The substation's name in the UI's language, for the axis. */
  name: string;
  returnC: number | null;
  targetC: number | null;
  floorC: number | null;
}

export function ReturnChart({ substations, floorK, height = 260 }: { substations: SubstationControl[]; floorK: number | null; height?: number }) {
  const { t } = useI18n();
  const { nameOf } = useSubstationNames();
  const data: Point[] = substations.map((s) => ({
    id: s.id,
    name: nameOf(s.id),
    returnC: s.inputs?.returnC ?? null,
    targetC: s.returnTargetC,
    floorC: s.returnTargetC !== null && floorK !== null ? s.returnTargetC + floorK : null,
  }));
  return (
    <div className="chart" data-testid="return-chart" data-points={data.filter((d) => d.returnC !== null).length}>
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
          <CartesianGrid stroke="#2a3340" strokeDasharray="3 3" />
          <XAxis dataKey="name" stroke="#8b98a8" interval="preserveStartEnd" />
          <YAxis stroke="#8b98a8" domain={['auto', 'auto']} width={56} label={{ value: '°C', angle: -90, position: 'insideLeft', fill: '#8b98a8' }} />
          <Tooltip contentStyle={{ background: '#161b22', border: '1px solid #30363d' }} formatter={(value) => `${formatNumber(Number(value), '°C')} °C`} />
          <Legend />
          <Bar dataKey="returnC" name={t('balance.chart.return')} fill="#58a6ff" isAnimationActive={false} />
          {/* Targets as marks on each bar, not lines: between substations there is nothing to join. */}
          <Line dataKey="targetC" name={t('balance.chart.target')} stroke="#f0883e" strokeWidth={0} dot={{ r: 6, fill: '#f0883e' }} legendType="circle" isAnimationActive={false} />
          {floorK !== null && <Line dataKey="floorC" name={t('balance.chart.floor')} stroke="#8ddb8c" strokeWidth={0} dot={{ r: 5, fill: '#8ddb8c' }} legendType="circle" isAnimationActive={false} />}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
