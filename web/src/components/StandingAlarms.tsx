// The alarms standing now, worst first (priority, then newest), large enough to read across a
// room; what does not fit is counted.

import { PRIORITY_COLOURS, type Alarm, type Priority } from '../alarms-api.ts';
import { formatTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { SubstationName } from './SubstationName.tsx';

const RANK: Record<Priority, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function StandingAlarms({ alarms, limit }: { alarms: Alarm[]; limit: number }) {
  const { t, lang } = useI18n();
  const standing = alarms.filter((a) => a.state !== 'normal' && a.shelvedUntil === null && !a.outOfService).sort((a, b) => RANK[a.priority] - RANK[b.priority] || b.raisedAt - a.raisedAt);
  if (standing.length === 0) return <p className="muted wall-quiet">{t('wall.noAlarms')}</p>;
  return (
    <>
      <ol className="wall-list" data-testid="wall-alarms">
        {standing.slice(0, limit).map((a) => (
          <li key={a.id} data-alarm={a.alarm} data-substation={a.substation} data-priority={a.priority} style={{ borderLeft: `10px solid ${PRIORITY_COLOURS[a.priority]}`, fontWeight: a.state.startsWith('unack') ? 700 : 400 }}>
            <span style={{ color: PRIORITY_COLOURS[a.priority] }}>{t(`alarms.priority.${a.priority}`)}</span>
            <span><strong><SubstationName id={a.substation} link={false} /></strong> {a.title[lang]}</span>
            <span className="muted num">{formatTime(a.raisedAt)}</span>
          </li>
        ))}
      </ol>
      {standing.length > limit && <p className="muted">{t('wall.more', { n: standing.length - limit })}</p>}
    </>
  );
}
