import { describe, expect, it } from 'vitest';
import type { TagName } from '../model/tags.ts';
import { withFillConnections } from './network/fill-connection.ts';
import { generateCity } from './network/generate.ts';
import { WATER_AMBIENT_C } from './physics/season.ts';
import { Plant } from './plant.ts';

// The season start as the plant plays it (simulators/README.md, "Season"), read through the
// PLC's tags as the collectors would: a drained loop, its filling, the pressure test (a tight
// loop holds, a leaking one falls), the cold run and the lit source.

const START = Date.parse('2026-09-25T08:00:00+08:00');
const TIGHT = 'S001';
const LEAKY = 'S002';

function drainedPlant(): Plant {
  const city = withFillConnections(generateCity({ substations: 4, seed: 21 }));
  return new Plant(city, { startMs: START, stepS: 2, warmUpS: 600, scenario: { season_start: { indoor_c: 20, outdoor_mean_c: 10 }, faults: [], season: [] } });
}
const num = (plant: Plant, sub: string, tag: TagName): number => plant.read(sub, tag) as number;
const volumeOf = (plant: Plant, sub: string) => plant.spec.substations.find((s) => s.id === sub)!.loop;

/** The plant with every loop filled (make-up back to its trickle) and held at static pressure. */
function filledPlant(): Plant {
  const plant = drainedPlant();
  plant.setSeasonPhase('all', 'filling');
  plant.advance(3 * 3600);
  return plant;
}

describe('the season start in the plant', () => {
  it('starts drained: no pressure, no circulation, the source unlit, water at the ambient', () => {
    const plant = drainedPlant();
    plant.advance(300);
    for (const sub of plant.substationIds) {
      expect(plant.seasonPhaseOf(sub)).toBe('empty');
      expect(num(plant, sub, 'secondary.supply_pressure')).toBe(0);
      expect(num(plant, sub, 'secondary.flow')).toBe(0);
      expect(plant.read(sub, 'pump.running')).toBe(false);
      expect(plant.read(sub, 'makeup.running')).toBe(false);
      expect(num(plant, sub, 'secondary.supply_temp')).toBeCloseTo(WATER_AMBIENT_C, 0);
    }
    expect(plant.season().sourceLit).toBe(false);
  });

  it('fills on the fill connection: make-up at its fill flow, the pressure rising to static, then held', () => {
    const plant = drainedPlant();
    const loop = volumeOf(plant, TIGHT);
    plant.setSeasonPhase([TIGHT], 'filling');
    plant.advance(600);
    expect(plant.read(TIGHT, 'makeup.running')).toBe(true);
    expect(num(plant, TIGHT, 'makeup.flow')).toBeCloseTo(loop.fill_flow_m3h!, 1);
    const early = num(plant, TIGHT, 'secondary.supply_pressure');
    expect(early).toBeGreaterThan(0);
    expect(early).toBeLessThan(loop.static_pressure_mpa);
    plant.advance(3 * 3600);
    expect(num(plant, TIGHT, 'secondary.return_pressure')).toBeCloseTo(loop.static_pressure_mpa, 1);
    // Full: make-up back to replacing the normal losses, far under the fill flow.
    expect(num(plant, TIGHT, 'makeup.flow')).toBeLessThan(0.05 * loop.fill_flow_m3h!);
    // The other loops were not commanded: still drained.
    expect(num(plant, LEAKY, 'secondary.supply_pressure')).toBe(0);
  });

  it('pressure test: the make-up raises a loop in minutes; a tight one holds, a leaking one falls', () => {
    const plant = filledPlant();
    plant.injectFault({ kind: 'leak', substation: LEAKY, severity: 0.1 });
    plant.setSeasonPhase([TIGHT, LEAKY], 'pressure_test');
    const testMpa = plant.net.testPa[plant.substationIds.indexOf(TIGHT)] / 1e6;
    plant.advance(60);
    // Still being raised after a minute (make-up running, under the test pressure): the raise is seen.
    expect(plant.read(TIGHT, 'makeup.running')).toBe(true);
    expect(num(plant, TIGHT, 'secondary.supply_pressure')).toBeLessThan(testMpa - 0.02);
    plant.advance(20 * 60);
    const held = num(plant, TIGHT, 'secondary.supply_pressure');
    expect(plant.read(TIGHT, 'makeup.running')).toBe(false);
    expect(held).toBeGreaterThan(testMpa - 0.01);
    plant.advance(30 * 60);
    // A tight loop loses about 0.002 MPa an hour (valve seats, vents): within any test's limit.
    expect(held - num(plant, TIGHT, 'secondary.supply_pressure')).toBeLessThan(0.005);
    const peak = plant.net.testPa[plant.substationIds.indexOf(LEAKY)] / 1e6;
    expect(peak - num(plant, LEAKY, 'secondary.supply_pressure')).toBeGreaterThan(0.05);
    expect(plant.read(LEAKY, 'pump.running')).toBe(false);
  });

  it('pressure test: a leak bigger than the make-up pump keeps it running and the loop never reaches its test pressure', () => {
    const plant = filledPlant();
    const loop = volumeOf(plant, LEAKY);
    // severity 1 is 10 m³/h: over this loop's make-up capacity.
    expect(loop.makeup_capacity_m3h).toBeLessThan(10);
    plant.injectFault({ kind: 'leak', substation: LEAKY, severity: 1 });
    plant.setSeasonPhase([LEAKY], 'pressure_test');
    for (let m = 0; m < 60; m += 10) {
      plant.advance(600);
      expect(plant.read(LEAKY, 'makeup.running')).toBe(true);
      expect(num(plant, LEAKY, 'makeup.flow')).toBeCloseTo(loop.makeup_capacity_m3h, 1);
      expect(num(plant, LEAKY, 'secondary.supply_pressure')).toBeLessThan(loop.static_pressure_mpa + 0.01);
    }
  });

  it('cold run: the pump circulates at design frequency without heat; make-up replaces the normal losses', () => {
    const plant = filledPlant();
    plant.setSeasonPhase([TIGHT], 'cold_run');
    plant.advance(3600);
    expect(plant.read(TIGHT, 'pump.running')).toBe(true);
    expect(num(plant, TIGHT, 'secondary.flow')).toBeGreaterThan(0);
    expect(num(plant, TIGHT, 'primary.valve_position')).toBe(0);
    expect(num(plant, TIGHT, 'secondary.supply_temp')).toBeLessThan(16);
    const loop = volumeOf(plant, TIGHT);
    expect(num(plant, TIGHT, 'makeup.flow')).toBeLessThan(0.005 * loop.volume_m3);
    expect(plant.season().sourceLit).toBe(false);
  });

  it('hot: the source is lit and the loop takes heat; the other loops stay cold', () => {
    const plant = filledPlant();
    plant.setSeasonPhase([TIGHT], 'hot');
    expect(plant.season().sourceLit).toBe(true);
    plant.advance(6 * 3600);
    expect(num(plant, TIGHT, 'secondary.supply_temp')).toBeGreaterThan(25);
    expect(num(plant, LEAKY, 'secondary.supply_temp')).toBeLessThan(16);
  });

  it('refuses a phase it does not know, with its code and path, and changes nothing', () => {
    const plant = filledPlant();
    expect(() => plant.setSeasonPhase([TIGHT], 'boiling' as never)).toThrow(expect.objectContaining({ code: 'HS_ERR_SEASON_EVENT_INVALID', path: '/phase' }));
    expect(plant.seasonPhaseOf(TIGHT)).toBe('filling');
  });

  it('schedules a phase for later and plays it then', () => {
    const plant = filledPlant();
    const change = plant.setSeasonPhase([TIGHT], 'cold_run', plant.elapsedS + 600);
    expect(change.scheduled).toBe(true);
    expect(plant.season().pending).toHaveLength(1);
    plant.advance(300);
    expect(plant.seasonPhaseOf(TIGHT)).toBe('filling');
    plant.advance(600);
    expect(plant.seasonPhaseOf(TIGHT)).toBe('cold_run');
  });
});
