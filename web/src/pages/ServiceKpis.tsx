// #/service-kpis: the regulators' figures of the residents' service (model/service.ts ServiceKpi
// says how each is computed) for the company or per area, crew, community, day or season, over a
// chosen period: a table, charts of complaints per day and of the within-limit and satisfaction
// rates, and the same table as CSV.

import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { KPI_GROUPINGS } from '../../../model/service.ts';
import { formatNumber } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { serviceApi, type KpiGrouping, type KpiQuery, type ServiceKpi } from '../service-api.ts';

type Column = { kpi: keyof ServiceKpi; label: MessageKey; show: (k: ServiceKpi) => string };

const percent = (rate: number | null): string => (rate === null ? '—' : `${(rate * 100).toFixed(1)} %`);
/** Complaints per 10,000 m² or 1,000 households: a day's figure is well below one. */
const perUnit = (n: number | null): string => (n === null ? '—' : n.toFixed(2));
const COLUMNS: Column[] = [
  { kpi: 'complaints', label: 'service.kpi.complaints', show: (k) => String(k.complaints) },
  { kpi: 'firstResponseMin', label: 'service.kpi.firstResponseMin', show: (k) => formatNumber(k.firstResponseMin, 'min') },
  { kpi: 'withinLimitRate', label: 'service.kpi.withinLimitRate', show: (k) => percent(k.withinLimitRate) },
  { kpi: 'closureRate', label: 'service.kpi.closureRate', show: (k) => percent(k.closureRate) },
  { kpi: 'satisfactionRate', label: 'service.kpi.satisfactionRate', show: (k) => percent(k.satisfactionRate) },
  { kpi: 'effectiveFollowUpRate', label: 'service.kpi.effectiveFollowUpRate', show: (k) => percent(k.effectiveFollowUpRate) },
  { kpi: 'repeatRate', label: 'service.kpi.repeatRate', show: (k) => percent(k.repeatRate) },
  { kpi: 'per10kM2', label: 'service.kpi.per10kM2', show: (k) => perUnit(k.per10kM2) },
  { kpi: 'per1kHouseholds', label: 'service.kpi.per1kHouseholds', show: (k) => perUnit(k.per1kHouseholds) },
  { kpi: 'falseClosureRisks', label: 'service.kpi.falseClosureRisks', show: (k) => String(k.falseClosureRisks) },
  { kpi: 'reachedByOrder', label: 'service.kpi.reachedByOrder', show: (k) => String(k.reachedByOrder) },
];

/** A date input's value (local midnight) as ms, and the end of that day for `to`. */
const dayStart = (value: string): number | undefined => (value ? new Date(`${value}T00:00`).getTime() : undefined);
const dayEnd = (value: string): number | undefined => (value ? new Date(`${value}T00:00`).getTime() + 86_400_000 : undefined);

function useKpis(q: KpiQuery): { rows: ServiceKpi[] | undefined; error: string | undefined } {
  const [rows, setRows] = useState<ServiceKpi[]>();
  const [error, setError] = useState<string>();
  const key = JSON.stringify(q);
  useEffect(() => {
    const ctrl = new AbortController();
    serviceApi.kpis(q, ctrl.signal).then((r) => (setRows(r), setError(undefined)), (e: unknown) => ctrl.signal.aborted || setError((e as Error).message));
    return () => ctrl.abort();
    // The query's identity is its key.
  }, [key]);
  return { rows, error };
}

/** Every day from the first to the last of the keys (YYYY-MM-DD): a day without complaints is a bar of 0, not a gap closed up. */
function everyDay(keys: readonly string[]): string[] {
  if (keys.length === 0) return [];
  const sorted = [...keys].sort();
  const out: string[] = [];
  for (let t = Date.parse(`${sorted[0]}T00:00Z`), last = Date.parse(`${sorted[sorted.length - 1]}T00:00Z`); t <= last; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function DailyCharts({ days }: { days: ServiceKpi[] }) {
  const { t } = useI18n();
  const byDay = new Map(days.map((d) => [d.key, d]));
  const data = everyDay(days.map((d) => d.key)).map((day) => {
    const d = byDay.get(day);
    return {
      day,
      complaints: d?.complaints ?? 0,
      within: d?.withinLimitRate == null ? null : d.withinLimitRate * 100,
      satisfied: d?.satisfactionRate == null ? null : d.satisfactionRate * 100,
    };
  });
  const tooltip = { contentStyle: { background: '#161b22', border: '1px solid #30363d' } };
  return (
    <div className="balance-charts svc-charts">
      <div className="panel chart" data-testid="svc-chart-daily" data-days={data.length}>
        <h3>{t('service.kpi.perDay')}</h3>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
            <CartesianGrid stroke="#2a3340" strokeDasharray="3 3" />
            <XAxis dataKey="day" stroke="#8b98a8" />
            <YAxis stroke="#8b98a8" allowDecimals={false} width={40} />
            <Tooltip {...tooltip} />
            <Bar dataKey="complaints" name={t('service.kpi.complaints')} fill="#58a6ff" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="panel chart" data-testid="svc-chart-rates">
        <h3>{t('service.kpi.rates')}</h3>
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
            <CartesianGrid stroke="#2a3340" strokeDasharray="3 3" />
            <XAxis dataKey="day" stroke="#8b98a8" />
            <YAxis stroke="#8b98a8" domain={[0, 100]} unit=" %" width={56} />
            <Tooltip {...tooltip} formatter={(v) => `${Number(v).toFixed(1)} %`} />
            <Legend />
            <Line dataKey="within" name={t('service.kpi.withinLimitRate')} stroke="#3fb950" dot isAnimationActive={false} connectNulls />
            <Line dataKey="satisfied" name={t('service.kpi.satisfactionRate')} stroke="#f0883e" dot isAnimationActive={false} connectNulls />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}

export default function ServiceKpis() {
  const { t } = useI18n();
  const [by, setBy] = useState<KpiGrouping>('company');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [message, setMessage] = useState<string>();
  const period = { from: dayStart(from), to: dayEnd(to) };
  const table = useKpis({ by, ...period });
  const days = useKpis({ by: 'day', ...period });
  return (
    <section className="svc-kpis">
      <div className="toolbar">
        <span role="radiogroup" aria-label={t('service.kpi.by')}>
          {KPI_GROUPINGS.map((g) => (
            <button key={g} type="button" className={g === by ? 'on' : ''} aria-pressed={g === by} onClick={() => setBy(g)} data-testid={`svc-kpi-by-${g}`}>{t(`service.kpi.by.${g}`)}</button>
          ))}
        </span>
        <label>{t('audit.from')} <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="svc-kpi-from" /></label>
        <label>{t('audit.to')} <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="svc-kpi-to" /></label>
        <button type="button" onClick={() => serviceApi.exportKpis({ by, ...period }).catch((e: unknown) => setMessage((e as Error).message))} data-testid="svc-kpi-csv">{t('service.exportCsv')}</button>
      </div>
      {message && <p className="error">{message}</p>}
      {table.error ? <p className="error">{t('service.off', { message: table.error })}</p> : !table.rows ? <p className="muted">{t('trend.loading')}</p> : table.rows.length === 0 ? <p className="muted">{t('service.none')}</p> : (
        <div className="svc-kpi-scroll">
          <table className="table svc-kpi-table" data-testid="svc-kpi-table" data-by={by}>
            <thead>
              <tr>
                <th>{t(`service.kpi.by.${by}`)}</th>
                {COLUMNS.map((c) => <th key={c.kpi} className="num">{t(c.label)}</th>)}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((k) => (
                <tr key={k.key} data-key={k.key}>
                  <td>{k.key}</td>
                  {COLUMNS.map((c) => <td key={c.kpi} className="num" data-kpi={c.kpi}>{c.show(k)}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {days.rows && days.rows.length > 0 && <DailyCharts days={days.rows} />}
      <p className="kpi-how">{t('service.kpi.how')}</p>
    </section>
  );
}
