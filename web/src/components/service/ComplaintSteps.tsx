// The next step of a complaint, as the role logged in may take it: the hotline dispatches, calls
// the resident back (回访) and closes; the order's crew (or the admin) records on site and
// resolved. Closing shows beforehand the false-closure flags it would raise.

import { useState, type FormEvent } from 'react';
import { falseClosureRisks } from '../../../../model/service.ts';
import { useI18n } from '../../i18n.ts';
import { serviceApi, type Complaint } from '../../service-api.ts';
import { useCan, useSession } from '../../session.ts';
import { OnSiteForm, ResolveForm, useStep } from './CrewSteps.tsx';

/** Whether the user may take the crew's steps on this complaint: a member of its order's crew, or the admin (as the API's guard says). */
export function useCrewMay(): (c: Complaint) => boolean {
  const session = useSession();
  const can = useCan();
  return (c) => (session.status === 'in' && session.user.role === 'crew' ? c.crew !== null && session.user.crew === c.crew : can('crew'));
}

function DispatchForm({ complaint, onDone }: { complaint: Complaint; onDone: (c: Complaint) => void }) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const step = useStep(onDone, ['note']);
  return (
    <form className="svc-step inline" onSubmit={step.run(() => serviceApi.dispatch(complaint.id, note.trim() || undefined))}>
      <input placeholder={t('service.step.note')} value={note} onChange={(e) => setNote(e.target.value)} data-testid="svc-dispatch-note" />
      <button type="submit" className="svc-primary" disabled={step.busy} data-testid="svc-dispatch">{t('service.step.dispatch')}</button>
      {step.errorAt('note')}
      {step.errorAt()}
    </form>
  );
}

function FollowUpForm({ complaint, onDone }: { complaint: Complaint; onDone: (c: Complaint) => void }) {
  const { t } = useI18n();
  const [reached, setReached] = useState(true);
  const [satisfied, setSatisfied] = useState<boolean | null>(null);
  const [words, setWords] = useState('');
  const step = useStep(onDone, ['reached', 'satisfied', 'words']);
  const onSubmit = (e: FormEvent) => {
    if (reached && satisfied === null) {
      e.preventDefault();
      return step.fail('satisfied', t('service.step.pickSatisfied'));
    }
    step.run(() => serviceApi.followUp(complaint.id, { reached, satisfied: reached ? satisfied : null, words: words.trim() }))(e);
  };
  const yesNo = (name: string, value: boolean | null, set: (v: boolean) => void, disabled = false) => (
    <span role="radiogroup" className="svc-yesno">
      {[true, false].map((v) => (
        <label key={String(v)} className={`chip${value === v ? ' on' : ''}`}>
          <input type="radio" name={`${name}-${complaint.id}`} checked={value === v} disabled={disabled} onChange={() => set(v)} data-testid={`svc-${name}-${v ? 'yes' : 'no'}`} /> {t(v ? 'service.yes' : 'service.no')}
        </label>
      ))}
    </span>
  );
  return (
    <form className="svc-step" onSubmit={onSubmit} data-testid="svc-followup-form">
      <div className="svc-field"><span className="svc-label">{t('service.step.reached')}</span>{yesNo('reached', reached, setReached)}{step.errorAt('reached')}</div>
      <div className="svc-field"><span className="svc-label">{t('service.step.satisfied')}</span>{yesNo('satisfied', reached ? satisfied : null, setSatisfied, !reached)}{step.errorAt('satisfied')}</div>
      <label className="svc-field">
        <span className="svc-label">{t('service.step.residentWords')}</span>
        <textarea rows={2} value={words} onChange={(e) => setWords(e.target.value)} data-testid="svc-followup-words" />
        {step.errorAt('words')}
      </label>
      {step.errorAt()}
      <button type="submit" className="svc-primary" disabled={step.busy} data-testid="svc-followup">{t('service.step.recordFollowUp')}</button>
    </form>
  );
}

function CloseForm({ complaint, onDone }: { complaint: Complaint; onDone: (c: Complaint) => void }) {
  const { t } = useI18n();
  const step = useStep(onDone, []);
  const risks = falseClosureRisks(complaint);
  return (
    <form className="svc-step inline" onSubmit={step.run(() => serviceApi.close(complaint.id))}>
      {risks.map((r) => <span key={r} className="error" data-testid="svc-close-risk" data-risk={r}>⚠ {t(`service.risk.${r}`)}</span>)}
      <button type="submit" disabled={step.busy} data-testid="svc-close">{t(risks.length > 0 ? 'service.step.closeAnyway' : 'service.step.close')}</button>
      {step.errorAt()}
    </form>
  );
}

export function ComplaintSteps({ complaint, onChanged }: { complaint: Complaint; onChanged: (c: Complaint) => void }) {
  const { t } = useI18n();
  const hotline = useCan()('hotline');
  const crewMay = useCrewMay()(complaint);
  const c = complaint;
  const steps = [
    c.state === 'received' && hotline && <DispatchForm key="dispatch" complaint={c} onDone={onChanged} />,
    c.state === 'dispatched' && crewMay && <OnSiteForm key="onsite" complaint={c} onDone={onChanged} />,
    c.state === 'on_site' && crewMay && <ResolveForm key="resolve" complaint={c} onDone={onChanged} />,
    c.state === 'resolved' && hotline && <FollowUpForm key="followup" complaint={c} onDone={onChanged} />,
    (c.state === 'resolved' || c.state === 'followed_up') && hotline && <CloseForm key="close" complaint={c} onDone={onChanged} />,
  ].filter(Boolean);
  if (c.state === 'closed') return null;
  return steps.length > 0 ? <div className="svc-steps" data-testid="svc-steps">{steps}</div> : <p className="muted">{t('service.step.notYours', { state: t(`service.state.${c.state}`) })}</p>;
}
