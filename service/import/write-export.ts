import ExcelJS from 'exceljs';
import { MAPPED_FIELDS, type ImportMapping, type MappedField } from './import-file.ts';

// Writes tickets as a channel's platform exports them, under a mapping's column headers: what
// the import reads, for the tests, the benchmark and anyone preparing a file by hand.

/** One ticket as the export's cells show it (the time as wall-clock text in the mapping's pattern). */
export type ExportRow = Record<MappedField, string>;

const quote = (cell: string): string => (/[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

/** RFC 4180 CSV, UTF-8 with a BOM as spreadsheet programs save it, CRLF line ends. */
export function exportCsv(mapping: ImportMapping, rows: Iterable<ExportRow>): string {
  const lines = [`\uFEFF${MAPPED_FIELDS.map((f) => quote(mapping[f])).join(',')}`];
  for (const row of rows) lines.push(MAPPED_FIELDS.map((f) => quote(row[f])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** One sheet, the header in row 1; every cell text, as the 12345 platform writes it. */
export async function exportXlsx(mapping: ImportMapping, rows: Iterable<ExportRow>): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('工单');
  sheet.addRow(MAPPED_FIELDS.map((f) => mapping[f]));
  for (const row of rows) sheet.addRow(MAPPED_FIELDS.map((f) => row[f]));
  return Buffer.from(await book.xlsx.writeBuffer());
}
