import { describe, expect, it } from 'vitest';
import { ControlMode, type TagName } from '../model/tags.ts';
import type { FaultRequest } from './faults/schema.ts';
import { generateCity } from './network/generate.ts';
import { Plant } from './plant.ts';
import { WATCHDOG_S } from './plc/plc.ts';

const START = Date.UTC(2026, 0, 15, 0);
const SUB = 'S001';

function calmPlant(mode: 0 | 1 | 2 = ControlMode.local): Plant {
  const spec = generateCity({ substations: 4, seed: 21 });
  spec.weather.daily_swing_k = 0;
  return new Plant(spec, { startMs: START, stepS: 1, mode, warmUpS: 2 * 3600 });
}

const num = (plant: Plant, tag: TagName, sub = SUB): number => plant.read(sub, tag) as number;

/** Runs a fault for `seconds` and returns a tag's value before and after. */
function withFault(request: FaultRequest, tags: TagName[], seconds: number) {
  const plant = calmPlant();
  plant.advance(600);
  const before = Object.fromEntries(tags.map((t) => [t, plant.read(SUB, t)]));
  const fault = plant.injectFault(request);
  plant.advance(seconds);
  const after = Object.fromEntries(tags.map((t) => [t, plant.read(SUB, t)]));
  return { plant, before, after, fault };
}

describe('fault signatures', () => {
  it('a secondary leak raises make-up flow and lowers pressure', () => {
    const { before, after } = withFault({ kind: 'leak', substation: SUB, severity: 0.5 }, ['makeup.flow', 'secondary.return_pressure'], 900);
    expect(after['makeup.flow']).toBeGreaterThan(3 * (before['makeup.flow'] as number));
    expect(after['secondary.return_pressure']).toBeLessThan(before['secondary.return_pressure'] as number);
  });
  it('a large leak beyond the make-up pump drains the tank and the pressure falls fast', () => {
    const { before, after } = withFault({ kind: 'leak', substation: SUB, severity: 1 }, ['makeup.tank_level', 'secondary.return_pressure'], 1800);
    expect(after['makeup.tank_level']).toBeLessThan(before['makeup.tank_level'] as number);
    expect((before['secondary.return_pressure'] as number) - (after['secondary.return_pressure'] as number)).toBeGreaterThan(0.05);
  });
  it('a pump trip stops circulation and heat', () => {
    const { after } = withFault({ kind: 'pump_trip', substation: SUB }, ['pump.running', 'pump.fault', 'secondary.flow', 'heat.power', 'pump.frequency'], 120);
    expect(after).toMatchObject({ 'pump.running': false, 'pump.fault': true, 'secondary.flow': 0, 'heat.power': 0, 'pump.frequency': 0 });
  });
  it('a power loss stops everything and the PLC goes silent, then comes back', () => {
    const { plant, before, after, fault } = withFault({ kind: 'power_loss', substation: SUB }, ['plc.heartbeat', 'power.ok', 'secondary.flow'], 300);
    expect(after['power.ok']).toBe(false);
    expect(after['secondary.flow']).toBe(0);
    expect(after['plc.heartbeat']).toBe(before['plc.heartbeat']);
    expect(plant.answers(SUB)).toBe(false);
    expect(plant.answers('S002')).toBe(true);
    const seen: boolean[] = [];
    plant.onAnswersChange((sub, answers) => sub === SUB && seen.push(answers));
    plant.clearFault(fault.id);
    plant.advance(60);
    expect(seen).toEqual([true]);
    expect(num(plant, 'plc.heartbeat')).toBeGreaterThan(after['plc.heartbeat'] as number);
    expect(plant.read(SUB, 'pump.running')).toBe(true);
  });
  it('a clogged filter raises its pressure drop and cuts the flow', () => {
    const { before, after } = withFault({ kind: 'filter_clog', substation: SUB, severity: 0.5 }, ['filter.dp', 'secondary.flow'], 60);
    expect(after['filter.dp']).toBeGreaterThan(2 * (before['filter.dp'] as number));
    expect(after['secondary.flow']).toBeLessThan(before['secondary.flow'] as number);
  });
  it('a stuck valve ignores its setpoint', () => {
    const plant = calmPlant(ControlMode.manual);
    plant.advance(60);
    const stuckAt = num(plant, 'primary.valve_position');
    plant.injectFault({ kind: 'valve_stuck', substation: SUB, severity: 1 });
    expect(plant.write(SUB, 'primary.valve_setpoint', stuckAt > 50 ? 20 : 90).ok).toBe(true);
    plant.advance(120);
    expect(num(plant, 'primary.valve_position')).toBeCloseTo(stuckAt, 9);
  });
  it('a frozen sensor repeats its value to the last digit while the plant moves', () => {
    const plant = calmPlant();
    plant.injectFault({ kind: 'sensor_frozen', substation: SUB, tag: 'secondary.supply_temp', severity: 1 });
    const frozen = num(plant, 'secondary.supply_temp');
    plant.write(SUB, 'secondary.supply_temp_setpoint', num(plant, 'secondary.supply_temp_setpoint') + 8);
    plant.advance(900);
    expect(num(plant, 'secondary.supply_temp')).toBe(frozen);
    expect(plant.state.t2s[0]).not.toBeCloseTo(frozen, 1);
  });
  it('a drifting sensor walks away from the truth, a spiking one jumps', () => {
    const drift = withFault({ kind: 'sensor_drift', substation: SUB, tag: 'primary.return_temp', severity: 0.5 }, ['primary.return_temp'], 3600);
    expect(num(drift.plant, 'primary.return_temp') - drift.plant.state.t1r[0]).toBeCloseTo(5, 1);
    const spike = calmPlant();
    spike.injectFault({ kind: 'sensor_spike', substation: SUB, tag: 'primary.supply_temp', severity: 1 });
    expect(num(spike, 'primary.supply_temp') - spike.state.t1s[0]).toBeCloseTo(30, 6);
    spike.advance(1);
    expect(num(spike, 'primary.supply_temp')).toBe(spike.state.t1s[0]);
  });
  it('a PLC communication loss silences the PLC but the plant runs on', () => {
    const { plant, before, after } = withFault({ kind: 'comm_loss', substation: SUB }, ['plc.heartbeat', 'power.ok'], 60);
    expect(plant.answers(SUB)).toBe(false);
    expect(after['power.ok']).toBe(true);
    expect(after['plc.heartbeat']).toBeGreaterThan(before['plc.heartbeat'] as number);
    expect(plant.write(SUB, 'pump.frequency_setpoint', 40)).toMatchObject({ ok: false, code: 'HS_ERR_PLC_OFFLINE' });
  });
  it('a heat-source trip cools every substation; a cold snap cools the weather', () => {
    const trip = withFault({ kind: 'source_trip', severity: 1 }, ['primary.supply_temp'], 4 * 3600);
    expect((trip.before['primary.supply_temp'] as number) - (trip.after['primary.supply_temp'] as number)).toBeGreaterThan(15);
    const snap = withFault({ kind: 'cold_snap', severity: 1 }, ['outdoor.temp'], 60);
    expect((snap.before['outdoor.temp'] as number) - (snap.after['outdoor.temp'] as number)).toBeCloseTo(15, 6);
  });
  it('refuses faults that name no or an unknown substation, with the field', () => {
    const plant = calmPlant();
    expect(() => plant.injectFault({ kind: 'leak', severity: 1 })).toThrow(/HS_ERR_FAULT_INVALID.*\/substation/);
    expect(() => plant.injectFault({ kind: 'leak', substation: 'NOPE', severity: 1 })).toThrow(/HS_ERR_UNKNOWN_SUBSTATION/);
  });
});

describe('PLC', () => {
  it('falls back to local when the centre is silent for 15 minutes in remote mode', () => {
    const plant = calmPlant();
    expect(plant.write(SUB, 'control.mode_setpoint', ControlMode.remote).ok).toBe(true);
    for (let k = 0; k < 4; k++) {
      plant.advance(WATCHDOG_S - 60);
      expect(num(plant, 'control.mode')).toBe(ControlMode.remote);
      expect(plant.write(SUB, 'primary.valve_setpoint', 60).ok).toBe(true);
    }
    plant.advance(WATCHDOG_S + 1);
    expect(num(plant, 'control.mode')).toBe(ControlMode.local);
    expect(num(plant, 'control.mode_setpoint')).toBe(ControlMode.remote);
  });
  it('holds the secondary supply setpoint in local mode', () => {
    const plant = calmPlant();
    const target = num(plant, 'secondary.supply_temp_setpoint') - 4;
    plant.write(SUB, 'secondary.supply_temp_setpoint', target);
    plant.advance(1800);
    expect(num(plant, 'secondary.supply_temp')).toBeCloseTo(target, 0);
  });
  it('refuses a valve setpoint in local mode and out-of-range values in any mode', () => {
    const plant = calmPlant();
    expect(plant.write(SUB, 'primary.valve_setpoint', 50)).toMatchObject({ ok: false, code: 'HS_ERR_PLC_MODE' });
    expect(plant.write(SUB, 'secondary.supply_temp_setpoint', 80)).toMatchObject({ ok: false, code: 'HS_ERR_OUT_OF_RANGE' });
    expect(plant.write(SUB, 'pump.frequency_setpoint', 10)).toMatchObject({ ok: false, code: 'HS_ERR_OUT_OF_RANGE' });
    expect(plant.write(SUB, 'control.mode_setpoint', 1.5)).toMatchObject({ ok: false, code: 'HS_ERR_OUT_OF_RANGE' });
    expect(plant.write(SUB, 'primary.flow', 10)).toMatchObject({ ok: false, code: 'HS_ERR_NOT_WRITABLE' });
  });
  it('moves the valve at most 1 %/s and switches modes without a bump', () => {
    const plant = calmPlant();
    plant.advance(600);
    const before = num(plant, 'primary.valve_position');
    plant.write(SUB, 'control.mode_setpoint', ControlMode.remote);
    plant.advance(1);
    expect(Math.abs(num(plant, 'primary.valve_position') - before)).toBeLessThan(0.5);
    plant.write(SUB, 'primary.valve_setpoint', before > 50 ? 10 : 95);
    plant.advance(10);
    expect(Math.abs(num(plant, 'primary.valve_position') - before)).toBeCloseTo(10, 6);
    const atSwitch = num(plant, 'primary.valve_position');
    plant.write(SUB, 'control.mode_setpoint', ControlMode.local);
    plant.advance(1);
    expect(Math.abs(num(plant, 'primary.valve_position') - atSwitch)).toBeLessThanOrEqual(1 + 1e-9);
  });
  it('counts a heartbeat per second', () => {
    const plant = calmPlant();
    const hb = num(plant, 'plc.heartbeat');
    plant.advance(37);
    expect(num(plant, 'plc.heartbeat') - hb).toBe(37);
  });
});
