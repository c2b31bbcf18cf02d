import { describe, expect, it } from 'vitest';
import { csvNumber, csvString, sqlIdentifier, sqlString, sqlUInt } from './escape.ts';

describe('escaping values for ClickHouse SQL and CSV', () => {
  it('quotes strings so no content ends the literal', () => {
    expect(sqlString('north-1')).toBe("'north-1'");
    expect(sqlString("x' OR 1=1 --")).toBe("'x\\' OR 1=1 --'");
    // A backslash before the quote must not escape the closing quote.
    expect(sqlString('a\\')).toBe("'a\\\\'");
    expect(sqlString("a\\'); DROP TABLE t; --")).toBe("'a\\\\\\'); DROP TABLE t; --'");
    expect(sqlString('tab\there\nnl\u0000nul')).toBe("'tab\\x09here\\x0anl\\x00nul'");
    expect(sqlString('实验中学换热站')).toBe("'实验中学换热站'");
  });

  it('an escaped literal has exactly two unescaped quotes, its ends', () => {
    for (const s of ["'", "\\'", "''", "\\\\'", "'\\", 'a\'b"c\\d']) {
      const literal = sqlString(s).slice(1, -1);
      expect(literal.replace(/\\./g, '')).not.toContain("'");
    }
  });

  it('accepts only whole non-negative numbers as SQL numbers', () => {
    expect(sqlUInt(1_700_000_000_000)).toBe('1700000000000');
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, '1 OR 1' as unknown as number]) {
      expect(() => sqlUInt(bad)).toThrow(expect.objectContaining({ code: 'HS_ERR_BAD_REQUEST' }));
    }
  });

  it('accepts plain names as identifiers and names the config field otherwise', () => {
    expect(sqlIdentifier('heatscada_2', '/database')).toBe('heatscada_2');
    for (const bad of ['', '1db', 'a-b', 'db; DROP', 'db.t', '`x`']) {
      expect(() => sqlIdentifier(bad, '/store/clickhouse/database')).toThrow(expect.objectContaining({ code: 'HS_ERR_CONFIG_INVALID', path: '/store/clickhouse/database' }));
    }
  });

  it('writes CSV fields always double-quoted with quotes doubled, and finite numbers only', () => {
    expect(csvString('plain')).toBe('"plain"');
    expect(csvString(`'single' "double", comma\nline`)).toBe(`"'single' ""double"", comma\nline"`);
    expect(csvNumber(-0.25)).toBe('-0.25');
    expect(csvNumber(1e-7)).toBe('1e-7');
    expect(() => csvNumber(Number.NaN)).toThrow(expect.objectContaining({ code: 'HS_ERR_STORE_POINT_INVALID' }));
  });
});
