// The Modbus driver's data path without a socket: each testcases/<name>/ folder is a device
// config, a register image, and the requests and points it must produce (and the words a
// write must send). A bug report becomes a folder.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isTagName, TAGS } from '../../model/tags.ts';
import { validateDocument } from '../../model/validate.ts';
import { loadDevices } from '../config.ts';
import { DOMAIN_MODBUS_TAGS, ModbusDeviceSchema, registerSpans } from './config.ts';
import { BYTE_ORDERS, REGISTER_TYPE_NAMES, decodeRaw, decodeValue, encodeRaw, encodeValue, type RegisterType } from './conversions.ts';
import { ModbusDriver } from './modbus-driver.ts';
import { MAX_READ_REGISTERS, decodeAnswer, planReads, type RegisterSpan } from './request-plan.ts';

const CASES = path.join(import.meta.dirname, 'testcases');

interface Expected {
  requests: { function_code: number; address: number; count: number }[];
  points: Record<string, number | boolean>;
  writes?: { tag: string; value: number; words: number[] }[];
}
type RegisterImage = Partial<Record<'holding' | 'input', Record<string, number>>>;

const silent = pino({ level: 'silent' });

function loadCase(name: string): { driver: ModbusDriver; spans: RegisterSpan[]; registers: RegisterImage; expected: Expected } {
  const read = (file: string): string => readFileSync(path.join(CASES, name, file), 'utf8');
  const device = validateDocument(ModbusDeviceSchema, parseYaml(read('config.yaml')), 'HS_ERR_CONFIG_INVALID', name);
  return {
    driver: new ModbusDriver(device, silent),
    spans: registerSpans(device),
    registers: JSON.parse(read('registers.json')) as RegisterImage,
    expected: JSON.parse(read('expected.json')) as Expected,
  };
}

describe.each(readdirSync(CASES))('testcase %s', (name) => {
  const { driver, spans, registers, expected } = loadCase(name);

  it('sends the expected requests', () => {
    expect(driver.plan.map((r) => ({ function_code: r.functionCode, address: r.address, count: r.count }))).toEqual(expected.requests);
  });

  it('decodes the register image into the expected points', () => {
    const values: Record<string, number | boolean> = {};
    for (const request of driver.plan) {
      const bank = registers[request.functionCode === 3 ? 'holding' : 'input'] ?? {};
      const words = Array.from({ length: request.count }, (_, i) => {
        const word = bank[String(request.address + i)];
        if (word === undefined) throw new Error(`${name}: the plan reads register ${request.address + i}, absent from registers.json`);
        return word;
      });
      for (const { tag, value } of decodeAnswer(request, words)) values[tag] = value;
    }
    expect(Object.keys(values).sort()).toEqual(Object.keys(expected.points).sort());
    for (const [tag, want] of Object.entries(expected.points)) {
      if (typeof want === 'boolean') expect(values[tag], tag).toBe(want);
      else expect(values[tag], tag).toBeCloseTo(want, 9);
    }
  });

  it.runIf(expected.writes !== undefined)('encodes writes into the expected words', () => {
    for (const w of expected.writes ?? []) {
      const span = spans.find((s) => s.tag === w.tag);
      expect(span, w.tag).toBeDefined();
      expect(encodeValue(w.value, span!.layout), w.tag).toEqual(w.words);
    }
  });
});

describe('conversions', () => {
  const samples: Record<RegisterType, number[]> = {
    int16: [0, 1, -1, 32767, -32768, 1234],
    uint16: [0, 1, 65535, 40000],
    int32: [0, -1, 2147483647, -2147483648, 123456],
    uint32: [0, 1, 4294967295, 65536, 123456],
    float32: [0, -1.5, 89.125, 3.25e10],
    float64: [0, -1.5, 1234.5678, Math.PI, -1e-300],
  };

  it.each(REGISTER_TYPE_NAMES.flatMap((type) => BYTE_ORDERS.map((order) => [type, order] as const)))('%s %s round-trips', (type, order) => {
    for (const raw of samples[type]) {
      const words = encodeRaw(raw, type, order);
      expect(words, `${type} ${order} ${raw}`).toBeDefined();
      expect(words!.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff)).toBe(true);
      expect(decodeRaw(words!, type, order)).toBe(type === 'float32' ? Math.fround(raw) : raw);
    }
  });

  it('names byte orders as Telegraf does', () => {
    // 0x11223344 on the wire, register by register.
    expect(encodeRaw(0x11223344, 'uint32', 'ABCD')).toEqual([0x1122, 0x3344]);
    expect(encodeRaw(0x11223344, 'uint32', 'CDAB')).toEqual([0x3344, 0x1122]);
    expect(encodeRaw(0x11223344, 'uint32', 'BADC')).toEqual([0x2211, 0x4433]);
    expect(encodeRaw(0x11223344, 'uint32', 'DCBA')).toEqual([0x4433, 0x2211]);
    expect(encodeRaw(0x1122, 'uint16', 'CDAB')).toEqual([0x1122]);
    expect(encodeRaw(0x1122, 'uint16', 'DCBA')).toEqual([0x2211]);
  });

  it('refuses what a register type cannot hold', () => {
    expect(encodeRaw(32768, 'int16', 'ABCD')).toBeUndefined();
    expect(encodeRaw(-1, 'uint32', 'ABCD')).toBeUndefined();
    expect(encodeRaw(1.5, 'uint16', 'ABCD')).toBeUndefined();
    expect(encodeRaw(1e39, 'float32', 'ABCD')).toBeUndefined();
    expect(encodeRaw(Number.NaN, 'float64', 'ABCD')).toBeUndefined();
    // Scaling first: 6553.6 × 10 no longer fits a uint16.
    expect(encodeValue(6553.6, { type: 'uint16', byteOrder: 'ABCD', scale: 10, offset: 0 })).toBeUndefined();
  });

  it('reads bits of signed registers in two’s complement', () => {
    const layout = { type: 'int16' as const, byteOrder: 'ABCD' as const, scale: 1, offset: 0 };
    expect(decodeValue([0xfffe], { ...layout, bit: 0 })).toBe(false);
    expect(decodeValue([0xfffe], { ...layout, bit: 15 })).toBe(true);
  });
});

describe('request plan', () => {
  const span = (tag: string, address: number, type: RegisterType = 'uint16', functionCode: 3 | 4 = 3): RegisterSpan => {
    if (!isTagName(tag)) throw new Error(tag);
    return { tag, functionCode, address, layout: { type, byteOrder: 'ABCD', scale: 1, offset: 0 } };
  };

  it('never asks for more than 125 registers', () => {
    const requests = planReads([span('primary.supply_temp', 0), span('primary.return_temp', 124), span('primary.flow', 125)], { maxGap: 200, maxCount: MAX_READ_REGISTERS });
    expect(requests.map((r) => [r.address, r.count])).toEqual([
      [0, 125],
      [125, 1],
    ]);
  });

  it('keeps function codes apart and a value spanning registers whole', () => {
    const requests = planReads([span('heat.energy', 10, 'uint32', 4), span('heat.power', 11, 'uint16', 3), span('primary.flow', 12, 'float64', 4)], {
      maxGap: 0,
      maxCount: MAX_READ_REGISTERS,
    });
    expect(requests.map((r) => [r.functionCode, r.address, r.count])).toEqual([
      [3, 11, 1],
      [4, 10, 6],
    ]);
  });
});

describe('device config', () => {
  const base = { id: 'S1', protocol: 'modbus', url: 'modbus-tcp://10.0.0.1:502' };
  const invalid = (doc: unknown): string => {
    try {
      validateDocument(ModbusDeviceSchema, doc, 'HS_ERR_CONFIG_INVALID');
    } catch (err) {
      return (err as { path: string }).path;
    }
    throw new Error('expected the config to be refused');
  };

  it('names the bad field', () => {
    expect(invalid({ ...base, tags: { 'no.such_tag': { register: 0, type: 'int16' } } })).toBe('/tags/no.such_tag');
    expect(invalid({ ...base, tags: { 'pump.running': { register: 0, type: 'float32', bit: 1 } } })).toBe('/tags/pump.running/type');
    expect(invalid({ ...base, tags: { 'pump.running': { register: 0, type: 'uint16', bit: 16 } } })).toBe('/tags/pump.running/bit');
    expect(invalid({ ...base, byte_order: 'ABDC' })).toBe('/byte_order');
    expect(invalid({ ...base, url: 'http://10.0.0.1' })).toBe('/url');
  });

  it('ships the DOMAIN.md map as its sample', () => {
    const [sample] = loadDevices(path.join(import.meta.dirname, 'sample.yaml'));
    expect(sample?.protocol).toBe('modbus');
    expect(sample?.protocol === 'modbus' ? sample.tags : undefined).toEqual(DOMAIN_MODBUS_TAGS);
  });

  it('maps the whole catalogue in two requests per poll when no tags are given', () => {
    const driver = new ModbusDriver(validateDocument(ModbusDeviceSchema, { ...base }, 'HS_ERR_CONFIG_INVALID'), silent);
    expect(driver.tags).toHaveLength(TAGS.length);
    expect(driver.plan).toHaveLength(2);
  });
});
