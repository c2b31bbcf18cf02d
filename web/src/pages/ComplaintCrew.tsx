// A crew's complaints on its phone (#/crew/<crew>, under its work orders): the homes to visit with
// their address large, one big button at a time — on site, then the room's measured temperature,
// time and instrument, then what was fixed and resolved.

import { useCallback, useState } from 'react';
import { usePolled } from '../polled.ts';
import { INDOOR_FLOOR_C } from '../../../model/service.ts';
import { complaintMarks } from '../complaint-marks.ts';
import { addressLine } from '../components/service/ComplaintDetail.tsx';
import { ComplaintMarkBadges } from '../components/service/ComplaintMarkBadges.tsx';
import { useCrewMay } from '../components/service/ComplaintSteps.tsx';
import { OnSiteForm, ResolveForm } from '../components/service/CrewSteps.tsx';
import { SubstationName } from '../components/SubstationName.tsx';
import { formatDateTime, formatNumber, formatTime, useNow } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { serviceApi, type Complaint } from '../service-api.ts';

/** The states in which a complaint waits for the crew. */
const AT_CREW = new Set<Complaint['state']>(['dispatched', 'on_site']);

function useCrewComplaints(crew: string): { complaints: Complaint[] | undefined; error: string | undefined; reload: () => void } {
  const { value: complaints, error, reload } = usePolled(useCallback(() => serviceApi.list({ crew }).then((l) => l.filter((c) => AT_CREW.has(c.state))), [crew]));
  return { complaints, error, reload };
}

function CrewCard({ complaint: c, onDone }: { complaint: Complaint; onDone: () => void }) {
  const { t } = useI18n();
  const now = useNow(30_000);
  const may = useCrewMay()(c);
  const [arriving, setArriving] = useState(false);
  return (
    <article className="card svc-crew-card" data-complaint={c.id} data-state={c.state}>
      <div className="svc-crew-address" data-testid="svc-crew-address">{addressLine(c)}</div>
      <div>
        <strong>{t(`service.category.${c.category}`)}</strong> · <SubstationName id={c.substation} link={false} /> <ComplaintMarkBadges marks={complaintMarks(c, now)} />
      </div>
      <div className="muted">{t('service.crew.due', { time: formatDateTime(c.dueAt) })}</div>
      {c.words && <p>{c.words}</p>}
      {c.measurement && (
        <div className={c.measurement.tempC < INDOOR_FLOOR_C ? 'cold' : ''} data-testid="svc-crew-measured">
          {t('service.crew.measured', { temp: formatNumber(c.measurement.tempC, '°C'), time: formatTime(c.measurement.at), instrument: c.measurement.instrument })}
        </div>
      )}
      {may && c.state === 'dispatched' && !arriving && (
        <button type="button" className="svc-primary svc-big" onClick={() => setArriving(true)} data-testid="svc-arrive">{t('service.crew.onSite')}</button>
      )}
      {may && c.state === 'dispatched' && arriving && <OnSiteForm complaint={c} onDone={onDone} big />}
      {may && c.state === 'on_site' && <ResolveForm complaint={c} onDone={onDone} big />}
    </article>
  );
}

export function ComplaintCrew({ crew }: { crew: string }) {
  const { t } = useI18n();
  const { complaints, error, reload } = useCrewComplaints(crew);
  return (
    <section className="svc-crew" data-testid="svc-crew">
      <h2>{t('service.crew.title', { n: complaints?.length ?? 0 })}</h2>
      {error ? <p className="muted">{t('service.off', { message: error })}</p> : !complaints ? <p className="muted">{t('trend.loading')}</p> : complaints.length === 0 ? <p className="muted">{t('service.crew.none')}</p> : (
        complaints.map((c) => <CrewCard key={c.id} complaint={c} onDone={reload} />)
      )}
    </section>
  );
}
