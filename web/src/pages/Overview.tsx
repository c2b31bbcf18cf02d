// Every substation at a glance, worst first. The list is virtualised: a city of several hundred
// substations renders only the rows on screen, and a live update re-renders only those.

import { useVirtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { api, type NetworkSubstation, type Status } from '../api.ts';
import { substationHref } from '../routes.ts';
import { PlantBanner } from '../components/PlantBanner.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { Totals } from '../components/Totals.tsx';
import { formatAge, formatNumber, useNow } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { useConnection, useOverviewLive, type OverviewRow } from '../live.ts';
import { displayName, matchesQuery, normalQuery } from '../network-search.ts';
import { COLD_C } from '../network-state.ts';

const ROW_HEIGHT = 34;
/** Worst first: what needs a crew sorts to the top. */
const SEVERITY: Record<Status, number> = { alarm: 0, offline: 1, stale: 2, online: 3 };

type Filter = 'offline' | 'alarm' | 'cold';
const FILTERS: { id: Filter; label: MessageKey; test: (r: OverviewRow) => boolean }[] = [
  { id: 'offline', label: 'overview.filter.offline', test: (r) => r.status === 'offline' },
  { id: 'alarm', label: 'overview.filter.alarm', test: (r) => r.status === 'alarm' },
  { id: 'cold', label: 'overview.filter.cold', test: (r) => r.indoorMinC !== null && r.indoorMinC < COLD_C },
];

interface Named {
  name?: string;
  name_en?: string;
  /** Pinyin initials of the name, for search. */
  initials?: string;
  /** The row as the REST snapshot saw it, until the live room sends its own. */
  row: OverviewRow;
}

function fromNetwork(s: NetworkSubstation): Named {
  const num = (tag: string) => {
    const v = s.values[tag]?.value;
    return typeof v === 'number' ? v : null;
  };
  const ts = Math.max(0, ...Object.values(s.values).map((r) => r.ts));
  return {
    name: s.name,
    name_en: s.name_en,
    initials: s.initials,
    row: {
      id: s.id,
      status: s.status,
      t1s: num('primary.supply_temp'),
      t1r: num('primary.return_temp'),
      t2s: num('secondary.supply_temp'),
      t2r: num('secondary.return_temp'),
      heatKw: num('heat.power'),
      makeupM3h: num('makeup.flow'),
      indoorMinC: num('indoor.temp_min'),
      ts,
    },
  };
}

const byWorstFirst = (a: OverviewRow, b: OverviewRow) =>
  SEVERITY[a.status] - SEVERITY[b.status] || (a.indoorMinC ?? Infinity) - (b.indoorMinC ?? Infinity) || a.id.localeCompare(b.id);

const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

export function Overview() {
  const { t } = useI18n();
  const { epoch } = useConnection();
  const live = useOverviewLive();
  const [known, setKnown] = useState<Map<string, Named>>(() => new Map());
  const [search, setSearch] = useState('');
  const [filters, setFilters] = useState<Set<Filter>>(() => new Set());
  const query = useDeferredValue(normalQuery(search));

  // Names come from REST; fetched again after a reconnect, when substations may have appeared.
  useEffect(() => {
    const ctrl = new AbortController();
    api.network(ctrl.signal).then(
      (net) => setKnown(new Map(net.substations.map((s) => [s.id, fromNetwork(s)]))),
      () => undefined,
    );
    return () => ctrl.abort();
  }, [epoch]);

  const all = useMemo(() => {
    const rows = new Map<string, OverviewRow>();
    for (const [id, k] of known) rows.set(id, k.row);
    for (const [id, r] of live) rows.set(id, r);
    return [...rows.values()].sort(byWorstFirst);
  }, [known, live]);

  const shown = useMemo(() => {
    const active = FILTERS.filter((f) => filters.has(f.id));
    return all.filter(
      (r) =>
        (active.length === 0 || active.some((f) => f.test(r))) &&
        matchesQuery({ ...known.get(r.id), id: r.id }, query),
    );
  }, [all, filters, query, known]);

  const toggle = (f: Filter) =>
    setFilters((prev) => {
      const next = new Set(prev);
      if (!next.delete(f)) next.add(f);
      return next;
    });

  return (
    <div className="overview">
      <PlantBanner />
      <Totals />
      <div className="toolbar">
        <input type="search" placeholder={t('overview.search')} value={search} onChange={(e) => setSearch(e.target.value)} data-testid="search" />
        {FILTERS.map((f) => (
          <label key={f.id} className={`chip ${filters.has(f.id) ? 'on' : ''}`}>
            <input type="checkbox" checked={filters.has(f.id)} onChange={() => toggle(f.id)} data-testid={`filter-${f.id}`} />
            {t(f.label)}
          </label>
        ))}
        <span className="muted">{t('overview.shown', { n: shown.length, total: all.length })}</span>
      </div>
      <SubstationList rows={shown} names={known} empty={all.length === 0 ? t('overview.waiting') : t('overview.empty')} />
    </div>
  );
}

function SubstationList({ rows, names, empty }: { rows: OverviewRow[]; names: Map<string, Named>; empty: string }) {
  const { t, lang } = useI18n();
  const now = useNow(5000);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => rows[i].id,
  });
  return (
    <div className="list" role="table">
      <div className="row head" role="row">
        <span>{t('col.substation')}</span>
        <span>{t('col.status')}</span>
        <span className="num">{t('col.t1')} °C</span>
        <span className="num">{t('col.t2')} °C</span>
        <span className="num">{t('col.dt')} K</span>
        <span className="num">{t('col.heat')} kW</span>
        <span className="num">{t('col.makeup')} m³/h</span>
        <span className="num">{t('col.indoorMin')} °C</span>
      </div>
      <div className="list-body" ref={scroller}>
        {rows.length === 0 && <p className="muted pad">{empty}</p>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const r = rows[item.index];
            const quiet = r.status === 'offline' || r.status === 'stale';
            const cold = r.indoorMinC !== null && r.indoorMinC < COLD_C;
            return (
              <a
                key={item.key}
                href={substationHref(r.id)}
                className={`row status-row-${r.status}`}
                role="row"
                data-testid="substation-row"
                data-id={r.id}
                style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              >
                <span className="name">
                  {displayName(names.get(r.id), r.id, lang)} {names.get(r.id)?.name && <small className="muted">{r.id}</small>}
                </span>
                <span>
                  <StatusBadge status={r.status} />
                  {quiet && r.ts > 0 && <small className="age"> {formatAge(now - r.ts, t)}</small>}
                </span>
                <span className="num">
                  {formatNumber(r.t1s, '°C')} / {formatNumber(r.t1r, '°C')}
                </span>
                <span className="num">
                  {formatNumber(r.t2s, '°C')} / {formatNumber(r.t2r, '°C')}
                </span>
                <span className="num">
                  {formatNumber(diff(r.t1s, r.t1r), 'K')} / {formatNumber(diff(r.t2s, r.t2r), 'K')}
                </span>
                <span className="num">{formatNumber(r.heatKw, 'kW')}</span>
                <span className="num" data-testid="makeup">
                  {formatNumber(r.makeupM3h, 'm³/h')}
                </span>
                <span className={`num ${cold ? 'cold' : ''}`}>
                  {formatNumber(r.indoorMinC, '°C')}
                </span>
              </a>
            );
          })}
        </div>
      </div>
    </div>
  );
}
