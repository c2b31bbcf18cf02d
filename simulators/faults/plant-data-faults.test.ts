import { describe, expect, it } from 'vitest';
import { loadNetwork, loadScenario } from '../network/load.ts';
import { Plant } from '../plant.ts';
import { PLANT_DATA_FAULT_KINDS } from './schema.ts';

// The bad-data faults at the PLC: what Plant.read, its status and its clock then say, and the
// requests the fault book refuses. Over the real protocols: tests/bad-plant-data.test.ts.

const WALL = Date.UTC(2026, 0, 15, 6);
const plantWith = (scenario?: string) =>
  new Plant(loadNetwork('simulators/network/examples/small-city.yaml'), {
    startMs: WALL,
    warmUpS: 600,
    wallClock: () => WALL,
    ...(scenario ? { scenario: loadScenario(scenario) } : {}),
  });

describe('bad data from the plant, at the PLC', () => {
  it('the scenario file plays every new kind and loads against the small city', () => {
    const scenario = loadScenario('simulators/scenarios/plant-data-faults.yaml');
    expect(PLANT_DATA_FAULT_KINDS.filter((k) => !scenario.faults.some((f) => f.kind === k))).toEqual([]);
    expect(() => plantWith('simulators/scenarios/plant-data-faults.yaml')).not.toThrow();
  });

  it('distorts the reading of the tag: NaN, past the range, stuck, jumping; flags a bad status', () => {
    const plant = plantWith();
    const tag = 'secondary.supply_temp';
    const nan = plant.injectFault({ kind: 'value_nan', substation: 'S001', tag });
    expect(plant.read('S001', tag)).toBeNaN();
    plant.clearFault(nan.id);
    plant.injectFault({ kind: 'value_out_of_range', substation: 'S001', tag, severity: 0.2 });
    expect(plant.read('S001', tag)).toBeCloseTo(120);
    plant.injectFault({ kind: 'value_stuck', substation: 'S002' });
    const stuck = plant.read('S002', 'secondary.return_temp');
    plant.injectFault({ kind: 'value_jump', substation: 'S003', tag, severity: 1 });
    const before = plant.read('S003', tag) as number;
    plant.advance(60);
    expect(plant.read('S002', 'secondary.return_temp')).toBe(stuck);
    expect(before - (plant.read('S003', tag) as number)).toBeGreaterThan(25);
    plant.injectFault({ kind: 'bad_status', substation: 'S006', tag: 'primary.flow' });
    expect(plant.badStatus('S006', 'primary.flow')).toBe(true);
    expect(plant.badStatus('S006', 'primary.supply_temp')).toBe(false);
  });

  it("moves the PLC's clock off the wall's: a drift grows with time, a jump at once", () => {
    const plant = plantWith();
    expect(plant.read('S004', 'plc.clock')).toBe(WALL / 1000);
    plant.injectFault({ kind: 'plc_clock_jump', substation: 'S004', severity: 0.5 });
    expect(plant.read('S004', 'plc.clock')).toBe(WALL / 1000 + 1800);
    plant.injectFault({ kind: 'plc_clock_drift', substation: 'S005', severity: 1 });
    plant.advance(360);
    expect(plant.read('S005', 'plc.clock')).toBe(WALL / 1000 + 60);
  });

  it('answers Modbus reads as the faults say, and tells the OPC UA servers of theirs once each way', () => {
    const plant = plantWith();
    const changes: string[] = [];
    plant.onServerFault((c) => changes.push(`${c.substation}:${c.kind}:${c.active}`));
    plant.injectFault({ kind: 'modbus_half_answer', substation: 'S002' });
    const exception = plant.injectFault({ kind: 'modbus_exception', substation: 'S002' });
    expect(plant.modbusAnswer('S002')).toBe('exception');
    plant.clearFault(exception.id);
    expect(plant.modbusAnswer('S002')).toBe('half');
    expect(plant.modbusAnswer('S004')).toBe('normal');
    const drop = plant.injectFault({ kind: 'opcua_session_drop', substation: 'S001' });
    plant.advance(5);
    plant.clearFault(drop.id);
    expect(changes).toEqual(['S001:opcua_session_drop:true', 'S001:opcua_session_drop:false']);
  });

  it('refuses, with the field, a protocol fault on the other protocol and a value fault on a status tag', () => {
    const plant = plantWith();
    expect(() => plant.injectFault({ kind: 'modbus_exception', substation: 'S001' })).toThrow(/HS_ERR_FAULT_INVALID.*\/substation: .*over modbus/);
    expect(() => plant.injectFault({ kind: 'opcua_new_certificate', substation: 'S002' })).toThrow(/over opcua/);
    expect(() => plant.injectFault({ kind: 'value_nan', substation: 'S001', tag: 'pump.running' })).toThrow(/\/tag: .*numeric measurement/);
    expect(() => plant.injectFault({ kind: 'plc_clock_jump', substation: 'S001', tag: 'plc.clock' })).toThrow(/takes no tag/);
  });
});
