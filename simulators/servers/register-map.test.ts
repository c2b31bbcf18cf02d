import { describe, expect, it } from 'vitest';
import { STATUS_REGISTER, TAGS, tagDefinition, type TagName } from '../../model/tags.ts';
import {
  REGISTER_MAP,
  decodeFromBlock,
  decodeWords,
  encodeValue,
  planRegisterWrite,
  readRegisters,
  tagsAtRegister,
  type TagValue,
} from './register-map.ts';

const numberTags = TAGS.filter((t) => t.valueType !== 'boolean');
const bitTags = TAGS.filter((t) => t.modbus.bit !== undefined);

describe('register map', () => {
  it('covers registers 0–25 and 100–104, nothing else', () => {
    const expected = [...Array.from({ length: 26 }, (_, i) => i), 100, 101, 102, 103, 104];
    expect([...REGISTER_MAP.keys()].sort((a, b) => a - b)).toEqual(expected);
    expect(tagsAtRegister(STATUS_REGISTER).map((t) => t.name)).toEqual([
      'pump.running',
      'pump.fault',
      'makeup.running',
      'power.ok',
    ]);
  });

  it.each(numberTags.map((t) => [t.name, t] as const))('%s round-trips within 1/scale', (_name, def) => {
    const span = def.max - def.min;
    const samples = [def.min, def.max, def.min + span / 2, def.min + span / 3, def.min + span * 0.987];
    for (const value of samples) {
      const back = decodeWords(def, encodeValue(def, value));
      expect(typeof back).toBe('number');
      expect(Math.abs((back as number) - value)).toBeLessThanOrEqual(1 / def.modbus.scale);
      for (const word of encodeValue(def, value)) {
        expect(Number.isInteger(word) && word >= 0 && word <= 0xffff).toBe(true);
      }
    }
  });

  it('stores a negative int16 in two’s complement', () => {
    const outdoor = tagDefinition('outdoor.temp');
    expect(encodeValue(outdoor, -12.3)).toEqual([0x10000 - 123]);
    expect(decodeWords(outdoor, [0xff85])).toBeCloseTo(-12.3, 10);
    expect(encodeValue(outdoor, -45)).toEqual([0xfe3e]);
  });

  it('splits a uint32 high word first', () => {
    const energy = tagDefinition('heat.energy');
    expect(encodeValue(energy, 123456.7)).toEqual([0x0012, 0xd687]);
    expect(decodeWords(energy, [0x0012, 0xd687])).toBeCloseTo(123456.7, 6);
    expect(encodeValue(energy, energy.max)).toEqual([0xffff, 0xffff]);
    const block = readRegisters(15, 3, (tag) => (tag === 'heat.energy' ? 123456.7 : 0));
    expect(block).toEqual({ ok: true, words: [0, 0x0012, 0xd687] });
  });

  it('rounds to the nearest step and saturates at the type limits', () => {
    const supply = tagDefinition('secondary.supply_temp');
    expect(encodeValue(supply, 55.06)).toEqual([551]);
    expect(encodeValue(supply, 55.04)).toEqual([550]);
    expect(encodeValue(supply, 9999)).toEqual([0x7fff]);
    expect(encodeValue(tagDefinition('primary.flow'), -3)).toEqual([0]);
    expect(encodeValue(supply, Number.NaN)).toEqual([0x7fff]);
    expect(encodeValue(tagDefinition('primary.flow'), Number.NaN)).toEqual([0xffff]);
    expect(encodeValue(supply, Number.NEGATIVE_INFINITY)).toEqual([0x8000]);
  });

  it('packs the status bits into register 21', () => {
    const bits: Partial<Record<TagName, boolean>> = {
      'pump.running': true,
      'pump.fault': false,
      'makeup.running': true,
      'power.ok': true,
    };
    const read = readRegisters(STATUS_REGISTER, 1, (tag) => bits[tag] ?? false);
    expect(read).toEqual({ ok: true, words: [0b1101] });
    for (const def of bitTags) {
      expect(decodeWords(def, [0b1101])).toBe(bits[def.name]);
    }
  });

  it('reads a block with every tag and decodes it back', () => {
    const values = new Map<TagName, TagValue>(
      TAGS.map((t) => [t.name, t.valueType === 'boolean' ? t.modbus.bit === 1 : (t.min + t.max) / 2]),
    );
    const read = readRegisters(0, 26, (tag) => values.get(tag) ?? 0);
    if (!read.ok) throw new Error(`register ${read.address} undefined`);
    for (const def of TAGS.filter((t) => t.modbus.address < 26)) {
      const back = decodeFromBlock(def, read.words, 0);
      const want = values.get(def.name);
      if (typeof want === 'boolean') expect(back).toBe(want);
      else expect(Math.abs((back as number) - (want ?? 0))).toBeLessThanOrEqual(1 / def.modbus.scale);
    }
  });

  it('refuses a read that touches an undefined register', () => {
    expect(tagsAtRegister(26)).toEqual([]);
    expect(readRegisters(22, 5, () => 0)).toEqual({ ok: false, address: 26 });
    expect(readRegisters(99, 2, () => 0)).toEqual({ ok: false, address: 99 });
  });
});

describe('register writes', () => {
  it('decodes a written setpoint into engineering units', () => {
    expect(planRegisterWrite(100, [425])).toEqual({ ok: true, writes: [{ tag: 'primary.valve_setpoint', value: 42.5 }] });
    expect(planRegisterWrite(101, [553, 400, 2])).toEqual({
      ok: true,
      writes: [
        { tag: 'secondary.supply_temp_setpoint', value: 55.3 },
        { tag: 'pump.frequency_setpoint', value: 40 },
        { tag: 'control.mode_setpoint', value: 2 },
      ],
    });
  });

  it('refuses values outside the catalogue range as illegal values', () => {
    expect(planRegisterWrite(100, [20])).toMatchObject({ ok: false, fault: 'illegal-value', address: 100 });
    expect(planRegisterWrite(101, [0xffff])).toMatchObject({ ok: false, fault: 'illegal-value', address: 101 });
    expect(planRegisterWrite(103, [3])).toMatchObject({ ok: false, fault: 'illegal-value', address: 103 });
  });

  it('refuses unknown and read-only registers as illegal addresses', () => {
    expect(planRegisterWrite(0, [100])).toMatchObject({ ok: false, fault: 'illegal-address', address: 0 });
    expect(planRegisterWrite(STATUS_REGISTER, [1])).toMatchObject({ ok: false, fault: 'illegal-address' });
    expect(planRegisterWrite(17, [1])).toMatchObject({ ok: false, fault: 'illegal-address', address: 17 });
    expect(planRegisterWrite(105, [1])).toMatchObject({ ok: false, fault: 'illegal-address', address: 105 });
    expect(planRegisterWrite(103, [1, 7, 9])).toMatchObject({ ok: false, fault: 'illegal-address', address: 105 });
  });

  it('refuses a whole multi-register write when one register is bad', () => {
    expect(planRegisterWrite(100, [500, 9999, 400, 1])).toMatchObject({ ok: false, fault: 'illegal-value', address: 101 });
  });
});
