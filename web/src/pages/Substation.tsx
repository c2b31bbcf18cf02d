// One substation: its mimic with live values, every tag with quality and age, and a trend of the
// tags ticked in the table.

import { useEffect, useMemo, useState } from 'react';
import { api, ApiError, seriesKey, type SubstationDetail } from '../api.ts';
import { historyHref } from '../routes.ts';
import { Mimic, type MimicReading } from '../components/Mimic.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { TrendPanel } from '../components/TrendPanel.tsx';
import { formatAge, formatValue, useNow } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { useConnection, useSubstationLive } from '../live.ts';
import { displayName } from '../network-search.ts';

const DEFAULT_TREND = ['primary.supply_temp', 'primary.return_temp', 'secondary.supply_temp', 'secondary.return_temp'];

export default function Substation({ id }: { id: string }) {
  const { t, tagLabel, lang } = useI18n();
  const { epoch } = useConnection();
  const live = useSubstationLive(id);
  const now = useNow();
  const [detail, setDetail] = useState<SubstationDetail>();
  const [missing, setMissing] = useState(false);
  const [trended, setTrended] = useState<string[]>(DEFAULT_TREND);

  useEffect(() => {
    const ctrl = new AbortController();
    api.substation(id, ctrl.signal).then(setDetail, (e: unknown) => setMissing(e instanceof ApiError && e.status === 404));
    return () => ctrl.abort();
  }, [id, epoch]);

  // The REST answer brings units and limits; live points overwrite its values as they arrive.
  const readings = useMemo(() => {
    const map = new Map<string, MimicReading>();
    for (const tag of detail?.tags ?? []) {
      const p = live.points.get(tag.tag);
      map.set(tag.tag, p && p.ts >= tag.ts ? { ...p, unit: tag.unit } : tag);
    }
    return map;
  }, [detail, live.points]);

  const series = useMemo(() => trended.map((tag) => ({ substation: id, tag })), [id, trended]);

  if (missing) return <p className="error pad">{t('sub.notFound', { id })}</p>;
  if (!detail) return <p className="muted pad">{t('trend.loading')}</p>;

  const status = live.status ?? detail.status;
  const lastTs = Math.max(0, ...[...readings.values()].map((r) => r.ts));
  const toggle = (tag: string) => setTrended((prev) => (prev.includes(tag) ? prev.filter((x) => x !== tag) : [...prev, tag]));

  return (
    <div className="substation">
      <div className="subhead">
        <a href="#/">{t('sub.back')}</a>
        <h1>
          {displayName({ name: detail.name ?? undefined, name_en: detail.name_en ?? undefined }, detail.id, lang)} {detail.name && <small className="muted">{detail.id}</small>}
        </h1>
        <StatusBadge status={status} />
        {lastTs > 0 && <span className={`muted ${status === 'online' || status === 'alarm' ? '' : 'age'}`}>{t('sub.lastData', { age: formatAge(now - lastTs, t) })}</span>}
      </div>
      <div className="split">
        <div className="panel">
          <Mimic status={status} readings={readings} />
        </div>
        <div className="panel tags">
          <h2>{t('sub.tags')}</h2>
          <table className="tagtable">
            <thead>
              <tr>
                <th />
                <th>{t('col.tag')}</th>
                <th className="num">{t('col.value')}</th>
                <th className="num">{t('col.age')}</th>
              </tr>
            </thead>
            <tbody>
              {detail.tags.map(({ tag, unit }) => {
                const r = readings.get(tag);
                const numeric = typeof r?.value === 'number';
                return (
                  <tr key={tag} className={`q-${r?.quality ?? 'bad'}`} data-tag={tag}>
                    <td>{numeric && <input type="checkbox" checked={trended.includes(tag)} onChange={() => toggle(tag)} aria-label={tagLabel(tag)} />}</td>
                    <td title={tag}>{tagLabel(tag)}</td>
                    <td className="num">
                      {formatValue(r?.value, unit, t)} <small className="muted">{numeric ? unit : ''}</small>
                    </td>
                    <td className="num muted">{r && r.ts > 0 ? formatAge(now - r.ts, t) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </div>
      <div className="panel">
        <div className="panel-head">
          <h2>{t('sub.trend')}</h2>
          <a href={historyHref(series.map(seriesKey))}>{t('sub.openHistory')}</a>
        </div>
        <TrendPanel series={series} ranges={['1h', '6h', '24h', '7d']} label={(s) => tagLabel(s.tag)} />
      </div>
    </div>
  );
}
