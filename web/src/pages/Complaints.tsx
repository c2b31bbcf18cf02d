// #/complaints: the residents' complaints from every channel, proactive ones (cold-homes orders
// opened from telemetry) among them, newest first, filtered by state, channel, substation and
// community, overdue and false-closure risks marked; the hotline's intake form above; the
// selected complaint (#/complaints/<id>) beside the list with the plant's figures next to it.

import { useCallback, useEffect, useState } from 'react';
import { CHANNELS, COMPLAINT_STATES } from '../../../model/service.ts';
import { complaintMarks } from '../complaint-marks.ts';
import { ComplaintDetail, addressLine } from '../components/service/ComplaintDetail.tsx';
import { ComplaintForm } from '../components/service/ComplaintForm.tsx';
import { ComplaintMarkBadges } from '../components/service/ComplaintMarkBadges.tsx';
import { SubstationName } from '../components/SubstationName.tsx';
import { formatDateTime, useNow } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { complaintHref } from '../routes.ts';
import { serviceApi, type Complaint, type ComplaintFilter } from '../service-api.ts';
import { useCan } from '../session.ts';
import { useSubstationNames } from '../substation-names.ts';

const REFRESH_MS = 5000;
const PAGE = 50;
/** The API's largest page (api/routes/service-schemas.ts ListQuery). */
const MAX_LIMIT = 500;

function useComplaintList(filter: ComplaintFilter, tick: number): { list: Complaint[] | undefined; error: string | undefined } {
  const [list, setList] = useState<Complaint[]>();
  const [error, setError] = useState<string>();
  const key = JSON.stringify(filter);
  const [again, setAgain] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    serviceApi.list(filter, ctrl.signal).then((l) => (setList(l), setError(undefined)), (e: unknown) => ctrl.signal.aborted || setError((e as Error).message));
    const timer = setTimeout(() => setAgain((n) => n + 1), REFRESH_MS);
    return () => (ctrl.abort(), clearTimeout(timer));
    // The filter's identity is its key.
  }, [key, tick, again]);
  return { list, error };
}

/** The selected complaint, asked again as often as the list: a crew's step elsewhere shows here. */
function useSelected(id: number | undefined, tick: number): [Complaint | undefined, (c: Complaint) => void] {
  const [selected, setSelected] = useState<Complaint>();
  const [again, setAgain] = useState(0);
  useEffect(() => {
    if (id === undefined) return setSelected(undefined);
    const ctrl = new AbortController();
    serviceApi.get(id, ctrl.signal).then(setSelected, () => ctrl.signal.aborted || setSelected(undefined));
    const timer = setTimeout(() => setAgain((n) => n + 1), REFRESH_MS);
    return () => (ctrl.abort(), clearTimeout(timer));
  }, [id, tick, again]);
  return [selected?.id === id ? selected : undefined, setSelected];
}

export default function Complaints({ selected: selectedId }: { selected?: number }) {
  const { t } = useI18n();
  const can = useCan();
  const names = useSubstationNames();
  const now = useNow(30_000);
  const [filter, setFilter] = useState<ComplaintFilter>({ limit: PAGE });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const { list, error } = useComplaintList(filter, tick);
  const [selected, setSelected] = useSelected(selectedId, tick);
  const [message, setMessage] = useState<string>();
  const set = (patch: Partial<ComplaintFilter>) => setFilter((f) => ({ ...f, ...patch, limit: PAGE }));
  const changed = (c: Complaint) => (setSelected(c), reload());

  return (
    <div className="svc-page">
      <div className="svc-main">
        {can('hotline') && <ComplaintForm onCreated={(c) => ((location.hash = complaintHref(c.id)), changed(c))} />}
        <div className="toolbar svc-filters">
          <select value={filter.state ?? ''} onChange={(e) => set({ state: (e.target.value || undefined) as ComplaintFilter['state'] })} data-testid="svc-filter-state">
            <option value="">{t('service.filter.allStates')}</option>
            {COMPLAINT_STATES.map((s) => <option key={s} value={s}>{t(`service.state.${s}`)}</option>)}
          </select>
          <select value={filter.channel ?? ''} onChange={(e) => set({ channel: (e.target.value || undefined) as ComplaintFilter['channel'] })} data-testid="svc-filter-channel">
            <option value="">{t('service.filter.allChannels')}</option>
            {CHANNELS.map((c) => <option key={c} value={c}>{t(`service.channel.${c}`)}</option>)}
          </select>
          <select value={filter.substation ?? ''} onChange={(e) => set({ substation: e.target.value || undefined })} data-testid="svc-filter-substation">
            <option value="">{t('service.filter.allSubstations')}</option>
            {[...names.all.keys()].sort().map((id) => <option key={id} value={id}>{names.nameOf(id)}</option>)}
          </select>
          <input type="search" placeholder={t('service.filter.community')} value={filter.community ?? ''} onChange={(e) => set({ community: e.target.value || undefined })} data-testid="svc-filter-community" />
          <input type="search" placeholder={t('service.filter.q')} value={filter.q ?? ''} onChange={(e) => set({ q: e.target.value || undefined })} data-testid="svc-filter-q" />
          <button type="button" onClick={() => serviceApi.exportCsv({ ...filter, limit: undefined }).catch((e: unknown) => setMessage((e as Error).message))} data-testid="svc-export">{t('service.exportCsv')}</button>
          <a href="#/service-kpis">{t('service.nav.kpis')}</a>
        </div>
        {message && <p className="error">{message}</p>}
        {error ? <p className="error">{t('service.off', { message: error })}</p> : !list ? <p className="muted">{t('trend.loading')}</p> : list.length === 0 ? <p className="muted">{t('service.none')}</p> : (
          <table className="table svc-list" data-testid="svc-list">
            <thead>
              <tr>
                <th>#</th><th>{t('service.col.received')}</th><th>{t('service.field.channel')}</th><th>{t('service.col.address')}</th><th>{t('service.field.category')}</th>
                <th>{t('service.col.state')}</th><th>{t('col.substation')}</th><th>{t('service.col.crew')}</th><th />
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id} data-complaint={c.id} data-state={c.state} data-channel={c.channel} className={c.id === selectedId ? 'selected' : ''}>
                  <td><a href={complaintHref(c.id)} data-testid="svc-open">#{c.id}</a></td>
                  <td>{formatDateTime(c.receivedAt)}</td>
                  <td>{t(`service.channel.${c.channel}`)}</td>
                  <td>{addressLine(c)}</td>
                  <td>{t(`service.category.${c.category}`)}</td>
                  <td>{t(`service.state.${c.state}`)}</td>
                  <td><SubstationName id={c.substation} /></td>
                  <td>{c.crew ?? '—'}</td>
                  <td><ComplaintMarkBadges marks={complaintMarks(c, now)} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {list && list.length >= (filter.limit ?? PAGE) && (filter.limit ?? PAGE) < MAX_LIMIT && <button type="button" onClick={() => setFilter((f) => ({ ...f, limit: (f.limit ?? PAGE) + PAGE }))}>{t('service.more')}</button>}
      </div>
      <aside className="svc-side">
        {selected ? <ComplaintDetail key={selected.id} complaint={selected} onChanged={changed} /> : <p className="muted">{t('service.pick')}</p>}
      </aside>
    </div>
  );
}
