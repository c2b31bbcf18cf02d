// The heating season (#/season): the board — for every phase the share of substations done
// against its deadline, the late ones first, when the last will be done at the current pace —,
// each substation's checklist with the judge's evidence (the pressure curve of its test), the
// CSV and the printable end-of-phase report, and an engineer's tick for the inspection.

import { useCallback, useEffect, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { SeasonBoard } from '../../../season/board.ts';
import type { CheckPhase, PhaseCheck } from '../../../model/season.ts';
import { download, request } from '../api.ts';
import { DISPLAY_ZONE, formatDateTime } from '../format.ts';
import { SubstationName } from '../components/SubstationName.tsx';
import { useI18n, type MessageKey } from '../i18n.ts';
import { authFetch } from '../session.ts';
import { useCan } from '../session.ts';

const PHASES: CheckPhase[] = ['inspection', 'filling', 'pressure_test', 'cold_run', 'hot_run'];
const REFRESH_MS = 10_000;
const STATE_COLOURS: Record<PhaseCheck['state'], string> = { pending: '#9e9e9e', running: '#1976d2', passed: '#2e7d32', failed: '#c62828' };

const seasonApi = {
  board: () => request<SeasonBoard>('GET', 'api/season/board'),
  checklist: (id: string) => request<PhaseCheck[]>('GET', `api/season/checklist/${encodeURIComponent(id)}`),
  tick: (id: string, phase: CheckPhase, state: 'passed' | 'failed', note: string) => request<PhaseCheck>('POST', `api/season/checklist/${encodeURIComponent(id)}/${phase}`, { state, note }),
  csv: (season: string) => download('api/season/checklist.csv', `season-${season}.csv`),
  /** The report needs the session's token: fetched, then opened as a page of its own to print. */
  async report(phase: CheckPhase, lang: 'en' | 'zh') {
    const res = await authFetch(`api/season/report?phase=${phase}&lang=${lang}`);
    const href = URL.createObjectURL(new Blob([await res.text()], { type: 'text/html' }));
    window.open(href, '_blank');
    setTimeout(() => URL.revokeObjectURL(href), 60_000);
  },
};

const day = (ms: number | null, lang: string) => (ms === null ? '—' : new Date(ms).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: DISPLAY_ZONE }));

function Evidence({ check }: { check: PhaseCheck }) {
  const { t, tagLabel } = useI18n();
  const curves = Object.entries(check.evidence?.curves ?? {}).filter(([, c]) => c.length > 1);
  if (curves.length === 0) return null;
  return (
    <div data-testid={`evidence-${check.phase}`}>
      {curves.map(([tag, curve]) => (
        <div key={tag} style={{ height: 160 }}>
          <small className="muted">{t('season.evidence', { tag: tagLabel(tag) })}</small>
          <ResponsiveContainer width="100%" height="90%">
            <LineChart data={curve.map(([ts, v]) => ({ ts, v }))}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="ts" type="number" domain={['dataMin', 'dataMax']} tickFormatter={(ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: DISPLAY_ZONE })} />
              <YAxis domain={['auto', 'auto']} width={50} />
              <Tooltip labelFormatter={(ms) => formatDateTime(Number(ms))} />
              <Line dataKey="v" dot={false} stroke={STATE_COLOURS[check.state]} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      ))}
    </div>
  );
}

function Checklist({ id, onClose }: { id: string; onClose: () => void }) {
  const { t, lang } = useI18n();
  const can = useCan();
  const [checks, setChecks] = useState<PhaseCheck[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => seasonApi.checklist(id).then(setChecks, (e: unknown) => setError((e as Error).message)), [id]);
  useEffect(() => void load(), [load]);
  const tick = (state: 'passed' | 'failed') => {
    const note = prompt(t('season.tickNote'));
    if (note) seasonApi.tick(id, 'inspection', state, note).then(load, (e: unknown) => setError((e as Error).message));
  };
  return (
    <section className="card" data-testid="season-checklist" style={{ padding: 12, margin: '12px 0' }}>
      <h3>
        {t('season.checklistOf')} <SubstationName id={id} /> <button type="button" onClick={onClose}>×</button>
      </h3>
      {error && <p className="error">{error}</p>}
      {checks?.map((c) => (
        <div key={c.phase} data-phase={c.phase} data-state={c.state} style={{ borderLeft: `6px solid ${STATE_COLOURS[c.state]}`, padding: '4px 8px', margin: '6px 0' }}>
          <strong>{t(`season.phase.${c.phase}` as MessageKey)}</strong> · {t(`season.state.${c.state}` as MessageKey)}
          {c.who && ` · ${c.who}`} {c.at !== null && ` · ${day(c.at, lang)}`}
          {c.workOrder !== null && <> · <a href="#/work-orders">{t('season.order', { id: c.workOrder })}</a></>}
          {c.reason && <div className="muted">{c.reason}</div>}
          {c.phase === 'inspection' && can('engineer') && (
            <div>
              <button type="button" data-testid="season-tick-pass" onClick={() => tick('passed')}>{t('season.tickPass')}</button>{' '}
              <button type="button" onClick={() => tick('failed')}>{t('season.tickFail')}</button>
            </div>
          )}
          <Evidence check={c} />
        </div>
      ))}
    </section>
  );
}

export default function Season() {
  const { t, lang } = useI18n();
  const [board, setBoard] = useState<SeasonBoard>();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<string>();
  useEffect(() => {
    const load = () => seasonApi.board().then((b) => (setBoard(b), setError(undefined)), (e: unknown) => setError((e as Error).message));
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  if (error) return <p className="muted">{t('season.off', { message: error })}</p>;
  if (!board) return <p className="muted">{t('trend.loading')}</p>;
  return (
    <section data-testid="season-board">
      <h2>{t('season.title', { season: board.season })}</h2>
      <p>
        <button type="button" onClick={() => void seasonApi.csv(board.season)}>{t('season.csv')}</button>{' '}
        {PHASES.map((p) => (
          <button key={p} type="button" onClick={() => void seasonApi.report(p, lang)}>{t('season.report', { phase: t(`season.phase.${p}` as MessageKey) })}</button>
        ))}
      </p>
      <table className="table">
        <thead>
          <tr>
            <th>{t('season.col.phase')}</th><th>{t('season.col.done')}</th><th>{t('season.col.failed')}</th><th>{t('season.col.running')}</th><th>{t('season.col.late')}</th><th>{t('season.col.deadline')}</th><th>{t('season.col.forecast')}</th>
          </tr>
        </thead>
        <tbody>
          {board.phases.map((p) => (
            <tr key={p.phase} data-phase={p.phase} data-passed={p.passed} data-late={p.late}>
              <td>{t(`season.phase.${p.phase}` as MessageKey)}</td>
              <td>
                <progress max={p.total} value={p.passed} /> {p.passed} / {p.total} ({Math.round(p.share * 100)} %)
              </td>
              <td>{p.failed}</td>
              <td>{p.running}</td>
              <td className={p.late > 0 ? 'error' : ''}>{p.late}</td>
              <td>{day(p.deadline, lang)}</td>
              <td className={p.atRisk ? 'error' : ''}>{p.forecastDoneAt === null ? t('season.noPace') : day(p.forecastDoneAt, lang)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected && <Checklist key={selected} id={selected} onClose={() => setSelected(undefined)} />}
      {board.phases.filter((p) => p.open.length > 0).map((p) => (
        <div key={p.phase}>
          <h3>{t('season.openOf', { phase: t(`season.phase.${p.phase}` as MessageKey), n: p.open.length })}</h3>
          <table className="table">
            <tbody>
              {p.open.slice(0, 50).map((r) => (
                <tr key={r.substation} data-testid={`season-row-${p.phase}`} data-late={r.late} onClick={() => setSelected(r.substation)} style={{ cursor: 'pointer' }}>
                  <td><SubstationName id={r.substation} link={false} /></td>
                  <td>{r.area ?? '—'}</td>
                  <td style={{ color: STATE_COLOURS[r.state] }}>{t(`season.state.${r.state}` as MessageKey)}{r.late && <strong className="error"> · {t('season.late')}</strong>}</td>
                  <td className="muted">{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {p.open.length > 50 && <p className="muted">{t('season.more', { n: p.open.length - 50 })}</p>}
        </div>
      ))}
    </section>
  );
}
