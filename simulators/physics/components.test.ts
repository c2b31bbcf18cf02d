import { describe, expect, it } from 'vitest';
import { seededRandom } from '../network/random.ts';
import { counterFlowEffectiveness, exchange, ntuForEffectiveness } from './heat-exchanger.ts';
import { radiatorLaw, radiatorOutput, RADIATOR_EXPONENT } from './radiator.ts';
import { CLOSED_LEAK, RANGEABILITY, valveKv } from './valve.ts';
import { outdoorTemperature } from './weather.ts';

describe('control valve', () => {
  it('is equal-percentage: each 10 % of travel multiplies Kv by about R^0.1 in the upper range', () => {
    const ratio = valveKv(100, 0.9) / valveKv(100, 0.8);
    expect(ratio).toBeCloseTo(Math.pow(RANGEABILITY, 0.1), 1);
    expect(valveKv(100, 1)).toBeCloseTo(100, 6);
  });
  it('leaks 0.05 % of Kvs when closed and never goes backwards', () => {
    expect(valveKv(200, 0)).toBeCloseTo(200 * CLOSED_LEAK, 9);
    for (let h = 0; h < 1; h += 0.01) expect(valveKv(50, h + 0.01)).toBeGreaterThan(valveKv(50, h));
  });
});

describe('counter-flow plate heat exchanger', () => {
  it('never heats the secondary above the primary inlet, and conserves energy', () => {
    const rnd = seededRandom(11);
    for (let k = 0; k < 2000; k++) {
      const ua = 1e3 + rnd() * 5e5;
      const c1 = rnd() * 4e5;
      const c2 = rnd() * 4e5;
      const t1 = 40 + rnd() * 90;
      const t2 = 10 + rnd() * 60;
      const r = exchange(ua, c1, c2, t1, t2);
      expect(r.secondaryOut).toBeLessThanOrEqual(Math.max(t1, t2) + 1e-9);
      expect(r.primaryOut).toBeGreaterThanOrEqual(Math.min(t1, t2) - 1e-9);
      expect(r.q).toBeGreaterThanOrEqual(0);
      if (r.q > 0) {
        expect(c1 * (t1 - r.primaryOut)).toBeCloseTo(r.q, 3);
        expect(c2 * (r.secondaryOut - t2)).toBeCloseTo(r.q, 3);
      }
    }
  });
  it('inverts effectiveness to NTU', () => {
    for (const cr of [0, 0.25, 0.7, 1]) {
      for (const ntu of [0.3, 1, 3]) {
        expect(ntuForEffectiveness(counterFlowEffectiveness(ntu, cr), cr)).toBeCloseTo(ntu, 9);
      }
    }
  });
});

describe('radiators', () => {
  const design = { qDesign: 100_000, dtDesign: 44.5, exponent: RADIATOR_EXPONENT };
  const law = radiatorLaw(design.qDesign, design.dtDesign, design.exponent);
  it('gives the design output at the design temperatures', () => {
    // Design 75/50 °C into 18 °C: the mean is 62.5 °C and the flow carries 100 kW at 25 K.
    const c = 100_000 / 25;
    expect(radiatorOutput(law, c, 75, 18)).toBeCloseTo(100_000, -1);
  });
  it('solves the supply/return pair: the answer satisfies the radiator equation', () => {
    const rnd = seededRandom(5);
    for (let k = 0; k < 500; k++) {
      const c = 500 + rnd() * 10_000;
      const ts = 25 + rnd() * 60;
      const room = 5 + rnd() * 18;
      const q = radiatorOutput(law, c, ts, room, rnd() * 50_000);
      const mean = ts - q / (2 * c);
      const formula = mean > room ? design.qDesign * Math.pow((mean - room) / design.dtDesign, design.exponent) : 0;
      const expected = Math.min(formula, c * (ts - room));
      expect(Math.abs(q - expected)).toBeLessThanOrEqual(1e-3 * expected + 1);
      expect(ts - q / c).toBeGreaterThanOrEqual(room - 1e-6); // never cools the water below the room
    }
  });
});

describe('weather', () => {
  const spec = { mean_c: -8, daily_swing_k: 6, design_outdoor_c: -16.9, gains_w_m2: 3, ground_c: 5, cold_snaps: [{ start_h: 24, drop_k: 12, ramp_h: 12, duration_h: 24 }] };
  const midnightCst = Date.UTC(2026, 0, 14, 16); // 00:00 in China Standard Time
  it('swings daily: coldest before dawn, warmest in the afternoon', () => {
    const at = (h: number): number => outdoorTemperature(spec, midnightCst + h * 3600e3, h * 3600);
    expect(at(3)).toBeCloseTo(-11, 6);
    expect(at(15)).toBeCloseTo(-5, 6);
  });
  it('drops by the cold snap and comes back', () => {
    const at = (h: number): number => outdoorTemperature(spec, midnightCst + h * 3600e3, h * 3600);
    expect(at(24 + 12 + 12) - at(48 - 24)).toBeCloseTo(-12, 6);
    expect(at(24 + 12 + 24 + 12 + 24)).toBeCloseTo(at(24), 6);
  });
});
