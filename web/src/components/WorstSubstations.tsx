// The substations that need someone first, live: in alarm, offline, stale, then the coldest
// homes. The wall shows it where the network picture goes until that picture is there.

import type { Status } from '../api.ts';
import { formatNumber } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { useOverviewLive } from '../live.ts';
import { StatusBadge } from './StatusBadge.tsx';
import { SubstationName } from './SubstationName.tsx';

const SEVERITY: Record<Status, number> = { alarm: 0, offline: 1, stale: 2, online: 3 };

export function WorstSubstations({ limit }: { limit: number }) {
  const { t } = useI18n();
  const rows = [...useOverviewLive().values()].sort((a, b) => SEVERITY[a.status] - SEVERITY[b.status] || (a.indoorMinC ?? Infinity) - (b.indoorMinC ?? Infinity) || a.id.localeCompare(b.id));
  return (
    <ol className="wall-list" data-testid="wall-worst" aria-label={t('wall.worst')}>
      {rows.slice(0, limit).map((r) => (
        <li key={r.id} className={`status-row-${r.status}`} data-substation={r.id}>
          <span><SubstationName id={r.id} link={false} /></span>
          <StatusBadge status={r.status} />
          <span className={`num ${r.indoorMinC !== null && r.indoorMinC < 18 ? 'cold' : ''}`}>{formatNumber(r.indoorMinC, '°C')} °C</span>
        </li>
      ))}
    </ol>
  );
}
