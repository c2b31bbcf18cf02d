import { describe, expect, it } from 'vitest';
import { timePattern, wallOfSheetDate, zonedClock } from './zoned-time.ts';

describe('wall-clock times of an export', () => {
  const pattern = timePattern('YYYY-MM-DD HH:mm:ss');

  it('reads the pattern, with or without leading zeros and seconds', () => {
    expect(pattern.parse('2026-01-05 08:32:11')).toEqual({ year: 2026, month: 1, day: 5, hour: 8, minute: 32, second: 11 });
    expect(pattern.parse(' 2026-1-5 8:03 ')).toEqual({ year: 2026, month: 1, day: 5, hour: 8, minute: 3, second: 0 });
    expect(timePattern('YYYY/MM/DD HH:mm').parse('2026/12/31 23:59')).toMatchObject({ month: 12, day: 31, hour: 23, minute: 59 });
  });

  it.each(['2026-13-01 08:00:00', '2026-02-30 08:00:00', '2026-01-05 24:00:00', '2026-01-05 08:60', '2026/01/05 08:00', '05.01.2026', ''])('refuses %j', (text) => {
    expect(pattern.parse(text)).toBeUndefined();
  });

  it('refuses a pattern without a date', () => {
    expect(() => timePattern('HH:mm')).toThrow(/YYYY/);
  });

  it('turns Beijing wall time into UTC, and keeps DST zones right on both sides of the change', () => {
    const beijing = zonedClock('Asia/Shanghai');
    expect(beijing({ year: 2026, month: 1, day: 5, hour: 8, minute: 0, second: 0 })).toBe(Date.UTC(2026, 0, 5, 0, 0, 0));
    const berlin = zonedClock('Europe/Berlin');
    // 2026-03-29 02:00 CET → CEST.
    expect(berlin({ year: 2026, month: 3, day: 29, hour: 1, minute: 30, second: 0 })).toBe(Date.UTC(2026, 2, 29, 0, 30));
    expect(berlin({ year: 2026, month: 3, day: 29, hour: 3, minute: 30, second: 0 })).toBe(Date.UTC(2026, 2, 29, 1, 30));
    expect(() => zonedClock('Mars/Olympus')).toThrow();
  });

  it('reads a workbook date cell as the wall time it shows', () => {
    expect(wallOfSheetDate(new Date(Date.UTC(2026, 0, 5, 8, 32, 11)))).toEqual({ year: 2026, month: 1, day: 5, hour: 8, minute: 32, second: 11 });
  });
});
