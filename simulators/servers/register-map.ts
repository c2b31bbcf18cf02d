// The Modbus holding-register image of one substation PLC (DOMAIN.md map), derived from the
// tag catalogue: encode engineering values into 16-bit words, decode written words back, and
// say which tag(s) own a register. Pure functions, no I/O; the Modbus server and the unit
// tests are its users, the collectors' sample config describes the same layout.

import {
  TAGS,
  inRange,
  type ModbusRegisterType,
  type TagDefinition,
  type TagName,
} from '../../model/tags.ts';

/** One holding register as it travels on the wire: 0…65535. */
export type Word = number;

export type TagValue = number | boolean;

/** Width and raw (scaled) limits of each register type; raw values saturate at these. */
const REGISTER_TYPES: Record<ModbusRegisterType, { words: 1 | 2; min: number; max: number }> = {
  int16: { words: 1, min: -0x8000, max: 0x7fff },
  uint16: { words: 1, min: 0, max: 0xffff },
  uint32: { words: 2, min: 0, max: 0xffff_ffff },
};

/** How many registers the tag spans. */
export function wordCount(def: TagDefinition): 1 | 2 {
  return REGISTER_TYPES[def.modbus.type].words;
}

/** Register address → the tags with a share of it (one, or the four status bits of 21). */
export const REGISTER_MAP: ReadonlyMap<number, readonly TagDefinition[]> = buildRegisterMap();

function buildRegisterMap(): Map<number, TagDefinition[]> {
  const map = new Map<number, TagDefinition[]>();
  for (const def of TAGS) {
    for (let i = 0; i < wordCount(def); i++) {
      const address = def.modbus.address + i;
      const owners = map.get(address) ?? [];
      const overlap = owners.find((o) => o.modbus.bit === undefined || def.modbus.bit === undefined);
      if (overlap) throw new Error(`register ${address} claimed by ${overlap.name} and ${def.name}`);
      owners.push(def);
      map.set(address, owners);
    }
  }
  return map;
}

/** The tags stored in a register; empty when the map does not define the address. */
export function tagsAtRegister(address: number): readonly TagDefinition[] {
  return REGISTER_MAP.get(address) ?? [];
}

/**
 * A tag's words, high word first. A status bit yields its share of the status register, so a
 * register's value is the OR of its owners' shares. Values beyond the type saturate (as a PLC
 * analog card does); a reading that is no number (NaN: a failed input) reads as the top of the
 * type, the wire-break code of an analog card (S7: 0x7FFF), which lies outside every range.
 */
export function encodeValue(def: TagDefinition, value: TagValue): Word[] {
  const { bit, scale, type } = def.modbus;
  if (bit !== undefined) return [value === true || value === 1 ? 1 << bit : 0];
  const limits = REGISTER_TYPES[type];
  const numeric = typeof value === 'boolean' ? Number(value) : value;
  const scaled = Number.isNaN(numeric) ? limits.max : Math.round(numeric * scale);
  const raw = Math.min(limits.max, Math.max(limits.min, scaled));
  if (limits.words === 2) return [Math.floor(raw / 0x1_0000), raw % 0x1_0000];
  return [raw < 0 ? raw + 0x1_0000 : raw];
}

/** Inverse of encodeValue: the tag's words (high first) → engineering value. */
export function decodeWords(def: TagDefinition, words: readonly Word[]): TagValue {
  const { bit, scale, type } = def.modbus;
  if (words.length !== wordCount(def)) {
    throw new Error(`${def.name} spans ${wordCount(def)} register(s), got ${words.length}`);
  }
  const [first = 0, second = 0] = words;
  if (bit !== undefined) return ((first >> bit) & 1) === 1;
  const raw = type === 'uint32' ? first * 0x1_0000 + second : type === 'int16' && first >= 0x8000 ? first - 0x1_0000 : first;
  return raw / scale;
}

export type RegisterRead = { ok: true; words: Word[] } | { ok: false; address: number };

/**
 * The words of registers start…start+count−1, reading each tag once. Fails on the first
 * address the map does not define: a PLC answers such a request with exception 2.
 */
export function readRegisters(start: number, count: number, read: (tag: TagName) => TagValue): RegisterRead {
  const cache = new Map<TagName, Word[]>();
  const words: Word[] = [];
  for (let address = start; address < start + count; address++) {
    const owners = REGISTER_MAP.get(address);
    if (!owners) return { ok: false, address };
    let word = 0;
    for (const def of owners) {
      let tagWords = cache.get(def.name);
      if (!tagWords) {
        tagWords = encodeValue(def, read(def.name));
        cache.set(def.name, tagWords);
      }
      word |= tagWords[address - def.modbus.address] ?? 0;
    }
    words.push(word);
  }
  return { ok: true, words };
}

export interface TagWrite {
  tag: TagName;
  value: number;
}

/** Why a register write is refused before anything reaches the PLC. */
export type WriteFault = 'illegal-address' | 'illegal-value';

export type WritePlan =
  | { ok: true; writes: TagWrite[] }
  | { ok: false; fault: WriteFault; address: number; reason: string };

/**
 * Checks a write of words to start… against the map and the catalogue, all of it before any
 * of it is applied, so a multi-register write with one bad register writes nothing. Unknown
 * registers, read-only tags and a write covering part of a tag are illegal addresses; values
 * outside the tag's range are illegal values.
 */
export function planRegisterWrite(start: number, words: readonly Word[]): WritePlan {
  const writes: TagWrite[] = [];
  let address = start;
  while (address < start + words.length) {
    const owners = REGISTER_MAP.get(address);
    const def = owners?.length === 1 ? owners[0] : undefined;
    if (!owners) return refuse('illegal-address', address, 'no such register');
    if (!def?.writable) return refuse('illegal-address', address, `${owners.map((o) => o.name).join(', ')} is read-only`);
    const span = wordCount(def);
    const offset = address - def.modbus.address;
    if (offset !== 0 || address + span > start + words.length) {
      return refuse('illegal-address', address, `${def.name} must be written as ${span} whole register(s)`);
    }
    const value = decodeWords(def, words.slice(address - start, address - start + span));
    if (typeof value !== 'number' || !inRange(def, value)) {
      return refuse('illegal-value', address, `${def.name} = ${String(value)} outside ${def.min}…${def.max}`);
    }
    writes.push({ tag: def.name, value });
    address += span;
  }
  return { ok: true, writes };
}

function refuse(fault: WriteFault, address: number, reason: string): WritePlan {
  return { ok: false, fault, address, reason };
}

/** A tag's value out of a block of registers read from blockStart on. */
export function decodeFromBlock(def: TagDefinition, block: readonly Word[], blockStart: number): TagValue {
  const from = def.modbus.address - blockStart;
  return decodeWords(def, block.slice(from, from + wordCount(def)));
}
