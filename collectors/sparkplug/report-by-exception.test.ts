import { describe, expect, it } from 'vitest';
import type { Point } from '../../model/point.ts';
import { tagDefinition, type TagName } from '../../model/tags.ts';
import { deadbands, defaultDeadband, ExceptionFilter } from './report-by-exception.ts';

const point = (tag: TagName, value: number | boolean, ts: number, quality: Point['quality'] = 'good'): Point => ({ substation: 'S001', tag, ts, value, quality });

describe('default deadbands from the catalogue', () => {
  it('temperatures 0.05 K; booleans, enums, setpoints and counters 0; other analogs 0.1 % of span', () => {
    expect(defaultDeadband(tagDefinition('primary.supply_temp'))).toBe(0.05);
    expect(defaultDeadband(tagDefinition('indoor.temp_min'))).toBe(0.05);
    expect(defaultDeadband(tagDefinition('pump.running'))).toBe(0);
    expect(defaultDeadband(tagDefinition('control.mode'))).toBe(0);
    expect(defaultDeadband(tagDefinition('secondary.supply_temp_setpoint'))).toBe(0);
    expect(defaultDeadband(tagDefinition('plc.heartbeat'))).toBe(0);
    expect(defaultDeadband(tagDefinition('heat.energy'))).toBe(0);
    expect(defaultDeadband(tagDefinition('primary.supply_pressure'))).toBeCloseTo(0.0025);
    expect(defaultDeadband(tagDefinition('primary.flow'))).toBeCloseTo(0.6);
  });
  it('a configured deadband overrides the default of its tag only', () => {
    const db = deadbands({ 'primary.supply_temp': 0.5 });
    expect(db('primary.supply_temp')).toBe(0.5);
    expect(db('secondary.supply_temp')).toBe(0.05);
  });
});

describe('ExceptionFilter', () => {
  const filter = () => new ExceptionFilter(deadbands({}));

  it('reports the first sample of every tag, then only moves beyond the deadband', () => {
    const f = filter();
    expect(f.offer([point('primary.supply_temp', 90, 1), point('pump.running', true, 1)])).toHaveLength(2);
    expect(f.offer([point('primary.supply_temp', 90.05, 2), point('pump.running', true, 2)])).toEqual([]);
    expect(f.offer([point('primary.supply_temp', 90.1, 3)])).toEqual([point('primary.supply_temp', 90.1, 3)]);
    expect(f.offer([point('pump.running', false, 4)])).toEqual([point('pump.running', false, 4)]);
  });

  it('compares with the value last reported, so a slow drift is reported once it adds up', () => {
    const f = filter();
    f.offer([point('primary.supply_temp', 90, 0)]);
    const reported = [90.02, 90.04, 90.06, 90.08, 90.1].flatMap((v, i) => f.offer([point('primary.supply_temp', v, i + 1)]));
    expect(reported.map((p) => p.value)).toEqual([90.06]);
  });

  it('reports a quality change even when the value stands still', () => {
    const f = filter();
    f.offer([point('secondary.flow', 100, 0)]);
    expect(f.offer([point('secondary.flow', 100, 1, 'bad')])).toHaveLength(1);
    expect(f.offer([point('secondary.flow', 100, 2, 'bad')])).toHaveLength(0);
    expect(f.offer([point('secondary.flow', 100, 3, 'good')])).toHaveLength(1);
  });

  it('a zero deadband reports every change and nothing else', () => {
    const f = filter();
    const beats = [1, 2, 2, 3].flatMap((v, i) => f.offer([point('plc.heartbeat', v, i)]));
    expect(beats.map((p) => p.value)).toEqual([1, 2, 3]);
  });

  it('reportAll returns the latest of every tag and makes it the reference', () => {
    const f = filter();
    f.offer([point('primary.supply_temp', 90, 0)]);
    f.offer([point('primary.supply_temp', 90.04, 1)]);
    expect(f.reportAll()).toEqual([point('primary.supply_temp', 90.04, 1)]);
    // 90.08 is 0.08 from 90 but only 0.04 from the refreshed reference.
    expect(f.offer([point('primary.supply_temp', 90.08, 2)])).toEqual([]);
  });

  it('clear forgets the device: the next samples are all reported', () => {
    const f = filter();
    f.offer([point('primary.supply_temp', 90, 0)]);
    f.clear();
    expect(f.hasData).toBe(false);
    expect(f.offer([point('primary.supply_temp', 90, 1)])).toHaveLength(1);
  });
});
