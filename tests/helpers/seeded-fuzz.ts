import { seededRandom, type Random } from '../../simulators/network/random.ts';

// A small seeded generator of hostile input for fuzz tests: the same seed gives the same
// sequence, so a failure is reproduced by running again with HEATSCADA_FUZZ_SEED=<seed>.

/** The seed of this run: HEATSCADA_FUZZ_SEED when set, a fixed default otherwise. */
export function fuzzSeed(fallback = 20261125): number {
  const text = process.env.HEATSCADA_FUZZ_SEED;
  return text === undefined || text === '' ? fallback : Number.parseInt(text, 10) >>> 0;
}

/** Keys that poison a naive merge or property lookup. */
export const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'];

const NASTY_STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  'undefined',
  'null',
  'true',
  '1e309',
  '-0',
  '0x10',
  '00012',
  '1_000',
  '9007199254740993',
  "' OR 1=1 --",
  '"; DROP TABLE audit_log; --',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '\u202e\u0644\u0627', // right-to-left override, Arabic
  '\ud800', // a lone surrogate
  '😀👨‍👩‍👧‍👦',
  '换热站 S001',
  '<script>alert(1)</script>',
  '${process.exit(1)}',
  '{{7*7}}',
  '=cmd|/c calc!A1',
  'S001/primary.valve_setpoint',
  '*',
  '%',
  '_',
];

const NASTY_NUMBERS = [0, -0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 2 ** 64, 4294967296, 999999999999999999999];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class Fuzz {
  private readonly random: Random;

  constructor(readonly seed: number) {
    this.random = seededRandom(seed);
  }

  /** [0, 1) */
  next(): number {
    return this.random();
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  /** Random code points from several planes, lone surrogates and control characters included. */
  private randomText(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) {
      const plane = this.int(0, 5);
      const code = plane === 0 ? this.int(0x20, 0x7e) : plane === 1 ? this.int(0, 0x1f) : plane === 2 ? this.int(0x80, 0x7ff) : plane === 3 ? this.int(0x4e00, 0x9fff) : plane === 4 ? this.int(0xd800, 0xdfff) : this.int(0x1f600, 0x1f64f);
      out += String.fromCodePoint(code);
    }
    return out;
  }

  string(): string {
    switch (this.int(0, 5)) {
      case 0:
      case 1:
        return this.pick(NASTY_STRINGS);
      case 2:
        return this.randomText(this.int(1, 40));
      case 3:
        return 'x'.repeat(this.pick([256, 4096, 70_000]));
      case 4:
        return String(this.pick(NASTY_NUMBERS));
      default:
        return this.pick(POLLUTING_KEYS);
    }
  }

  number(): number {
    return this.chance(0.5) ? this.pick(NASTY_NUMBERS) : (this.random() - 0.5) * 10 ** this.int(0, 12);
  }

  /** Any JSON value, nesting up to `depth`. */
  json(depth = 4): Json {
    const kind = depth <= 0 ? this.int(0, 3) : this.int(0, 5);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.number();
      case 3:
        return this.string();
      case 4:
        return Array.from({ length: this.int(0, 4) }, () => this.json(depth - 1));
      default:
        return this.object([], depth - 1);
    }
  }

  /** An object with some of `keys` (a route's own fields) and junk or polluting keys. */
  object(keys: readonly string[], depth = 3): { [key: string]: Json } {
    const out: { [key: string]: Json } = {};
    const n = this.int(0, 5);
    for (let i = 0; i < n; i++) {
      const key = keys.length > 0 && this.chance(0.6) ? this.pick(keys) : this.chance(0.4) ? this.pick(POLLUTING_KEYS) : this.string().slice(0, 64);
      out[key] = this.json(depth);
    }
    return out;
  }

  /** JSON text nested `levels` deep, built as text (JSON.stringify of such a value would overflow first). */
  deepNesting(levels: number): string {
    const open = this.chance(0.5) ? '[' : '{"a":';
    const close = open === '[' ? ']' : '}';
    return `${open.repeat(levels)}1${close.repeat(levels)}`;
  }

  /** Raw bytes: random, or a valid buffer with bytes flipped or cut short. */
  bytes(from?: Uint8Array): Buffer {
    if (from === undefined || this.chance(0.3)) return Buffer.from(Array.from({ length: this.int(0, 300) }, () => this.int(0, 255)));
    const out = Buffer.from(from);
    if (this.chance(0.5)) return out.subarray(0, this.int(0, Math.max(0, out.length - 1)));
    for (let k = this.int(1, 6); k > 0 && out.length > 0; k--) out[this.int(0, out.length - 1)] ^= 1 << this.int(0, 7);
    return out;
  }
}
