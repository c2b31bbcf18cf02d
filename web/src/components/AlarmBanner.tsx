// On every page: how many alarms wait for acknowledgement, by priority, the newest of the worst,
// and a flood warning; a click opens the alarm list. Nothing shows when all is quiet or the
// alarm engine is not running.

import { PRIORITY_COLOURS, useAlarms, type Priority } from '../alarms-api.ts';
import { useI18n } from '../i18n.ts';

const ORDER: Priority[] = ['critical', 'high', 'medium', 'low'];

export function AlarmBanner() {
  const { t, lang } = useI18n();
  const { list } = useAlarms();
  const unacked = (list?.alarms ?? []).filter((a) => (a.state === 'unack_active' || a.state === 'unack_returned') && !a.outOfService && a.shelvedUntil === null);
  if (!list || (unacked.length === 0 && list.floodOn === null)) return null;
  const worst = ORDER.find((p) => unacked.some((a) => a.priority === p));
  const newest = unacked.filter((a) => a.priority === worst).sort((a, b) => b.raisedAt - a.raisedAt)[0];
  return (
    <a className="alarm-banner" href="#/alarms" style={{ display: 'block', padding: '6px 12px', color: '#fff', background: worst ? PRIORITY_COLOURS[worst] : PRIORITY_COLOURS.medium }}>
      {t('alarms.banner', { n: unacked.length })}
      {ORDER.map((p) => {
        const n = unacked.filter((a) => a.priority === p).length;
        return n > 0 ? <span key={p} style={{ marginLeft: 12 }}>{`${t(`alarms.priority.${p}`)}: ${n}`}</span> : null;
      })}
      {newest && <span style={{ marginLeft: 12 }}>— {newest.substation}: {newest.title[lang]}</span>}
      {list.floodOn !== null && <strong style={{ marginLeft: 12 }}>{t('alarms.flood')}</strong>}
    </a>
  );
}
