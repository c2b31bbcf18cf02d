import { describe, expect, it } from 'vitest';
import { CsvError, csvRecords } from './csv-records.ts';

describe('CSV records', () => {
  it('splits cells and records as RFC 4180 does, quoted cells holding commas, quotes and line ends', () => {
    expect(csvRecords('工单编号,诉求内容\r\nGD1,"暖气不热, ""很冷""\r\n第二行"\r\n\r\nGD2,\n')).toEqual([['工单编号', '诉求内容'], ['GD1', '暖气不热, "很冷"\r\n第二行'], [''], ['GD2', '']]);
    expect(csvRecords('a,b\rc')).toEqual([['a', 'b'], ['c']]);
    expect(csvRecords('')).toEqual([]);
    expect(csvRecords('\uFEFFa\r\n')).toEqual([['a']]);
  });

  it('names the record of a quote not closed, text after a closing quote, a quote in a cell not quoted', () => {
    const failure = (text: string) => {
      try {
        csvRecords(text);
      } catch (e) {
        return e instanceof CsvError ? `${e.record}: ${e.message}` : String(e);
      }
      return 'read';
    };
    expect(failure('a\n"b')).toBe('2: a quoted cell is not closed');
    expect(failure('a\nb\n"c"d,e')).toBe('3: text after the closing quote of a cell: d,e');
    expect(failure('a"b')).toBe('1: a quote inside a cell not quoted: a"');
  });
});
