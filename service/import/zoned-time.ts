// Times as a ticket export writes them: wall-clock text in a pattern ('YYYY-MM-DD HH:mm:ss') in
// the city's zone, with no offset. Parsed without a date library and fast enough for a season's
// export (the zone's offset is looked up once per wall-clock hour, not per row).

/** A wall-clock time: month 1–12, as people write it. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const TOKENS = ['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss'] as const;
type Token = (typeof TOKENS)[number];
const FIELD: Record<Token, keyof WallTime> = { YYYY: 'year', MM: 'month', DD: 'day', HH: 'hour', mm: 'minute', ss: 'second' };

export interface TimePattern {
  readonly pattern: string;
  /** The wall time the text says, or undefined when it is not one in the pattern (or not a real date). */
  parse(text: string): WallTime | undefined;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Compiles a pattern of YYYY MM DD HH mm ss and literal characters. Exports drop leading zeros
 * (2026/1/5 8:03) and seconds as often as not, so two-digit fields take one or two digits and a
 * trailing ':ss' may be absent.
 */
export function timePattern(pattern: string): TimePattern {
  const order: Token[] = [];
  let source = '';
  let rest = pattern;
  while (rest.length > 0) {
    const token = TOKENS.find((t) => rest.startsWith(t));
    if (token) {
      order.push(token);
      const digits = token === 'YYYY' ? '(\\d{4})' : '(\\d{1,2})';
      source = token === 'ss' && source.endsWith(':') ? `${source.slice(0, -1)}(?::${digits})?` : source + digits;
      rest = rest.slice(token.length);
    } else {
      source += /\s/.test(rest[0]) ? '\\s+' : escape(rest[0]);
      rest = rest.slice(1);
    }
  }
  for (const needed of ['YYYY', 'MM', 'DD'] as const) {
    if (!order.includes(needed)) throw new Error(`time_format "${pattern}" has no ${needed}`);
  }
  const regex = new RegExp(`^${source}$`);
  return {
    pattern,
    parse(text) {
      const match = regex.exec(text.trim());
      if (!match) return undefined;
      const wall: WallTime = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
      order.forEach((token, i) => {
        if (match[i + 1] !== undefined) wall[FIELD[token]] = Number(match[i + 1]);
      });
      return isRealTime(wall) ? wall : undefined;
    },
  };
}

function isRealTime(t: WallTime): boolean {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.hour > 23 || t.minute > 59 || t.second > 59) return false;
  const daysInMonth = new Date(Date.UTC(t.year, t.month, 0)).getUTCDate();
  return t.day <= daysInMonth;
}

/** Converts wall times of one zone to ms UTC. A bad zone throws here, once. */
export function zonedClock(zone: string): (wall: WallTime) => number {
  const format = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  /** The zone's offset from UTC at an instant, ms. */
  const offsetAt = (utc: number): number => {
    const f = Object.fromEntries(format.formatToParts(utc).map((p) => [p.type, p.value]));
    return Date.UTC(Number(f.year), Number(f.month) - 1, Number(f.day), Number(f.hour), Number(f.minute), Number(f.second)) - Math.floor(utc / 1000) * 1000;
  };
  const offsets = new Map<number, number>();
  return (wall) => {
    const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
    const hourKey = Math.floor(asUtc / 3_600_000);
    let offset = offsets.get(hourKey);
    if (offset === undefined) {
      // The offset at the guess, corrected once: right on both sides of a DST change but inside the skipped hour.
      const first = offsetAt(asUtc);
      offset = offsetAt(asUtc - first);
      offsets.set(hourKey, offset);
    }
    return asUtc - offset;
  };
}

/** The wall time a spreadsheet date cell shows: exceljs hands it over as a Date whose UTC fields are the shown ones. */
export function wallOfSheetDate(date: Date): WallTime {
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: date.getUTCHours(), minute: date.getUTCMinutes(), second: date.getUTCSeconds() };
}
