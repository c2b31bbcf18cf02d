import { HeatScadaError } from '../model/errors.ts';

// The `day` of a complaint (YYYY-MM-DD in the display zone), stored beside it so that the KPIs
// per day are a GROUP BY. Every zone's offset is a whole number of quarter hours, so a day
// starts on a quarter-hour boundary of UTC and one answer serves the whole quarter: an import of
// a season asks Intl a few thousand times, not once a row.

const QUARTER_MS = 15 * 60_000;

export function dayKeyIn(zone: string, at = '/service/display_zone'): (ms: number) => string {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `unknown time zone ${zone}`, at);
  }
  const cache = new Map<number, string>();
  return (ms) => {
    const quarter = Math.floor(ms / QUARTER_MS);
    let day = cache.get(quarter);
    if (day === undefined) {
      // en-CA writes 2026-11-15; formatToParts keeps it so should a runtime change its default.
      const parts = Object.fromEntries(format.formatToParts(quarter * QUARTER_MS).map((p) => [p.type, p.value]));
      day = `${parts.year}-${parts.month}-${parts.day}`;
      if (cache.size > 100_000) cache.clear();
      cache.set(quarter, day);
    }
    return day;
  };
}
