// Register words ⇄ engineering values, for any layout a PLC uses: the data type, the byte and
// word order (Telegraf's names: ABCD big-endian, CDAB word-swapped, BADC byte-swapped, DCBA
// little-endian), a scale and offset, and single status bits. Pure functions, no I/O.

export const REGISTER_TYPES = {
  int16: { words: 1, integer: true },
  uint16: { words: 1, integer: true },
  int32: { words: 2, integer: true },
  uint32: { words: 2, integer: true },
  float32: { words: 2, integer: false },
  float64: { words: 4, integer: false },
} as const;
export type RegisterType = keyof typeof REGISTER_TYPES;
export const REGISTER_TYPE_NAMES = Object.keys(REGISTER_TYPES) as RegisterType[];

export const BYTE_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export type ByteOrder = (typeof BYTE_ORDERS)[number];

/** How a tag sits in its registers. Engineering value = raw / scale + offset. */
export interface RegisterLayout {
  type: RegisterType;
  byteOrder: ByteOrder;
  scale: number;
  offset: number;
  /** A status bit of the raw integer (0 = least significant): the value is a boolean. */
  bit?: number;
}

export function wordCount(type: RegisterType): number {
  return REGISTER_TYPES[type].words;
}

/** Low word first (CDAB, DCBA) and bytes swapped inside each word (BADC, DCBA). */
function orderOf(order: ByteOrder): { lowWordFirst: boolean; swapBytes: boolean } {
  return { lowWordFirst: order === 'CDAB' || order === 'DCBA', swapBytes: order === 'BADC' || order === 'DCBA' };
}

/** Wire words → the value's bytes, most significant first (and back: the mapping is its own inverse). */
function reorder(words: readonly number[], order: ByteOrder): number[] {
  const { lowWordFirst, swapBytes } = orderOf(order);
  const ordered = lowWordFirst ? [...words].reverse() : [...words];
  return swapBytes ? ordered.map((w) => ((w & 0xff) << 8) | (w >> 8)) : ordered;
}

function toBuffer(words: readonly number[]): Buffer {
  const buffer = Buffer.alloc(words.length * 2);
  words.forEach((w, i) => buffer.writeUInt16BE(w & 0xffff, i * 2));
  return buffer;
}

/** The raw number in a tag's registers, as the wire delivered them. */
export function decodeRaw(words: readonly number[], type: RegisterType, order: ByteOrder): number {
  if (words.length !== wordCount(type)) throw new RangeError(`${type} spans ${wordCount(type)} register(s), got ${words.length}`);
  const b = toBuffer(reorder(words, order));
  switch (type) {
    case 'int16':
      return b.readInt16BE(0);
    case 'uint16':
      return b.readUInt16BE(0);
    case 'int32':
      return b.readInt32BE(0);
    case 'uint32':
      return b.readUInt32BE(0);
    case 'float32':
      return b.readFloatBE(0);
    case 'float64':
      return b.readDoubleBE(0);
  }
}

const INTEGER_LIMITS: Record<Exclude<RegisterType, 'float32' | 'float64'>, [number, number]> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x8000_0000, 0x7fff_ffff],
  uint32: [0, 0xffff_ffff],
};

/** The words that carry a raw number, or undefined when the type cannot hold it. */
export function encodeRaw(raw: number, type: RegisterType, order: ByteOrder): number[] | undefined {
  if (!Number.isFinite(raw)) return undefined;
  const b = Buffer.alloc(wordCount(type) * 2);
  switch (type) {
    case 'float32':
      // A float32 overflows to Infinity rather than throwing.
      if (Math.abs(raw) > 3.4028234663852886e38) return undefined;
      b.writeFloatBE(raw, 0);
      break;
    case 'float64':
      b.writeDoubleBE(raw, 0);
      break;
    default: {
      const [min, max] = INTEGER_LIMITS[type];
      if (!Number.isInteger(raw) || raw < min || raw > max) return undefined;
      if (type === 'int16') b.writeInt16BE(raw, 0);
      else if (type === 'uint16') b.writeUInt16BE(raw, 0);
      else if (type === 'int32') b.writeInt32BE(raw, 0);
      else b.writeUInt32BE(raw, 0);
    }
  }
  const words = Array.from({ length: b.length / 2 }, (_, i) => b.readUInt16BE(i * 2));
  return reorder(words, order);
}

/** A tag's words → its value: a boolean for a status bit, raw / scale + offset otherwise. */
export function decodeValue(words: readonly number[], layout: RegisterLayout): number | boolean {
  const raw = decodeRaw(words, layout.type, layout.byteOrder);
  // Bits of a signed raw value count in two's complement, as the PLC stores them.
  if (layout.bit !== undefined) return Math.floor(raw / 2 ** layout.bit) % 2 !== 0;
  return raw / layout.scale + layout.offset;
}

/**
 * A value → the words to write: raw = (value − offset) × scale, rounded for integer types.
 * Undefined when the register type cannot hold it.
 */
export function encodeValue(value: number, layout: RegisterLayout): number[] | undefined {
  const scaled = (value - layout.offset) * layout.scale;
  const raw = REGISTER_TYPES[layout.type].integer ? Math.round(scaled) : scaled;
  return encodeRaw(raw, layout.type, layout.byteOrder);
}
