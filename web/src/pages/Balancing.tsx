// The balancing page: what balancing does at a glance (the heat saved against the curve alone,
// every return against its target, the coldest homes against 18 °C), each recommendation with
// its reason (worded from the API's decision in the UI's language), then every substation's return, supply, valve, coldest home and mode (auto /
// manual / advisory) in a table, with the global take and hand-back, the heat source request
// and the curve settings for engineers. Modes take an operator and the curve an engineer:
// smaller roles see the values, not the controls.

import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, type ControlOverview, type CurveSettings, type LoopMode, type SubstationControl } from '../api.ts';
import { ColdHomesChart } from '../components/ColdHomesChart.tsx';
import { ReturnChart } from '../components/ReturnChart.tsx';
import { SubstationName } from '../components/SubstationName.tsx';
import { decisionReason } from '../../../control/reason.ts';
import { formatNumber, formatTime } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { useCan } from '../session.ts';

const REFRESH_MS = 5000;
const MODES: LoopMode[] = ['auto', 'manual', 'advisory'];
/** A trim in kelvin with its sign: +0.1, -2.0. */
const signedK = (k: number) => `${k >= 0 ? '+' : ''}${k.toFixed(1)}`;

/** Deviation of the return from its target as a small bar: blue cold, red warm, ±5 K full width. */
function ReturnBar({ s }: { s: SubstationControl }) {
  if (!s.inputs || s.returnTargetC === null) return <span className="muted">–</span>;
  const dev = s.inputs.returnC - s.returnTargetC;
  const width = Math.min(50, (Math.abs(dev) / 5) * 50);
  return (
    <span className="num" title={`${dev >= 0 ? '+' : ''}${dev.toFixed(1)} K`}>
      {formatNumber(s.inputs.returnC, '')} / {formatNumber(s.returnTargetC, '')}
      <svg width="60" height="8" style={{ marginLeft: 6, verticalAlign: 'middle' }} aria-hidden="true">
        <line x1="30" y1="0" x2="30" y2="8" stroke="currentColor" />
        <rect x={dev >= 0 ? 30 : 30 - width} y="1" width={width} height="6" fill={dev >= 0 ? '#d62728' : '#1f77b4'} />
      </svg>
    </span>
  );
}

function CurveForm({ onError }: { onError: (m: string) => void }) {
  const { t } = useI18n();
  const engineer = useCan()('engineer');
  const [curve, setCurve] = useState<CurveSettings | undefined>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    const ctrl = new AbortController();
    api.curve(ctrl.signal).then(setCurve, (e: unknown) => !ctrl.signal.aborted && onError((e as Error).message));
    return () => ctrl.abort();
  }, [onError]);
  if (!curve) return null;
  const num = (value: number, set: (v: number) => void) => (
    <input type="number" step="0.1" value={value} disabled={!engineer} style={{ width: '5em' }} onChange={(e) => { setSaved(false); set(Number(e.target.value)); }} />
  );
  const emitter = (key: 'radiator' | 'floor', label: MessageKey) => (
    <label>
      {t(label)}{' '}
      {num(curve[key].design_supply_c, (v) => setCurve({ ...curve, [key]: { ...curve[key], design_supply_c: v } }))}
      {num(curve[key].design_return_c, (v) => setCurve({ ...curve, [key]: { ...curve[key], design_return_c: v } }))}
      {num(curve[key].b, (v) => setCurve({ ...curve, [key]: { ...curve[key], b: v } }))}
    </label>
  );
  return (
    <form
      className="toolbar"
      data-testid="curve-form"
      onSubmit={(e) => {
        e.preventDefault();
        api.setCurve(curve).then((c) => { setCurve(c); setSaved(true); }, (err: unknown) => onError((err as Error).message));
      }}
    >
      <strong>{t('balance.curve')}</strong>
      <label>{t('balance.curve.indoor')} {num(curve.indoor_c, (v) => setCurve({ ...curve, indoor_c: v }))}</label>
      <label>{t('balance.curve.outdoor')} {num(curve.design_outdoor_c, (v) => setCurve({ ...curve, design_outdoor_c: v }))}</label>
      {emitter('radiator', 'balance.curve.radiator')}
      {emitter('floor', 'balance.curve.floor')}
      {engineer && <button type="submit" data-testid="curve-save">{t('balance.curve.save')}</button>}
      {saved && <span className="muted" data-testid="curve-saved">{t('balance.curve.saved')}</span>}
    </form>
  );
}

/** The figures balancing is judged by: heat saved against the curve alone, return spread, homes below 18 °C. */
function Summary({ data }: { data: ControlOverview }) {
  const { t } = useI18n();
  const deviations = data.substations.flatMap((s) => (s.inputs && s.returnTargetC !== null ? [s.inputs.returnC - s.returnTargetC] : []));
  const spread = deviations.length > 1 ? Math.max(...deviations) - Math.min(...deviations) : null;
  const cold = data.substations.filter((s) => s.inputs?.indoorMinC !== undefined && s.inputs.indoorMinC < 18).length;
  const saving = data.saving;
  return (
    <section className="totals balance-summary" data-testid="balance-summary">
      <div className="kpi" data-testid="heat-saved">
        <span className="kpi-label">{t('balance.saving')}</span>
        <span className="kpi-value">{saving ? `${saving.savedPct.toFixed(1)} %` : '—'}</span>
        {saving && <span className="kpi-how">{t('balance.saving.how', { n: saving.substations, k: signedK(saving.curveTrimK) })}</span>}
      </div>
      <div className="kpi">
        <span className="kpi-label">{t('balance.spread')}</span>
        <span className="kpi-value">{formatNumber(spread, 'K')} <small>K</small></span>
        <span className="kpi-how">{t('balance.spread.how')}</span>
      </div>
      <div className="kpi">
        <span className="kpi-label">{t('balance.coldCount')}</span>
        <span className={`kpi-value ${cold > 0 ? 'cold' : ''}`} data-testid="cold-count">{cold}</span>
      </div>
    </section>
  );
}

/** What the loop would write (advisory) or writes next, or why it holds, one line each in the UI's language: those that act first. */
function Recommendations({ substations }: { substations: SubstationControl[] }) {
  const { t, tagLabel } = useI18n();
  const acting = (s: SubstationControl) => s.next !== null || s.state !== 'ok';
  const sorted = [...substations].sort((a, b) => Number(acting(b)) - Number(acting(a)));
  return (
    <section className="panel recommendations" data-testid="recommendations">
      <h3>{t('balance.recommendations')}</h3>
      {!substations.some(acting) && <p className="muted">{t('balance.rec.none')}</p>}
      <ul>
        {sorted.map((s) => (
          <li key={s.id} data-testid="recommendation" data-id={s.id} className={`rec-${s.state} ${acting(s) ? 'rec-acting' : ''}`}>
            <SubstationName id={s.id} />{' '}
            <span className="muted">{t(`balance.mode.${s.mode}`)}</span>{' '}
            {s.next && <strong className="num">{tagLabel(s.next.tag)} → {s.next.value.toFixed(1)}</strong>}
            <div className="rec-reason" data-testid="rec-reason">{s.decision ? decisionReason(s.decision, t) : (s.note ?? s.state)}</div>
            {s.next && (
              <details>
                <summary className="muted">{t('balance.rec.detail')}</summary>
                <small className="muted">{s.next.why}</small>
              </details>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function Balancing() {
  const { t, tagLabel } = useI18n();
  const operator = useCan()('operator');
  const [data, setData] = useState<ControlOverview | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [off, setOff] = useState<string | undefined>();
  const load = useCallback((signal?: AbortSignal) => {
    api.control(signal).then(
      (d) => { setData(d); setOff(undefined); },
      (e: unknown) => {
        if (signal?.aborted) return;
        if (e instanceof ApiError && e.code === 'HS_ERR_CONTROL_OFF') setOff(e.message);
        else setError((e as Error).message);
      },
    );
  }, []);
  useEffect(() => {
    const ctrl = new AbortController();
    load(ctrl.signal);
    const timer = setInterval(() => load(ctrl.signal), REFRESH_MS);
    return () => { ctrl.abort(); clearInterval(timer); };
  }, [load]);
  const setMode = (mode: LoopMode, substation?: string) => api.setLoopMode(mode, substation).then(setData, (e: unknown) => setError((e as Error).message));

  if (off) return <p className="muted">{t('balance.off', { message: off })}</p>;
  return (
    <div className="balancing">
      <h2>{t('balance.title')}</h2>
      {error && <p role="alert">{t('balance.error', { message: error })}</p>}
      <div className="toolbar">
        {operator && (
          <>
            <strong>{t('balance.global')}</strong>
            <button onClick={() => void setMode('manual')} data-testid="take-all">{t('balance.takeAll')}</button>
            <button onClick={() => void setMode('advisory')}>{t('balance.advisoryAll')}</button>
            <button onClick={() => void setMode('auto')}>{t('balance.handBack')}</button>
          </>
        )}
        {data && <span className="muted">{t('balance.source', { k: data.source.offsetK.toFixed(1), why: data.source.why })}</span>}
      </div>
      {data && (
        <>
          <Summary data={data} />
          <div className="balance-charts">
            <section className="panel">
              <h3>{t('balance.chart.returnTitle')}</h3>
              <ReturnChart substations={data.substations} floorK={data.returnFloorK} />
            </section>
            <section className="panel">
              <h3>{t('balance.cold.title')}</h3>
              <ColdHomesChart temps={data.substations.flatMap((s) => (s.inputs?.indoorMinC === undefined ? [] : [s.inputs.indoorMinC]))} />
            </section>
          </div>
          <Recommendations substations={data.substations} />
        </>
      )}
      <table className="table balance-table">
        <thead>
          <tr>
            <Th label={t('col.substation')} />
            <Th label={t('balance.col.mode')} />
            <Th label={t('balance.col.plc')} />
            <Th label={t('balance.col.state')} />
            <Th label={t('balance.col.return')} unit={t('balance.unit.actualTarget', { unit: '°C' })} num />
            <Th label={t('balance.col.supply')} unit={t('balance.unit.actualTarget', { unit: '°C' })} num />
            <Th label={t('balance.col.trim')} unit="K" num />
            <Th label={t('balance.col.valve')} unit="%" num />
            <Th label={t('balance.col.indoor')} unit="°C" num />
            <Th label={t('balance.col.next')} />
            <Th label={t('balance.col.last')} />
          </tr>
        </thead>
        <tbody>
          {(data?.substations ?? []).map((s) => (
            <tr key={s.id} data-substation={s.id}>
              <td><SubstationName id={s.id} /></td>
              <td>
                <select value={s.mode} disabled={!operator} aria-label={`${s.id} ${t('balance.col.mode')}`} onChange={(e) => void setMode(e.target.value as LoopMode, s.id)}>
                  {MODES.map((m) => <option key={m} value={m}>{t(`balance.mode.${m}`)}</option>)}
                </select>
              </td>
              <td>{s.plcMode ?? '–'}</td>
              <td title={s.note ?? ''}>{s.state}</td>
              <td><ReturnBar s={s} /></td>
              <td className="num">{formatNumber(s.inputs?.supplyC, '')} / {formatNumber(s.supplyTargetC, '')}</td>
              <td className="num">{s.trimK === null ? '–' : signedK(s.trimK)}</td>
              <td className="num">{formatNumber(s.inputs?.valvePct, '')}</td>
              <td className="num">{formatNumber(s.inputs?.indoorMinC, '')}</td>
              <td>{s.next ? <span title={s.next.why}>{tagLabel(s.next.tag)} → {s.next.value.toFixed(1)}</span> : '–'}</td>
              <td>{s.lastWrite ? `${formatTime(s.lastWrite.ts)} ${tagLabel(s.lastWrite.tag)} ${s.lastWrite.value.toFixed(1)}${s.lastWrite.ok ? '' : ` ${t('balance.refused', { code: s.lastWrite.code ?? '' })}`}` : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <CurveForm onError={setError} />
    </div>
  );
}

/** A column header: its name, and under it the unit, so neither runs into the next column's. */
function Th({ label, unit, num }: { label: string; unit?: string; num?: boolean }) {
  return (
    <th scope="col" className={num ? 'num' : undefined}>
      {label}
      {unit && <small className="th-unit">{unit}</small>}
    </th>
  );
}
