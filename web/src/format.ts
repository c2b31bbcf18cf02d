// How numbers, units and ages are shown: one place, so the overview, the mimic and the tag
// table print the same value the same way.

import { useEffect, useState } from 'react';
import type { TagValue } from './api.ts';
import type { Translate } from './i18n.ts';
import { DEFAULT_DISPLAY_ZONE } from '../../model/time-zone.ts';

/**
 * Times are shown in the company's zone (display.time_zone, China's by default: model/time-zone.ts),
 * whatever the browser's: stored times are UTC. The server says which in GET /api/health.
 */
export let DISPLAY_ZONE = DEFAULT_DISPLAY_ZONE;

export function setDisplayZone(zone: string): void {
  DISPLAY_ZONE = zone;
}

/** Decimals per unit: what the sensor resolves, not what the float holds. */
const DECIMALS: Record<string, number> = { '°C': 1, MPa: 3, 'm³/h': 1, '%': 0, Hz: 1, kPa: 1, kW: 0, GJ: 1, m: 2, K: 1 };

export function formatNumber(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(DECIMALS[unit] ?? 1);
}

export function formatValue(value: TagValue | undefined, unit: string, t: Translate): string {
  if (typeof value === 'boolean') return t(value ? 'bool.true' : 'bool.false');
  return formatNumber(value, unit);
}

export function formatAge(ms: number, t: Translate): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return t('age.seconds', { n: s });
  if (s < 7200) return t('age.minutes', { n: Math.round(s / 60) });
  if (s < 172_800) return t('age.hours', { n: Math.round(s / 3600) });
  return t('age.days', { n: Math.round(s / 86_400) });
}

export const formatTime = (ms: number): string => new Date(ms).toLocaleTimeString([], { hour12: false, timeZone: DISPLAY_ZONE });

/** The current time, ticking, so ages on screen grow while nothing arrives. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export const formatDateTime = (ms: number): string => new Date(ms).toLocaleString([], { hour12: false, timeZone: DISPLAY_ZONE });
