import type { EmailConfig } from '../config-schema.ts';
import type { LocalTime } from './local-time.ts';
import type { NotifyMessage } from './router.ts';

// What an alarm e-mail says, in the configured language: the subject alone tells a crew on a
// phone where, what and how bad; the body adds the tag, its value and the time in the control
// room's time zone.

type Language = EmailConfig['language'];

const WORDS = {
  en: {
    priority: { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW' } as Record<string, string>,
    escalation: 'ESCALATION',
    unacked: (min: number) => `unacknowledged for ${min} min`,
    floodSubject: (n: number) => `[FLOOD] Alarm flood #${n}`,
    flood: 'A burst of alarms is grouped as one flood: see the alarm list.',
    substation: 'Substation',
    alarm: 'Alarm',
    priorityLabel: 'Priority',
    tag: 'Tag',
    value: 'Value',
    noData: 'no data (the PLC is silent)',
    raised: 'Raised',
    sent: 'Sent',
  },
  zh: {
    priority: { critical: '紧急', high: '高', medium: '中', low: '低' } as Record<string, string>,
    escalation: '升级',
    unacked: (min: number) => `${min} 分钟未确认`,
    floodSubject: (n: number) => `[泛滥] 报警泛滥 #${n}`,
    flood: '一批报警已合并为一次报警泛滥，请查看报警列表。',
    substation: '换热站',
    alarm: '报警',
    priorityLabel: '优先级',
    tag: '测点',
    value: '数值',
    noData: '无数据（PLC 无响应）',
    raised: '报警时间',
    sent: '发送时间',
  },
} as const;

const shown = (v: number | boolean): string => (typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v));

export function emailText(m: NotifyMessage, language: Language, clock: LocalTime): { subject: string; text: string } {
  const w = WORDS[language];
  const time = (ms: number) => `${clock.format(ms)} (${clock.zone})`;
  if (m.kind === 'flood') return { subject: w.floodSubject(m.floodGroup ?? 0), text: `${w.flood}\n${w.sent}: ${time(m.ts)}\n` };
  const title = m.title?.[language] ?? m.alarm ?? '';
  const level = w.priority[m.priority ?? ''] ?? m.priority ?? '';
  // No tag and no value: the PLC is silent; a value without a tag is a count (complaints in a cluster).
  const value = m.value !== undefined ? shown(m.value) : m.detail !== undefined ? m.detail : m.tag === undefined ? w.noData : '?';
  const raisedAt = m.raisedAt ?? m.ts;
  const unacked = w.unacked(Math.round((m.ts - raisedAt) / 60_000));
  const subject =
    m.kind === 'escalation' ? `[${w.escalation} ${level}] ${m.substation} ${title}, ${unacked}` : `[${level}] ${m.substation} ${title}: ${m.tag === undefined ? value : `${m.tag} = ${value}`}`;
  const lines = [
    title,
    '',
    `${w.substation}: ${m.substation}`,
    `${w.alarm}: ${m.alarm} #${m.alarmId}`,
    `${w.priorityLabel}: ${level}`,
    `${w.tag}: ${m.tag ?? '-'}`,
    `${w.value}: ${value}`,
    `${w.raised}: ${time(raisedAt)}`,
    ...(m.kind === 'escalation' ? [`${w.escalation}: ${unacked}`] : []),
  ];
  return { subject, text: lines.join('\n') + '\n' };
}
