import type { SeasonBoard } from './board.ts';
import { CHECK_PHASES, type CheckPhase, type PhaseCheck, type Sample } from '../model/season.ts';
import type { SeasonPlan } from './plan.ts';

// The board as files: a CSV of every substation's check of every phase (for a spreadsheet or the
// regulator), and the printable end-of-phase report — one HTML page laid out for A4, in zh or en,
// with each failed check's curve drawn inline as its evidence.

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());
const csvCell = (v: string | number | boolean | null): string => {
  const s = v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function checklistCsv(plan: SeasonPlan, checks: readonly PhaseCheck[], board: SeasonBoard): string {
  const byKey = new Map(checks.map((c) => [`${c.substation}/${c.phase}`, c]));
  const late = new Set(board.phases.flatMap((p) => p.open.filter((r) => r.late).map((r) => `${r.substation}/${p.phase}`)));
  const head = ['season', 'substation', 'company', 'area', 'phase', 'state', 'deadline', 'late', 'at', 'who', 'code', 'reason', 'work_order'];
  const lines = plan.entries.flatMap((e) =>
    CHECK_PHASES.map((phase) => {
      const c = byKey.get(`${e.substation}/${phase}`);
      return [plan.season, e.substation, e.company, e.area, phase, c?.state ?? 'pending', iso(e.deadlines[phase]), late.has(`${e.substation}/${phase}`), iso(c?.at ?? null), c?.who ?? null, c?.code ?? '', c?.reason ?? '', c?.workOrder ?? null]
        .map(csvCell)
        .join(',');
    }),
  );
  return [head.join(','), ...lines].join('\n') + '\n';
}

type Lang = 'en' | 'zh';
const WORDS = {
  en: {
    title: 'End-of-phase report',
    season: 'Season',
    at: 'As of',
    deadline: 'Deadline',
    done: 'Done',
    failed: 'Failed',
    late: 'Late',
    forecast: 'Last one done at the current pace',
    substation: 'Substation',
    area: 'Area',
    state: 'State',
    when: 'When',
    reason: 'Reason',
    order: 'Work order',
    evidence: 'Evidence',
    none: '—',
    phases: { inspection: 'Inspection and repair', filling: 'Filling', pressure_test: 'Pressure test', cold_run: 'Cold run', hot_run: 'Hot run and raising' },
    states: { pending: 'pending', running: 'running', passed: 'passed', failed: 'failed' },
  },
  zh: {
    title: '阶段总结报告',
    season: '供暖季',
    at: '截至',
    deadline: '截止日期',
    done: '完成',
    failed: '未通过',
    late: '逾期',
    forecast: '按当前进度预计全部完成',
    substation: '换热站',
    area: '片区',
    state: '状态',
    when: '时间',
    reason: '原因',
    order: '工单',
    evidence: '证据',
    none: '—',
    phases: { inspection: '检修', filling: '充水', pressure_test: '试压', cold_run: '冷态运行', hot_run: '热态运行与升温提压' },
    states: { pending: '待进行', running: '进行中', passed: '通过', failed: '未通过' },
  },
} as const;

const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A small line drawing of a curve (the evidence), sized for a table cell on paper. */
function sparkline(curve: readonly Sample[]): string {
  if (curve.length < 2) return '';
  const w = 160;
  const h = 36;
  const [t0, t1] = [curve[0][0], curve.at(-1)![0]];
  const vs = curve.map(([, v]) => v);
  const [lo, hi] = [Math.min(...vs), Math.max(...vs)];
  const x = (t: number) => ((t - t0) / Math.max(1, t1 - t0)) * w;
  const y = (v: number) => h - 2 - ((v - lo) / Math.max(1e-9, hi - lo)) * (h - 4);
  const points = curve.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><polyline fill="none" stroke="#b42318" stroke-width="1.2" points="${points}"/></svg><div class="small">${hi.toFixed(3)} → ${vs.at(-1)!.toFixed(3)}</div>`;
}

export function phaseReportHtml(board: SeasonBoard, checks: readonly PhaseCheck[], phase: CheckPhase, lang: Lang, timeZone = 'Asia/Shanghai'): string {
  const w = WORDS[lang];
  const p = board.phases.find((b) => b.phase === phase)!;
  const time = (ms: number | null) => (ms === null ? w.none : new Date(ms).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }));
  const byStation = new Map(checks.filter((c) => c.phase === phase).map((c) => [c.substation, c]));
  const row = (r: (typeof p.open)[number]) => {
    const c = byStation.get(r.substation);
    const curve = c?.evidence ? Object.values(c.evidence.curves)[0] : undefined;
    return `<tr class="${r.late ? 'late' : ''}"><td>${escape(r.substation)}</td><td>${escape(r.area ?? w.none)}</td><td>${w.states[r.state]}${r.late ? ` · ${w.late}` : ''}</td><td>${time(r.at)}</td><td>${escape(r.reason || w.none)}</td><td>${r.workOrder ?? w.none}</td><td>${r.state === 'failed' && curve ? sparkline(curve) : ''}</td></tr>`;
  };
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${w.title} · ${w.phases[phase]}</title>
<style>
@page { size: A4; margin: 15mm; }
body { font: 10pt/1.35 system-ui, "Noto Sans CJK SC", sans-serif; color: #111; max-width: 180mm; margin: auto; }
h1 { font-size: 15pt; margin: 0 0 2mm; } .meta { color: #444; margin-bottom: 4mm; }
.figures { display: flex; gap: 6mm; margin: 3mm 0 5mm; } .figures div { border: 1px solid #ccc; padding: 2mm 3mm; }
.figures b { display: block; font-size: 14pt; }
table { width: 100%; border-collapse: collapse; } th, td { border-bottom: 1px solid #ddd; padding: 1.5mm; text-align: left; vertical-align: top; }
thead { display: table-header-group; } tr { page-break-inside: avoid; } tr.late td:first-child { border-left: 3px solid #b42318; }
.small { font-size: 8pt; color: #555; }
</style></head><body>
<h1>${w.title} · ${w.phases[phase]}</h1>
<div class="meta">${w.season} ${escape(board.season)} · ${w.at} ${time(board.at)} · ${w.deadline} ${time(p.deadline)}${p.lastDeadline !== p.deadline ? ` – ${time(p.lastDeadline)}` : ''}</div>
<div class="figures"><div>${w.done}<b>${p.passed} / ${p.total} (${Math.round(p.share * 100)} %)</b></div><div>${w.failed}<b>${p.failed}</b></div><div>${w.late}<b>${p.late}</b></div><div>${w.forecast}<b>${time(p.forecastDoneAt)}</b></div></div>
<table><thead><tr><th>${w.substation}</th><th>${w.area}</th><th>${w.state}</th><th>${w.when}</th><th>${w.reason}</th><th>${w.order}</th><th>${w.evidence}</th></tr></thead><tbody>
${p.open.map(row).join('\n')}
</tbody></table>
</body></html>
`;
}
