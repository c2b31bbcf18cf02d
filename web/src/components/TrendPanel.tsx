// A trend of chosen series over a chosen range: the range buttons, the CSV export and the chart.
// It asks the server for as many points as the chart is wide, so a season downsamples there
// and not in the browser.

import { useEffect, useRef, useState } from 'react';
import { api, seriesKey, type History, type HistoryQuery, type SeriesRef } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { TrendChart } from './TrendChart.tsx';

const HOUR = 3_600_000;
export const RANGES = { '1h': HOUR, '6h': 6 * HOUR, '24h': 24 * HOUR, '7d': 168 * HOUR, '30d': 720 * HOUR, season: 4320 * HOUR };
export type RangeId = keyof typeof RANGES;

const CHART_HEIGHT = 320;
/** Refetching on every pixel of a resize would flood the server; widths snap to this step. */
const WIDTH_STEP = 50;

interface Props {
  series: SeriesRef[];
  ranges: RangeId[];
  label: (s: SeriesRef) => string;
}

function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

export function TrendPanel({ series, ranges, label }: Props) {
  const { t } = useI18n();
  const [range, setRange] = useState<RangeId>(ranges[0]);
  const { ref, width } = useWidth();
  const [loaded, setLoaded] = useState<{ query: HistoryQuery; history: History }>();
  const [error, setError] = useState<string>();
  const keys = series.map(seriesKey).join(',');
  const measured = width > 0;
  const points = Math.max(WIDTH_STEP, Math.floor(width / WIDTH_STEP) * WIDTH_STEP);

  useEffect(() => {
    if (series.length === 0 || !measured) return;
    const ctrl = new AbortController();
    const load = () => {
      const to = Date.now();
      const query = { series, from: to - RANGES[range], to, points };
      api.history(query, ctrl.signal).then(
        (history) => {
          setLoaded({ query, history });
          setError(undefined);
        },
        (e: Error) => {
          if (!ctrl.signal.aborted) setError(e.message);
        },
      );
    };
    load();
    // New data arrives about once a chart pixel's worth of time; never poll faster than 5 s.
    const timer = setInterval(load, Math.max(5000, RANGES[range] / points));
    return () => {
      clearInterval(timer);
      ctrl.abort();
    };
    // `keys` stands for `series`, whose array identity changes on every render of the parent.
  }, [keys, range, points, measured]);

  const shown = loaded && loaded.query.series.map(seriesKey).join(',') === keys ? loaded : undefined;
  const hasData = shown?.history.series.some((s) => s.points.some(([, v]) => v !== null)) ?? false;
  return (
    <section className="trend" data-testid="trend">
      <div className="toolbar">
        {ranges.map((r) => (
          <button key={r} type="button" className={r === range ? 'on' : ''} onClick={() => setRange(r)} data-testid={`range-${r}`}>
            {t(`range.${r}`)}
          </button>
        ))}
        {shown && (
          <button type="button" onClick={() => api.exportHistoryCsv(shown.query).catch((e: Error) => setError(e.message))} data-testid="export-csv">
            {t('trend.export')}
          </button>
        )}
      </div>
      <div ref={ref} className="chart" style={{ height: CHART_HEIGHT }} data-has-data={hasData}>
        {series.length === 0 ? (
          <p className="muted pad">{t('trend.noSeries')}</p>
        ) : error ? (
          <p className="error pad">{t('trend.error', { message: error })}</p>
        ) : !shown ? (
          <p className="muted pad">{t('trend.loading')}</p>
        ) : !hasData ? (
          <p className="muted pad">{t('trend.noData')}</p>
        ) : (
          <TrendChart
            series={shown.history.series}
            from={shown.history.from}
            to={shown.history.to}
            width={width}
            height={CHART_HEIGHT}
            label={label}
          />
        )}
      </div>
    </section>
  );
}
