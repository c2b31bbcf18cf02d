import { describe, expect, it } from 'vitest';
import { checkTimeZone, DEFAULT_DISPLAY_ZONE, formatInZone, zoneOffsetMinutes } from './time-zone.ts';

describe('display time zone', () => {
  it('is Asia/Shanghai by default', () => {
    expect(DEFAULT_DISPLAY_ZONE).toBe('Asia/Shanghai');
  });

  it('shows a UTC instant in Asia/Shanghai 8 h later, summer and winter alike (no daylight saving)', () => {
    const winter = Date.UTC(2026, 0, 15, 6, 30, 0);
    const summer = Date.UTC(2026, 6, 15, 6, 30, 0);
    expect(formatInZone(winter)).toBe('2026-01-15 14:30:00');
    expect(formatInZone(summer)).toBe('2026-07-15 14:30:00');
    expect(zoneOffsetMinutes(winter)).toBe(480);
    expect(zoneOffsetMinutes(summer)).toBe(480);
    // A zone with daylight saving differs between the two: the check can tell.
    expect(zoneOffsetMinutes(winter, 'Europe/Berlin')).not.toBe(zoneOffsetMinutes(summer, 'Europe/Berlin'));
  });

  it('crosses midnight into the next day', () => {
    expect(formatInZone(Date.UTC(2026, 11, 31, 16, 0, 0))).toBe('2027-01-01 00:00:00');
  });

  it('refuses an unknown zone with the path of the field', () => {
    expect(() => checkTimeZone('Mars/Olympus_Mons', '/display/time_zone')).toThrow(/HS_ERR_CONFIG_INVALID.*\/display\/time_zone/);
    expect(checkTimeZone('Asia/Shanghai', '/display/time_zone')).toBe('Asia/Shanghai');
  });
});
