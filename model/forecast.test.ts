import { describe, expect, it } from 'vitest';
import { HeatScadaError } from './errors.ts';
import { coldestBetween, forecastFromJson, parseForecast, temperatureAt } from './forecast.ts';

const H = 3_600_000;
const T0 = Date.parse('2027-01-15T06:00:00+08:00');

/** The path of the error a bad document is refused with. */
function refusedAt(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HeatScadaError);
    expect((e as HeatScadaError).code).toBe('HS_ERR_FORECAST_INVALID');
    return (e as HeatScadaError).path;
  }
  throw new Error('the document was accepted');
}

const good = { issued_at: '2027-01-15T06:00:00+08:00', source: 'met office', points: [{ at: '2027-01-15T06:00:00+08:00', temp_c: -8 }, { at: T0 + H, temp_c: -10 }, { at: T0 + 2 * H, temp_c: -25 }] };

describe('the forecast format', () => {
  it('reads JSON with ISO times or ms, and CSV at,temp_c with the issue time of its carrier', () => {
    const f = forecastFromJson(structuredClone(good));
    expect(f).toEqual({ issuedAtMs: T0, source: 'met office', points: [{ atMs: T0, tempC: -8 }, { atMs: T0 + H, tempC: -10 }, { atMs: T0 + 2 * H, tempC: -25 }] });
    const csv = parseForecast(`at,temp_c\r\n${new Date(T0).toISOString()},-8\n${T0 + 1800_000},-9.5\n\n`, T0 - H, 'file f.csv');
    expect(csv).toEqual({ issuedAtMs: T0 - H, source: 'file f.csv', points: [{ atMs: T0, tempC: -8 }, { atMs: T0 + 1800_000, tempC: -9.5 }] });
    expect(parseForecast(JSON.stringify(good), 0).issuedAtMs).toBe(T0);
  });

  it('refuses a bad document whole, naming the field or the row and column', () => {
    const bad = (edit: (d: typeof good & Record<string, unknown>) => void) => {
      const d = structuredClone(good) as typeof good & Record<string, unknown>;
      edit(d);
      return () => forecastFromJson(d);
    };
    expect(refusedAt(bad((d) => ((d.points[2] as Record<string, unknown>).temp_c = 'cold')))).toBe('/points/2/temp_c');
    expect(refusedAt(bad((d) => (d.points[1].temp_c = -80)))).toBe('/points/1/temp_c');
    expect(refusedAt(bad((d) => (d.points[1].at = '15 Jan 2027')))).toBe('/points/1/at');
    expect(refusedAt(bad((d) => delete (d as Record<string, unknown>).issued_at))).toBe('/issued_at');
    expect(refusedAt(bad((d) => (d.extra = 1)))).toBe('/extra');
    expect(refusedAt(bad((d) => (d.points[2].at = T0 + 4 * H)))).toBe('/points/2');
    expect(refusedAt(bad((d) => (d.points[2].at = T0)))).toBe('/points/2');
    expect(refusedAt(bad((d) => (d.points = d.points.slice(0, 1))))).toBe('/points/1');
    expect(refusedAt(() => parseForecast('{ "issued_at": ', 0))).toBe('/');
    expect(refusedAt(() => parseForecast('time,temp\n1,2', 0))).toBe('row 1');
    expect(refusedAt(() => parseForecast(`at,temp_c\n${T0},-8\n${T0 + H},x`, 0))).toBe('row 3, column temp_c');
    expect(refusedAt(() => parseForecast(`at,temp_c\n${T0},-8\nnoon,-9`, 0))).toBe('row 3, column at');
    expect(refusedAt(() => parseForecast(`at,temp_c\n${T0},-8,1`, 0))).toBe('row 2');
  });

  it('interpolates between points, and knows nothing outside them', () => {
    const f = forecastFromJson(structuredClone(good));
    expect(temperatureAt(f, T0 + H / 2)).toBeCloseTo(-9, 9);
    expect(temperatureAt(f, T0 + 1.5 * H)).toBeCloseTo(-17.5, 9);
    expect(temperatureAt(f, T0 + 2 * H)).toBe(-25);
    expect(temperatureAt(f, T0 - 1)).toBeUndefined();
    expect(temperatureAt(f, T0 + 2 * H + 1)).toBeUndefined();
    expect(coldestBetween(f, T0, T0 + 1.5 * H)).toBeCloseTo(-17.5, 9);
    expect(coldestBetween(f, T0, T0 + 3 * H)).toBeUndefined();
  });
});
