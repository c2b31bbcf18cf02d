import { describe, expect, it } from 'vitest';
import { PointBook, SharedByKey, backoffDelay, checkWrite } from './driver-support.ts';

describe('PointBook', () => {
  it('carries the last usable value on a bad point, and makes booleans of status tags', () => {
    const book = new PointBook('S1');
    expect(book.bad('primary.flow', 1)).toEqual({ substation: 'S1', tag: 'primary.flow', ts: 1, value: 0, quality: 'bad' });
    expect(book.bad('pump.running', 1).value).toBe(false);
    expect(book.point('primary.flow', 120.5, 'uncertain', 2).value).toBe(120.5);
    expect(book.point('primary.flow', 999, 'bad', 3)).toMatchObject({ value: 120.5, quality: 'bad' });
    expect(book.point('primary.flow', Number.NaN, 'good', 4)).toMatchObject({ value: 120.5, quality: 'bad' });
    expect(book.point('pump.running', 1, 'good', 5).value).toBe(true);
    expect(book.point('control.mode', true, 'good', 6).value).toBe(1);
  });
});

describe('checkWrite', () => {
  const mapped = ['secondary.supply_temp_setpoint', 'control.mode_setpoint', 'primary.supply_temp'] as const;

  it('lets a mapped, writable tag inside its range through', () => {
    expect(checkWrite('S1', mapped, 'secondary.supply_temp_setpoint', 55)).toMatchObject({ ok: true });
    expect(checkWrite('S1', mapped, 'control.mode_setpoint', 2)).toMatchObject({ ok: true });
  });

  it('refuses the rest with the catalogue code', () => {
    expect(checkWrite('S1', mapped, 'secondary.supply_temp_setpoint', 75.1)).toMatchObject({ code: 'HS_ERR_OUT_OF_RANGE' });
    expect(checkWrite('S1', mapped, 'secondary.supply_temp_setpoint', Number.NaN)).toMatchObject({ code: 'HS_ERR_OUT_OF_RANGE' });
    expect(checkWrite('S1', mapped, 'control.mode_setpoint', 0.5)).toMatchObject({ code: 'HS_ERR_OUT_OF_RANGE' });
    expect(checkWrite('S1', mapped, 'primary.supply_temp', 50)).toMatchObject({ code: 'HS_ERR_NOT_WRITABLE' });
    expect(checkWrite('S1', mapped, 'pump.frequency_setpoint', 40)).toMatchObject({ code: 'HS_ERR_UNKNOWN_TAG' });
    expect(checkWrite('S1', mapped, 'nonsense', 1)).toMatchObject({ code: 'HS_ERR_UNKNOWN_TAG' });
  });
});

it('doubles the back-off up to its maximum', () => {
  const cfg = { initial_delay_ms: 100, max_delay_ms: 1000 };
  expect([0, 1, 2, 3, 4, 50].map((n) => backoffDelay(cfg, n))).toEqual([100, 200, 400, 800, 1000, 1000]);
});

describe('SharedByKey', () => {
  it('makes one value per key, and hands it back only when its last user releases it', () => {
    const shared = new SharedByKey<{ id: number }>();
    let made = 0;
    const make = () => ({ id: ++made });
    const a = shared.acquire('plc:502', make);
    expect(shared.acquire('plc:502', make)).toBe(a);
    expect(shared.acquire('other:502', make)).not.toBe(a);
    expect(shared.release('plc:502')).toBeUndefined();
    expect(shared.release('plc:502')).toBe(a);
    expect(shared.release('plc:502')).toBeUndefined();
    expect(shared.acquire('plc:502', make)).toEqual({ id: 3 });
  });
});
