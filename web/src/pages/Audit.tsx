// The audit trail (engineers and admins): who did what, when, from where, old and new value and
// the outcome, newest first, searched by time, actor, action, target and outcome, a page at a
// time. Admins check the hash chain: intact, or the first record where it breaks.

import { useEffect, useState, type FormEvent } from 'react';
import { AUDIT_ACTIONS, type AuditAction, type AuditOutcome } from '../../../model/audit.ts';
import { adminApi, type AuditQuery, type AuditRecord, type ChainCheck } from '../admin-api.ts';
import { ApiError } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { useCan } from '../session.ts';

const PAGE = 50;
const OUTCOMES: AuditOutcome[] = ['ok', 'refused', 'failed'];

interface Filters {
  from: string;
  to: string;
  actor: string;
  action: AuditAction | '';
  target: string;
  outcome: AuditOutcome | '';
}
const NO_FILTERS: Filters = { from: '', to: '', actor: '', action: '', target: '', outcome: '' };

/** A datetime-local field's value as ms, or nothing when empty. */
const localMs = (value: string): number | undefined => (value ? new Date(value).getTime() : undefined);

function toQuery(f: Filters, before: number | undefined): AuditQuery {
  return {
    from: localMs(f.from),
    to: localMs(f.to),
    actor: f.actor.trim() || undefined,
    action: f.action || undefined,
    target: f.target.trim() || undefined,
    outcome: f.outcome || undefined,
    limit: PAGE,
    before,
  };
}

function ChainButton() {
  const { t } = useI18n();
  const [check, setCheck] = useState<ChainCheck>();
  const [error, setError] = useState<string>();
  const verify = () => adminApi.verifyAudit().then((c) => (setCheck(c), setError(undefined)), (e: unknown) => setError((e as Error).message));
  return (
    <span>
      <button type="button" onClick={() => void verify()} data-testid="audit-verify">{t('audit.verify')}</button>{' '}
      {check && (
        <span className={check.ok ? 'status-text-online' : 'error'} data-testid="audit-chain" data-ok={check.ok}>
          {check.ok ? t('audit.chainOk', { n: check.checked }) : t('audit.chainBroken', { id: check.brokenAt ?? '?', reason: check.reason ?? '' })}
        </span>
      )}
      {error && <span className="error">{error}</span>}
    </span>
  );
}

export default function Audit() {
  const { t } = useI18n();
  const admin = useCan()('admin');
  const [form, setForm] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  /** The `before` cursor of every page shown so far; the last one is the page on screen. */
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [records, setRecords] = useState<AuditRecord[]>();
  const [error, setError] = useState<string>();
  const before = cursors[cursors.length - 1];

  useEffect(() => {
    let current = true;
    adminApi.audit(toQuery(applied, before)).then(
      (r) => current && (setRecords(r.records), setError(undefined)),
      (e: unknown) => current && setError(e instanceof ApiError ? `${e.code}: ${e.message}` : (e as Error).message),
    );
    return () => void (current = false);
  }, [applied, before]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    setApplied(form);
    setCursors([undefined]);
  };
  const field = <K extends keyof Filters>(key: K) => ({ value: form[key], onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }) });
  const older = records && records.length === PAGE ? records[records.length - 1].id : undefined;

  return (
    <section className="audit">
      <h2>{t('audit.title')}</h2>
      <form className="toolbar" onSubmit={search} data-testid="audit-search">
        <label>{t('audit.from')} <input type="datetime-local" {...field('from')} /></label>
        <label>{t('audit.to')} <input type="datetime-local" {...field('to')} /></label>
        <input placeholder={t('audit.actor')} {...field('actor')} data-testid="audit-actor" />
        <select {...field('action')} data-testid="audit-action">
          <option value="">{t('audit.allActions')}</option>
          {AUDIT_ACTIONS.map((a) => <option key={a} value={a}>{a}</option>)}
        </select>
        <input placeholder={t('audit.target')} {...field('target')} data-testid="audit-target" />
        <select {...field('outcome')}>
          <option value="">{t('audit.allOutcomes')}</option>
          {OUTCOMES.map((o) => <option key={o} value={o}>{t(`audit.outcome.${o}`)}</option>)}
        </select>
        <button type="submit" data-testid="audit-submit">{t('audit.search')}</button>
        <button type="button" onClick={() => adminApi.exportAudit(toQuery(applied, undefined)).catch((e: Error) => setError(e.message))}>{t('trend.export')}</button>
        {admin && <ChainButton />}
      </form>
      {error && <p className="error">{error}</p>}
      {!records ? (
        <p className="muted">{t('trend.loading')}</p>
      ) : records.length === 0 ? (
        <p className="muted">{t('audit.none')}</p>
      ) : (
        <table className="table" data-testid="audit-table">
          <thead>
            <tr>
              <th>#</th><th>{t('audit.time')}</th><th>{t('audit.actor')}</th><th>{t('audit.source')}</th><th>{t('audit.action')}</th>
              <th>{t('audit.target')}</th><th>{t('audit.change')}</th><th>{t('audit.outcome')}</th><th>{t('audit.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <tr key={r.id} data-testid="audit-row" data-action={r.action} data-actor={r.actor} data-target={r.target} className={r.outcome === 'ok' ? '' : 'error'}>
                <td className="num">{r.id}</td>
                <td>{formatDateTime(r.ts)}</td>
                <td>{r.actor}</td>
                <td>{r.source}</td>
                <td>{r.action}</td>
                <td>{r.target}</td>
                <td>{r.oldValue === null && r.newValue === null ? '' : `${r.oldValue ?? '–'} → ${r.newValue ?? '–'}`}</td>
                <td>{t(`audit.outcome.${r.outcome}`)}</td>
                <td>{r.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="toolbar">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))} data-testid="audit-newer">{t('audit.newer')}</button>
        <span className="muted">{t('audit.page', { n: cursors.length })}</span>
        <button type="button" disabled={older === undefined} onClick={() => setCursors([...cursors, older])} data-testid="audit-older">{t('audit.older')}</button>
      </div>
    </section>
  );
}
