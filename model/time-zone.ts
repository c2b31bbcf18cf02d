import { Type, type Static } from '@sinclair/typebox';
import { HeatScadaError } from './errors.ts';

// The zone times are shown in. Every stored time is UTC (ms since the epoch); a zone only turns
// one into wall-clock text for people: the web UI, work orders, notifications. The default is
// China's, Asia/Shanghai: UTC+8 all year, no daylight saving, so a day's hours never repeat or go missing.

export const DEFAULT_DISPLAY_ZONE = 'Asia/Shanghai';

export const DisplayConfigSchema = Type.Object(
  {
    time_zone: Type.String({ minLength: 1, default: DEFAULT_DISPLAY_ZONE, description: 'IANA zone of every time shown to people; stored times stay UTC' }),
  },
  { additionalProperties: false, default: {} },
);
export type DisplayConfig = Static<typeof DisplayConfigSchema>;

/** The zone, if the runtime knows it; a configuration error with its path otherwise. */
export function checkTimeZone(zone: string, at: string): string {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `unknown time zone ${zone}`, at);
  }
}

/** A UTC instant as wall-clock text in the zone (24 h), e.g. 2026-01-15 14:30:00. */
export function formatInZone(ms: number, zone: string = DEFAULT_DISPLAY_ZONE): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

/** How far the zone's wall clock is ahead of UTC at that instant, minutes. */
export function zoneOffsetMinutes(ms: number, zone: string = DEFAULT_DISPLAY_ZONE): number {
  const wall = formatInZone(ms, zone);
  const asUtc = Date.parse(`${wall.replace(' ', 'T')}Z`);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}
