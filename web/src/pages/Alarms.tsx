// The alarm list: priority colours, filters (priority, state, substation), acknowledge with a
// comment and shelve for a while from the list, open a work order by hand; the alarms of a flood
// are one row (expand to see them). The actions take an operator; a viewer sees the list only.

import { useState } from 'react';
import { alarmsApi, PRIORITY_COLOURS, useAlarms, type Alarm, type Priority } from '../alarms-api.ts';
import { formatTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { SubstationName } from '../components/SubstationName.tsx';
import { matchesQuery, normalQuery } from '../network-search.ts';
import { useCan } from '../session.ts';
import { useSubstationNames } from '../substation-names.ts';

const PRIORITIES: Priority[] = ['critical', 'high', 'medium', 'low'];
const SHELF_MINUTES = [30, 120, 480];

export default function Alarms() {
  const { t, lang } = useI18n();
  const { list, error, refresh } = useAlarms();
  const names = useSubstationNames();
  const operator = useCan()('operator');
  const [priority, setPriority] = useState<Priority | ''>('');
  const [unackedOnly, setUnackedOnly] = useState(false);
  const [search, setSearch] = useState('');
  const [openFlood, setOpenFlood] = useState<number | null>(null);
  const [message, setMessage] = useState<string>();
  if (error) return <p className="muted">{t('alarms.off', { message: error })}</p>;
  if (!list) return <p className="muted">{t('trend.loading')}</p>;

  const act = (p: Promise<unknown>) => p.then(refresh, (e: unknown) => setMessage((e as Error).message));
  const ack = (a: Alarm) => {
    const comment = prompt(t('alarms.comment')) ?? undefined;
    if (comment !== undefined) act(alarmsApi.ack(a.id, comment));
  };
  // The search finds a substation as the overview's does: name, English name, pinyin initials or id.
  const query = normalQuery(search);
  const shown = list.alarms.filter(
    (a) => (priority === '' || a.priority === priority) && (!unackedOnly || a.state.startsWith('unack')) && matchesQuery(names.all.get(a.substation) ?? { id: a.substation }, query),
  );
  // A flood is one row: its first alarm stands for the group.
  const rows: (Alarm | { flood: number; alarms: Alarm[] })[] = [];
  for (const a of shown) {
    if (a.floodGroup === null || openFlood === a.floodGroup) rows.push(a);
    else if (!rows.some((r) => 'flood' in r && r.flood === a.floodGroup)) rows.push({ flood: a.floodGroup, alarms: shown.filter((b) => b.floodGroup === a.floodGroup) });
  }
  return (
    <section>
      <div className="filters" style={{ display: 'flex', gap: 12, marginBottom: 8 }}>
        <select value={priority} onChange={(e) => setPriority(e.target.value as Priority | '')}>
          <option value="">{t('alarms.allPriorities')}</option>
          {PRIORITIES.map((p) => <option key={p} value={p}>{t(`alarms.priority.${p}`)}</option>)}
        </select>
        <label>
          <input type="checkbox" checked={unackedOnly} onChange={(e) => setUnackedOnly(e.target.checked)} /> {t('alarms.unackedOnly')}
        </label>
        <input placeholder={t('overview.search')} value={search} onChange={(e) => setSearch(e.target.value)} />
        <a href="#/work-orders">{t('nav.workOrders')}</a>
      </div>
      {message && <p className="error">{message}</p>}
      {rows.length === 0 ? (
        <p className="muted">{t('alarms.none')}</p>
      ) : (
        <table className="table">
          <thead>
            <tr><th>{t('alarms.col.priority')}</th><th>{t('col.substation')}</th><th>{t('alarms.col.alarm')}</th><th>{t('alarms.col.state')}</th><th>{t('alarms.col.raised')}</th><th /></tr>
          </thead>
          <tbody>
            {rows.map((r) =>
              'flood' in r ? (
                <tr key={`f${r.flood}`} onClick={() => setOpenFlood(r.flood)} style={{ cursor: 'pointer', fontWeight: 'bold' }}>
                  <td colSpan={6}>{t('alarms.floodRow', { n: r.alarms.length })}</td>
                </tr>
              ) : (
                <tr key={r.id} data-alarm={r.alarm} data-substation={r.substation} data-state={r.state} style={{ borderLeft: `6px solid ${PRIORITY_COLOURS[r.priority]}`, fontWeight: r.state.startsWith('unack') ? 'bold' : 'normal' }}>
                  <td style={{ color: PRIORITY_COLOURS[r.priority] }}>{t(`alarms.priority.${r.priority}`)}</td>
                  <td><SubstationName id={r.substation} /></td>
                  <td>{r.title[lang]}</td>
                  <td>{t(`alarms.state.${r.state}`)}{r.shelvedUntil !== null ? ` · ${t('alarms.shelvedUntil', { time: formatTime(r.shelvedUntil) })}` : ''}{r.outOfService ? ` · ${t('alarms.oos')}` : ''}</td>
                  <td>{formatTime(r.raisedAt)}</td>
                  <td>
                    {operator && r.state.startsWith('unack') && <button data-testid="alarm-ack" onClick={() => ack(r)}>{t('alarms.ack')}</button>}
                    {operator && r.shelvedUntil === null && (
                      <select value="" onChange={(e) => e.target.value && act(alarmsApi.shelve(r.id, Number(e.target.value), ''))}>
                        <option value="">{t('alarms.shelve')}</option>
                        {SHELF_MINUTES.map((m) => <option key={m} value={m}>{t('alarms.minutes', { n: m })}</option>)}
                      </select>
                    )}
                    {operator && <button onClick={() => act(alarmsApi.openOrder(r.id, ''))}>{t('alarms.order')}</button>}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}
