// Several tags of several substations on one chart, from an hour to a season. The chosen series
// live in the URL, so a view can be bookmarked or sent to a colleague.

import { useEffect, useMemo, useState } from 'react';
import { api, parseSeriesKey, seriesKey, type SeriesRef, type TagInfo } from '../api.ts';
import { historyHref } from '../routes.ts';
import { TrendPanel } from '../components/TrendPanel.tsx';
import { useI18n } from '../i18n.ts';

export default function History({ initial }: { initial: string[] }) {
  const { t, tagLabel } = useI18n();
  const [series, setSeries] = useState<SeriesRef[]>(() => initial.flatMap((k) => parseSeriesKey(k) ?? []));
  const [names, setNames] = useState<Map<string, string>>(() => new Map());
  const [substation, setSubstation] = useState('');
  const [tags, setTags] = useState<TagInfo[]>([]);
  const [tag, setTag] = useState('');

  useEffect(() => {
    const ctrl = new AbortController();
    api.network(ctrl.signal).then((net) => {
      setNames(new Map(net.substations.map((s) => [s.id, s.name ?? s.id])));
      setSubstation((prev) => prev || (net.substations[0]?.id ?? ''));
    }, () => undefined);
    return () => ctrl.abort();
  }, []);

  // The tags a substation really has, with their units, come from the API rather than a copy.
  useEffect(() => {
    if (!substation) return;
    const ctrl = new AbortController();
    api.substation(substation, ctrl.signal).then((d) => {
      const numeric = d.tags.filter((x) => typeof x.value === 'number');
      setTags(numeric);
      setTag((prev) => (numeric.some((x) => x.tag === prev) ? prev : (numeric[0]?.tag ?? '')));
    }, () => undefined);
    return () => ctrl.abort();
  }, [substation]);

  useEffect(() => history.replaceState(null, '', historyHref(series.map(seriesKey))), [series]);

  const add = () => {
    const ref = { substation, tag };
    if (substation && tag && !series.some((s) => seriesKey(s) === seriesKey(ref))) setSeries([...series, ref]);
  };
  const label = (s: SeriesRef) => `${names.get(s.substation) ?? s.substation} · ${tagLabel(s.tag)}`;
  const sorted = useMemo(() => [...names].sort((a, b) => a[1].localeCompare(b[1])), [names]);

  return (
    <div className="history">
      <h1>{t('history.title')}</h1>
      <div className="toolbar">
        <label>
          {t('history.substation')}{' '}
          <select value={substation} onChange={(e) => setSubstation(e.target.value)} data-testid="history-substation">
            {sorted.map(([id, name]) => (
              <option key={id} value={id}>
                {name} ({id})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('history.tag')}{' '}
          <select value={tag} onChange={(e) => setTag(e.target.value)} data-testid="history-tag">
            {tags.map((x) => (
              <option key={x.tag} value={x.tag}>
                {tagLabel(x.tag)} ({x.unit})
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={add} data-testid="history-add">
          {t('history.add')}
        </button>
      </div>
      <div className="toolbar">
        {series.map((s) => (
          <button key={seriesKey(s)} type="button" className="chip on" title={t('history.remove', { name: label(s) })} onClick={() => setSeries(series.filter((x) => x !== s))}>
            {label(s)} ✕
          </button>
        ))}
      </div>
      <div className="panel">
        <TrendPanel series={series} ranges={['1h', '6h', '24h', '7d', '30d', 'season']} label={label} />
      </div>
    </div>
  );
}
