// Work orders: the control room's board (a column per state, KPI CSV links) and, at
// #/crew/<crew>, a page for a crew's phone: its open orders, one big button for the next step,
// and the residents' complaints it was sent to (ComplaintCrew).
// Moving an order on takes an operator (a crew member logs in as one); viewers only look.

import { useCallback, useState } from 'react';
import { usePolled } from '../polled.ts';
import { alarmsApi, PRIORITY_COLOURS, type OrderState, type WorkOrder } from '../alarms-api.ts';
import { formatTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { SubstationName } from '../components/SubstationName.tsx';
import { useCan } from '../session.ts';
import { ComplaintCrew } from './ComplaintCrew.tsx';

const STATES: OrderState[] = ['assigned', 'en_route', 'on_site', 'resolved'];
const NEXT: Partial<Record<OrderState, Exclude<OrderState, 'assigned'>>> = { assigned: 'en_route', en_route: 'on_site', on_site: 'resolved' };

function useOrders(crew?: string): { orders: WorkOrder[] | undefined; error: string | undefined; reload: () => void } {
  const { value: orders, error, reload } = usePolled(useCallback(() => alarmsApi.orders(crew), [crew]));
  return { orders, error, reload };
}

function Card({ o, onMove, big }: { o: WorkOrder; onMove: (o: WorkOrder, to: OrderState) => void; big?: boolean }) {
  const { t } = useI18n();
  const can = useCan();
  const next = can('operator') ? NEXT[o.state] : undefined;
  return (
    <div className="card" data-order={o.id} data-state={o.state} style={{ borderLeft: `6px solid ${PRIORITY_COLOURS[o.priority]}`, padding: 8, margin: '6px 0', fontSize: big ? '1.2em' : undefined }}>
      <div><strong>#{o.id} <SubstationName id={o.substation} /></strong> · {o.alarm}{o.repeatOf !== null && ` · ${t('orders.repeatOf', { id: o.repeatOf })}`}</div>
      <div className="muted">{t('orders.opened', { time: formatTime(o.openedAt) })}{o.crew && ` · ${o.crew}`}</div>
      {o.notes.map((n) => <div key={n.ts} className="muted">{formatTime(n.ts)} {n.actor}: {n.text}</div>)}
      {next && <button data-testid="order-next" style={big ? { width: '100%', padding: 16, marginTop: 8 } : undefined} onClick={() => onMove(o, next)}>{t(`orders.to.${next}`)}</button>}
    </div>
  );
}

export default function WorkOrders({ crew }: { crew?: string }) {
  const { t } = useI18n();
  const { orders, error, reload } = useOrders(crew);
  const [message, setMessage] = useState<string>();
  const move = (o: WorkOrder, to: OrderState) => {
    const note = prompt(t('orders.note')) ?? '';
    alarmsApi.moveOrder(o.id, to, note).then(reload, (e: unknown) => setMessage((e as Error).message));
  };
  const kpis = (by: 'crew' | 'area') => alarmsApi.exportKpis(by).catch((e: unknown) => setMessage((e as Error).message));
  if (crew) {
    // The crew's complaints show even when the alarm engine does not answer.
    return (
      <section className="svc-crew-page">
        <h2>{t('orders.crewTitle', { crew })}</h2>
        {message && <p className="error">{message}</p>}
        {error ? <p className="muted">{t('alarms.off', { message: error })}</p> : !orders ? <p className="muted">{t('trend.loading')}</p> : orders.length === 0 ? <p className="muted">{t('orders.none')}</p> : orders.map((o) => <Card key={o.id} o={o} onMove={move} big />)}
        <ComplaintCrew crew={crew} />
      </section>
    );
  }
  if (error) return <p className="muted">{t('alarms.off', { message: error })}</p>;
  if (!orders) return <p className="muted">{t('trend.loading')}</p>;
  return (
    <section>
      <p>
        {t('orders.kpis')}: <button type="button" onClick={() => kpis('crew')}>{t('orders.byCrew')}</button> <button type="button" onClick={() => kpis('area')}>{t('orders.byArea')}</button>
      </p>
      {message && <p className="error">{message}</p>}
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(4, 1fr)', gap: 12 }}>
        {STATES.map((s) => (
          <div key={s}>
            <h3>{t(`orders.state.${s}`)} ({orders.filter((o) => o.state === s).length})</h3>
            {orders.filter((o) => o.state === s).map((o) => <Card key={o.id} o={o} onMove={move} />)}
          </div>
        ))}
      </div>
    </section>
  );
}
