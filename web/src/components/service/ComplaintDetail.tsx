// One complaint: who, where, what, its steps so far with their times, the next step the role
// may take, and the plant beside it (ComplaintTelemetry).

import type { ReactNode } from 'react';
import { complaintMarks } from '../../complaint-marks.ts';
import { formatDateTime, formatNumber, useNow } from '../../format.ts';
import { useI18n } from '../../i18n.ts';
import { complaintHref } from '../../routes.ts';
import type { Complaint } from '../../service-api.ts';
import { ComplaintMarkBadges } from './ComplaintMarkBadges.tsx';
import { ComplaintSteps } from './ComplaintSteps.tsx';
import { ComplaintTelemetry } from './ComplaintTelemetry.tsx';

export const addressLine = (c: Complaint): string => `${c.address.community} ${c.address.building}-${c.address.unit}-${c.address.room}`;

export function ComplaintDetail({ complaint: c, onChanged }: { complaint: Complaint; onChanged: (c: Complaint) => void }) {
  const { t } = useI18n();
  const now = useNow(30_000);
  // A step not taken yet has no line.
  const row = (label: string, value: ReactNode, testId?: string) => value !== null && value !== undefined && value !== '' && value !== false && (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </>
  );
  const at = (ms: number | null) => (ms === null ? null : formatDateTime(ms));
  return (
    <div className="svc-detail" data-testid="svc-detail" data-complaint={c.id} data-state={c.state}>
      <section className="panel">
        <div className="panel-head">
          <h3>#{c.id} · {t(`service.category.${c.category}`)} · <span data-testid="svc-detail-state">{t(`service.state.${c.state}`)}</span></h3>
          <ComplaintMarkBadges marks={complaintMarks(c, now)} />
        </div>
        <dl className="svc-facts">
          {row(t('service.field.channel'), `${t(`service.channel.${c.channel}`)}${c.ticket ? ` · ${c.ticket}` : ''}`)}
          {row(t('service.col.received'), at(c.receivedAt))}
          {row(t('service.col.due'), at(c.dueAt))}
          {row(t('service.col.address'), addressLine(c), 'svc-detail-address')}
          {row(t('service.field.phone'), c.phone, 'svc-detail-phone')}
          {row(t('service.field.words'), c.words)}
          {row(t('service.col.crew'), c.crew && `${c.crew}${c.workOrderId !== null ? ` · ${t('service.order', { id: c.workOrderId })}` : ''}`)}
          {row(t('service.col.dispatched'), at(c.dispatchedAt))}
          {row(t('service.col.onSite'), c.measurement && `${at(c.measurement.at)} · ${formatNumber(c.measurement.tempC, '°C')} °C · ${c.measurement.instrument}`, 'svc-detail-measurement')}
          {row(t('service.col.resolved'), c.resolvedAt !== null && `${at(c.resolvedAt)} · ${c.fix ?? t('service.noFix')}`, 'svc-detail-fix')}
          {row(t('service.col.followUp'), c.followUp && `${at(c.followUp.at)} · ${t(c.followUp.reached ? 'service.reached' : 'service.notReached')}${c.followUp.satisfied === null ? '' : ` · ${t(c.followUp.satisfied ? 'service.satisfied' : 'service.dissatisfied')}`}${c.followUp.words ? ` · ${c.followUp.words}` : ''}`, 'svc-detail-followup')}
          {row(t('service.col.closed'), at(c.closedAt))}
          {row(t('service.col.repeat'), c.repeatOf !== null && <a href={complaintHref(c.repeatOf)}>#{c.repeatOf}</a>)}
          {row(t('service.col.reopened'), c.reopened > 0 && String(c.reopened))}
        </dl>
        <ComplaintSteps complaint={c} onChanged={onChanged} />
      </section>
      <ComplaintTelemetry complaint={c} />
    </div>
  );
}
