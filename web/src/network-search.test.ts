import { describe, expect, it } from 'vitest';
import { displayName, matchesQuery, normalQuery, type Searchable } from './network-search.ts';

const substations: Searchable[] = [
  { id: 'S1', name: '实验中学换热站', name_en: 'Shiyan Middle School Substation', initials: 'syzxhrz' },
  { id: 'S2', name: '阳光花园一期换热站', initials: 'yghyyqhrz' },
  { id: 'S3' },
];
const find = (q: string) => substations.filter((s) => matchesQuery(s, normalQuery(q))).map((s) => s.id);

describe('search', () => {
  it('matches the Chinese name, the English name, the pinyin initials and the id', () => {
    expect(find('实验中学')).toEqual(['S1']);
    expect(find('shiyan middle')).toEqual(['S1']);
    expect(find('SYZX')).toEqual(['S1']);
    expect(find('ygh')).toEqual(['S2']);
    expect(find('s3')).toEqual(['S3']);
    expect(find('  ')).toEqual(['S1', 'S2', 'S3']);
    expect(find('nowhere')).toEqual([]);
  });

  it('shows the English name in English where there is one, else the name, else the id', () => {
    const [s1, s2] = substations;
    expect(displayName(s1, s1.id, 'en')).toBe('Shiyan Middle School Substation');
    expect(displayName(s1, s1.id, 'zh')).toBe('实验中学换热站');
    expect(displayName(s2, s2.id, 'en')).toBe('阳光花园一期换热站');
    expect(displayName(undefined, 'S9', 'en')).toBe('S9');
  });
});
