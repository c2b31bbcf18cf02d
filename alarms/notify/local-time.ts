import { HeatScadaError } from '../../model/errors.ts';

// The control room's clock: routes name hours of the day and e-mails give times in one
// configured time zone (a night route means night where the crews are, not on the server).

export interface LocalTime {
  /** Hour of day 0–23. */
  hour(ms: number): number;
  /** 'YYYY-MM-DD HH:mm:ss' in the zone. */
  format(ms: number): string;
  readonly zone: string;
}

/** A bad zone fails at start, with the path of the field. */
export function localTime(zone: string | undefined): LocalTime {
  let parts: Intl.DateTimeFormat;
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `unknown time zone ${zone}`, '/alarms/time_zone');
  }
  const fields = (ms: number) => Object.fromEntries(parts.formatToParts(ms).map((p) => [p.type, p.value])) as Record<Intl.DateTimeFormatPartTypes, string>;
  return {
    zone: parts.resolvedOptions().timeZone,
    hour: (ms) => Number(fields(ms).hour),
    format(ms) {
      const f = fields(ms);
      return `${f.year}-${f.month}-${f.day} ${f.hour}:${f.minute}:${f.second}`;
    },
  };
}
