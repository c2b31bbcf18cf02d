import { describe, expect, it } from 'vitest';
import { generateCity } from './network/generate.ts';
import { Plant } from './plant.ts';
import { SourcePlc } from './source-plc.ts';

describe("the heat source's PLC", () => {
  const plant = new Plant(generateCity({ substations: 3, seed: 2 }), { startMs: Date.parse('2027-01-15T00:00:00+08:00'), warmUpS: 3600, stepS: 10 });
  const plc = new SourcePlc(plant);

  it('takes a supply offset within the catalogue range and the source follows it', () => {
    plant.advance(3600);
    const before = plant.state.sourceSupplyC;
    expect(plc.write('SRC', 'source.supply_offset_setpoint', 8)).toEqual({ ok: true, value: 8 });
    expect(plc.read('SRC', 'source.supply_offset_setpoint')).toBe(8);
    plant.advance(3 * 3600);
    // The source's time constant is 15 min: three hours on, it runs close to 8 K hotter (the weather moves a little meanwhile).
    expect(plant.state.sourceSupplyC - before).toBeGreaterThan(5);
    expect(plc.read('SRC', 'primary.supply_temp')).toBe(plant.state.sourceSupplyC);
  });

  it('refuses what is out of range, read-only or not its own, and answers only for its own tags', () => {
    expect(plc.write('SRC', 'source.supply_offset_setpoint', 21)).toMatchObject({ ok: false, code: 'HS_ERR_OUT_OF_RANGE' });
    expect(plc.write('SRC', 'primary.supply_temp', 90)).toMatchObject({ ok: false, code: 'HS_ERR_NOT_WRITABLE' });
    expect(plc.write('S001', 'source.supply_offset_setpoint', 2)).toMatchObject({ ok: false, code: 'HS_ERR_UNKNOWN_SUBSTATION' });
    expect(() => plc.read('SRC', 'indoor.temp_min')).toThrow(/HS_ERR_UNKNOWN_TAG/);
    // A substation's PLC is no heat source.
    expect(plant.write('S001', 'source.supply_offset_setpoint', 2)).toMatchObject({ ok: false, code: 'HS_ERR_NOT_WRITABLE' });
    expect(plant.read('S001', 'source.supply_offset_setpoint')).toBe(0);
  });
});
