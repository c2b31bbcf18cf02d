import { describe, expect, it } from 'vitest';
import { heatSaving } from './heat-saving.ts';

describe('heat saved against the curve alone', () => {
  it('is the common trim the most demanding substation needs, against each substation its own', () => {
    // At −2 °C outdoor and 18 °C indoor: the curve alone gives both (20 + 4) K; the loop gives 24 and 20.
    const s = heatSaving(18, [
      { outdoorC: -2, trimK: 4, needK: 4 },
      { outdoorC: -2, trimK: 0, needK: 0 },
    ]);
    expect(s).toEqual({ savedPct: (100 * (48 - 44)) / 48, curveTrimK: 4, substations: 2 });
  });

  it('counts the return bias as heat the loop spends, but not as need', () => {
    const s = heatSaving(18, [
      { outdoorC: -2, trimK: 3, needK: 1 },
      { outdoorC: -2, trimK: 1, needK: 1 },
    ]);
    // Curve alone: 2 × 21 K; the loop: 23 + 21 K: it spends more than the curve alone, said as a negative saving.
    expect(s!.savedPct).toBeCloseTo((100 * (42 - 44)) / 42, 9);
  });

  it('no substations, or no heating load at all: no estimate', () => {
    expect(heatSaving(18, [])).toBeNull();
    expect(heatSaving(18, [{ outdoorC: 25, trimK: 0, needK: 0 }])).toBeNull();
  });
});
