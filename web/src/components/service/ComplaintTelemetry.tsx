// The plant beside a complaint: its substation's state and indoor figures, live (the substation
// room of the live push over the context's snapshot), the alarms standing there, the open work
// orders and the other complaints from it in the last day. Whether a cold home is one home or the
// whole substation is what the operator decides from this.

import { useCallback, useEffect, useState } from 'react';
import { PRIORITY_COLOURS } from '../../alarms-api.ts';
import { formatAge, formatNumber, formatTime, useNow } from '../../format.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { useAlarmsRoom, useSubstationLive } from '../../live.ts';
import { complaintHref } from '../../routes.ts';
import { serviceApi, type Complaint, type ComplaintContext } from '../../service-api.ts';
import { INDOOR_FLOOR_C } from '../../../../model/service.ts';
import { StatusBadge } from '../StatusBadge.tsx';
import { SubstationName } from '../SubstationName.tsx';

/** Alarms, orders and recent complaints change without a live message of their own: asked again this often. */
const CONTEXT_REFRESH_MS = 10_000;
const FIGURES: { tag: string; label: MessageKey; testId: string }[] = [
  { tag: 'indoor.temp_avg', label: 'service.tele.indoorAvg', testId: 'svc-indoor-avg' },
  { tag: 'indoor.temp_min', label: 'service.tele.indoorMin', testId: 'svc-indoor-min' },
  { tag: 'secondary.supply_temp', label: 'service.tele.supply', testId: 'svc-secondary-supply' },
  { tag: 'secondary.return_temp', label: 'service.tele.return', testId: 'svc-secondary-return' },
];

/** The context of a complaint, asked again on every alarm change, every step of the complaint (`state`) and now and then. */
function useComplaintContext(id: number, state: Complaint['state']): { context: ComplaintContext | undefined; error: string | undefined } {
  const [context, setContext] = useState<ComplaintContext>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  const again = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    const ctrl = new AbortController();
    serviceApi.context(id, ctrl.signal).then((c) => (setContext(c), setError(undefined)), (e: unknown) => ctrl.signal.aborted || setError((e as Error).message));
    const timer = setTimeout(again, CONTEXT_REFRESH_MS);
    return () => (ctrl.abort(), clearTimeout(timer));
  }, [id, state, tick, again]);
  useAlarmsRoom(again);
  return { context, error };
}

export function ComplaintTelemetry({ complaint }: { complaint: Complaint }) {
  const { t, lang } = useI18n();
  const now = useNow();
  const { context, error } = useComplaintContext(complaint.id, complaint.state);
  const live = useSubstationLive(complaint.substation);
  const value = (tag: string): { value: number | undefined; ts: number | undefined } => {
    const point = live.points.get(tag);
    if (point && typeof point.value === 'number' && (context === undefined || point.ts >= (context.substation.at ?? 0))) return { value: point.value, ts: point.ts };
    const snapshot = context?.substation.values[tag];
    return { value: typeof snapshot === 'number' ? snapshot : undefined, ts: context?.substation.at ?? undefined };
  };
  const lastTs = Math.max(0, ...FIGURES.map((f) => value(f.tag).ts ?? 0));
  return (
    <section className="panel svc-telemetry" data-testid="svc-telemetry" data-substation={complaint.substation}>
      <div className="panel-head">
        <h3><SubstationName id={complaint.substation} /></h3>
        <span>
          <span data-testid="svc-substation-status"><StatusBadge status={live.status ?? context?.substation.status} /></span>
          {lastTs > 0 && <small className="muted"> {t('sub.lastData', { age: formatAge(now - lastTs, t) })}</small>}
        </span>
      </div>
      <div className="svc-figures">
        {FIGURES.map((f) => {
          const v = value(f.tag).value;
          const cold = f.tag.startsWith('indoor.') && v !== undefined && v < INDOOR_FLOOR_C;
          return (
            <div key={f.tag} className="kpi">
              <span className="kpi-label">{t(f.label)}</span>
              <span className={`kpi-value${cold ? ' cold' : ''}`} data-testid={f.testId}>{formatNumber(v, '°C')}</span>
            </div>
          );
        })}
      </div>
      {error && <p className="error">{error}</p>}
      {context && (
        <>
          <h3>{t('service.tele.alarms', { n: context.alarms.length })}</h3>
          {context.alarms.length === 0 ? <p className="muted">{t('service.tele.noAlarms')}</p> : (
            <ul className="svc-plain" data-testid="svc-alarms">
              {context.alarms.map((a) => (
                <li key={a.id} data-alarm={a.alarm} style={{ borderLeft: `4px solid ${PRIORITY_COLOURS[a.priority]}` }}>
                  {t(`alarms.priority.${a.priority}`)} · {a.title?.[lang] ?? a.alarm} · {formatTime(a.raisedAt)}
                </li>
              ))}
            </ul>
          )}
          <h3>{t('service.tele.orders', { n: context.orders.length })}</h3>
          {context.orders.length === 0 ? <p className="muted">{t('service.tele.noOrders')}</p> : (
            <ul className="svc-plain" data-testid="svc-orders">
              {context.orders.map((o) => (
                <li key={o.id} data-order={o.id}>#{o.id} {o.alarm} · {t(`orders.state.${o.state}`)}{o.crew && ` · ${o.crew}`} · {formatTime(o.openedAt)}</li>
              ))}
            </ul>
          )}
          <h3>{t('service.tele.recent', { n: context.recent.length })}</h3>
          {context.recent.length === 0 ? <p className="muted">{t('service.tele.noRecent')}</p> : (
            <ul className="svc-plain" data-testid="svc-recent">
              {context.recent.map((c) => (
                <li key={c.id}><a href={complaintHref(c.id)}>#{c.id}</a> {c.address.community} {c.address.building} · {t(`service.category.${c.category}`)} · {formatTime(c.receivedAt)}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
