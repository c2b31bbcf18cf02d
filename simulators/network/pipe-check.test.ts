import { describe, expect, it } from 'vitest';
import { EQUAL_OPENING, generateCity } from './generate.ts';
import { enlargeStarvedPaths, MIN_WIDE_OPEN_FLOW_RATIO, starvedSubstations } from './pipe-check.ts';

// Valves are sized at Kvs = 1.3 × design flow at 1 bar, so the spec gives back each design flow.
const designFlowOf = (kvs: number): number => kvs / 1.3 / 3600;

describe('pipe check of generated cities', () => {
  it.each([
    [24, 1],
    [24, 7],
    [20, 1],
    [200, 1],
  ])('gives every substation of %i (seed %i) its design flow margin with its valve wide open', (substations, seed) => {
    const city = generateCity({ substations, seed });
    const starved = starvedSubstations(city, { equalOpening: EQUAL_OPENING, designFlowM3s: (i) => designFlowOf(city.substations[i].valve_kvs) });
    expect(starved).toEqual([]);
  });

  it('finds the substation a thin service pipe starves, and enlarges that pipe until it passes', () => {
    const city = generateCity({ substations: 24, seed: 1 });
    const last = city.substations[city.substations.length - 1];
    const designFlowM3s = (i: number) => designFlowOf(city.substations[i].valve_kvs);
    last.diameter_mm = 50;
    const found = starvedSubstations(city, { equalOpening: EQUAL_OPENING, designFlowM3s }).find((s) => city.substations[s.index].id === last.id);
    expect(found?.ratio).toBeLessThan(MIN_WIDE_OPEN_FLOW_RATIO);
    let pumpSizings = 0;
    enlargeStarvedPaths(city, { pipeSizesMm: [50, 65, 80, 100, 125, 150, 200], equalOpening: EQUAL_OPENING, designFlowM3s, sizePump: () => pumpSizings++ });
    expect(last.diameter_mm).toBeGreaterThan(50);
    expect(pumpSizings).toBeGreaterThan(0);
    expect(starvedSubstations(city, { equalOpening: EQUAL_OPENING, designFlowM3s })).toEqual([]);
  });
});
