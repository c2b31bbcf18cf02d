import { pinyin } from 'pinyin-pro';

// Operators search a substation by the first letters of its name's pinyin (实验中学换热站 →
// syzxhrz). Computed here, so the web bundle does not carry the pinyin dictionary.

const HAN = /\p{Script=Han}/u;

/** The name's pinyin initials, lower case, other letters and digits kept; undefined without a Han character. */
export function initialsOf(name: string): string | undefined {
  if (!HAN.test(name)) return undefined;
  return pinyin(name, { pattern: 'first', toneType: 'none', type: 'array' })
    .join('')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
