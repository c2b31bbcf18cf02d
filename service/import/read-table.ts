import ExcelJS from 'exceljs';
import { CsvError, csvRecords } from './csv-records.ts';

// A ticket export as rows of cells, whatever it came as: CSV (UTF-8, with or without a BOM, or
// GB18030 — what Chinese office software saves) or the first sheet of an XLSX workbook. Rows are
// numbered as a spreadsheet shows them (the first line is row 1), so an error's row is the one the
// operator finds when they open the file.

export const IMPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Text, or a date cell of a workbook (its UTC fields are the wall time it shows). */
export type Cell = string | Date;

export interface TableRow {
  row: number;
  cells: Cell[];
}

/** Why a file could not be read as a table at all: where (row, when known) and why. */
export class UnreadableTable extends Error {
  constructor(
    readonly row: number,
    message: string,
  ) {
    super(message);
  }
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** UTF-8 when the bytes are valid UTF-8, else GB18030 (a superset of GBK and GB2312). */
export function decodeText(bytes: Uint8Array): string {
  const body = UTF8_BOM.every((b, i) => bytes[i] === b) ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return new TextDecoder('gb18030').decode(body);
  }
}

function readCsv(bytes: Uint8Array): TableRow[] {
  try {
    // Empty lines stay records (then skipped as blank), so a record's index is its row.
    return csvRecords(decodeText(bytes)).map((cells, i) => ({ row: i + 1, cells }));
  } catch (e) {
    if (e instanceof CsvError) throw new UnreadableTable(e.record, `not a CSV file: ${e.message}`);
    throw e;
  }
}

type SheetValue = ExcelJS.CellValue;

/** What a cell shows, as text (or a Date for a date cell): a phone number stored as a number is its digits. */
function cellOf(value: SheetValue): Cell {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('hyperlink' in value) return value.text;
  if ('error' in value) return value.error;
  if ('result' in value) return cellOf(value.result ?? null);
  return '';
}

async function readXlsx(bytes: Uint8Array): Promise<TableRow[]> {
  const book = new ExcelJS.Workbook();
  try {
    await book.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer);
  } catch (e) {
    throw new UnreadableTable(0, `not an XLSX workbook: ${(e as Error).message}`);
  }
  const sheet = book.worksheets[0];
  if (!sheet) throw new UnreadableTable(0, 'the workbook has no sheet');
  const rows: TableRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    // row.values is 1-based: index 0 is empty.
    const values = row.values as SheetValue[];
    const cells: Cell[] = [];
    for (let c = 1; c < values.length; c++) cells.push(cellOf(values[c]));
    rows.push({ row: number, cells });
  });
  return rows;
}

export async function readTable(bytes: Uint8Array, format: ImportFormat): Promise<TableRow[]> {
  return format === 'csv' ? readCsv(bytes) : readXlsx(bytes);
}

/** The format a file name or content type says, if any. */
export function formatOf(nameOrType: string): ImportFormat | undefined {
  const s = nameOrType.toLowerCase();
  if (s.endsWith('.csv') || s.startsWith('text/csv')) return 'csv';
  if (s.endsWith('.xlsx') || s.startsWith('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')) return 'xlsx';
  return undefined;
}
