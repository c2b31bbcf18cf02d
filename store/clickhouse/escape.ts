import { HeatScadaError } from '../../model/errors.ts';

// The one place where values become SQL or CSV text. ClickHouse 18.16 has no query parameters,
// so every value in a query passes through here; series names come from users' configuration,
// so nothing they contain may end a literal early.

/** A ClickHouse string literal: backslash and quote escaped, control bytes as \xHH. */
export function sqlString(s: string): string {
  if (typeof s !== 'string') throw new HeatScadaError('HS_ERR_BAD_REQUEST', `expected a string, got ${typeof s}`);
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
}

/** A whole, non-negative number as SQL text; anything else is a bug upstream, refused. */
export function sqlUInt(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `expected a whole non-negative number, got ${String(n)}`);
  return String(n);
}

/** A database, table or cluster name from configuration: letters, digits and _ only, so it needs no quoting. */
export function sqlIdentifier(name: string, path: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `"${name}" is not a plain name (letters, digits, _; not starting with a digit)`, path);
  }
  return name;
}

/** A CSV field ClickHouse reads back byte for byte: always double-quoted (a leading ' would switch it to single-quote mode), " doubled. */
export const csvString = (s: string): string => (s.includes('"') ? `"${s.replace(/"/g, '""')}"` : `"${s}"`);

/** A finite number as CSV text ClickHouse parses to the same Float64. */
export function csvNumber(n: number): string {
  if (!Number.isFinite(n)) throw new HeatScadaError('HS_ERR_STORE_POINT_INVALID', `expected a finite number, got ${String(n)}`);
  return String(n);
}
