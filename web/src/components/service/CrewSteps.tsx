// The crew's two steps at the home, shared by the control room's detail and the crew's phone
// page: on site (the measured room temperature, when, with which instrument — 室温检测) and
// resolved (what was fixed, or nothing). The instrument is remembered on the device: a crew
// carries the same one all day.

import { useState, type FormEvent } from 'react';
import { INDOOR_FLOOR_C } from '../../../../model/service.ts';
import { useI18n } from '../../i18n.ts';
import { FieldError, serviceApi, type Complaint } from '../../service-api.ts';

const INSTRUMENT_KEY = 'heatscada.service.instrument';

/** ms ↔ the value of an <input type="datetime-local">, in the device's zone. */
const toLocalInput = (ms: number): string => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
const fromLocalInput = (value: string): number => new Date(value).getTime();

interface StepProps {
  complaint: Complaint;
  onDone: (c: Complaint) => void;
  /** Phone-sized controls. */
  big?: boolean;
}

/** A step's submission and its refusal, shown beside the field it names (one of `fields`) or under the form. */
export function useStep(onDone: (c: Complaint) => void, fields: readonly string[]) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field: string | undefined; text: string }>();
  const run = (call: () => Promise<Complaint>) => (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    call().then(onDone, (err: unknown) => setError({ field: err instanceof FieldError ? err.field : undefined, text: (err as Error).message })).finally(() => setBusy(false));
  };
  const placeOf = (field: string | undefined) => (field !== undefined && fields.includes(field) ? field : undefined);
  const errorAt = (field?: string) => (error && placeOf(error.field) === field ? <span className="error svc-error" data-testid={`svc-${field ?? 'step'}-error`}>{error.text}</span> : null);
  return { busy, run, errorAt, fail: (field: string, text: string) => setError({ field, text }) };
}

export function OnSiteForm({ complaint, onDone, big }: StepProps) {
  const { t } = useI18n();
  const [temp, setTemp] = useState('');
  const [at, setAt] = useState(() => toLocalInput(Date.now()));
  const [instrument, setInstrument] = useState(() => localStorage.getItem(INSTRUMENT_KEY) ?? '');
  const step = useStep(onDone, ['tempC', 'at', 'instrument']);
  const tempC = Number(temp.replace(',', '.'));
  const onSubmit = (e: FormEvent) => {
    if (temp.trim() === '' || !Number.isFinite(tempC)) {
      e.preventDefault();
      return step.fail('tempC', t('service.step.needTemp'));
    }
    localStorage.setItem(INSTRUMENT_KEY, instrument.trim());
    step.run(() => serviceApi.onSite(complaint.id, { tempC, instrument: instrument.trim(), at: fromLocalInput(at) }))(e);
  };
  return (
    <form className={`svc-step${big ? ' big' : ''}`} onSubmit={onSubmit} data-testid="svc-onsite-form">
      <label className="svc-field">
        <span className="svc-label">{t('service.step.tempC')}</span>
        <input type="text" inputMode="decimal" value={temp} onChange={(e) => setTemp(e.target.value)} data-testid="svc-temp" autoFocus />
        {step.errorAt('tempC')}
      </label>
      {temp.trim() !== '' && Number.isFinite(tempC) && tempC < INDOOR_FLOOR_C && <p className="cold" data-testid="svc-below-floor">{t('service.step.belowFloor', { floor: INDOOR_FLOOR_C })}</p>}
      <label className="svc-field">
        <span className="svc-label">{t('service.step.at')}</span>
        <input type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} data-testid="svc-at" />
        {step.errorAt('at')}
      </label>
      <label className="svc-field">
        <span className="svc-label">{t('service.step.instrument')}</span>
        <input value={instrument} onChange={(e) => setInstrument(e.target.value)} data-testid="svc-instrument" />
        {step.errorAt('instrument')}
      </label>
      {step.errorAt()}
      <button type="submit" className="svc-primary" disabled={step.busy} data-testid="svc-onsite">{t('service.step.recordOnSite')}</button>
    </form>
  );
}

export function ResolveForm({ complaint, onDone, big }: StepProps) {
  const { t } = useI18n();
  const [fix, setFix] = useState('');
  const step = useStep(onDone, ['fix']);
  const cold = complaint.measurement !== null && complaint.measurement.tempC < INDOOR_FLOOR_C;
  return (
    <form className={`svc-step${big ? ' big' : ''}`} onSubmit={step.run(() => serviceApi.resolve(complaint.id, fix.trim() || null))} data-testid="svc-resolve-form">
      <label className="svc-field">
        <span className="svc-label">{t('service.step.fix')}</span>
        <textarea rows={3} value={fix} onChange={(e) => setFix(e.target.value)} data-testid="svc-fix" autoFocus />
        {step.errorAt('fix')}
      </label>
      {cold && fix.trim() === '' && <p className="cold" data-testid="svc-cold-no-fix">{t('service.step.coldNoFix', { floor: INDOOR_FLOOR_C })}</p>}
      {step.errorAt()}
      <button type="submit" className="svc-primary" disabled={step.busy} data-testid="svc-resolve">{t(fix.trim() ? 'service.step.resolve' : 'service.step.resolveNoFix')}</button>
    </form>
  );
}
