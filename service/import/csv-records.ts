// RFC 4180 CSV text → records of cells: cells split by commas, records by CRLF, LF or CR; a
// quoted cell may hold commas, line ends and "" for a quote. Written out rather than csv-parse's
// general machine, which reads a season's export (26 MB) at a tenth of the speed: this is a scan
// for the next special character. An empty line is a record of one empty cell; a leading BOM and
// the last line end make none.

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;

/** Why text is not CSV, and in which record (1-based, as a spreadsheet numbers its rows). */
export class CsvError extends Error {
  constructor(
    readonly record: number,
    message: string,
  ) {
    super(message);
  }
}

export function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (i >= n) return records;
  for (;;) {
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (text.charCodeAt(i) === QUOTE) {
        for (let from = i + 1; ; ) {
          const quote = text.indexOf('"', from);
          if (quote < 0) throw new CsvError(records.length + 1, 'a quoted cell is not closed');
          cell += text.slice(from, quote);
          i = quote + 1;
          if (text.charCodeAt(i) !== QUOTE) break;
          cell += '"';
          from = i + 1;
        }
        const next = text.charCodeAt(i);
        if (i < n && next !== COMMA && next !== CR && next !== LF) throw new CsvError(records.length + 1, `text after the closing quote of a cell: ${text.slice(i, i + 20)}`);
      } else {
        let end = i;
        for (; end < n; end++) {
          const c = text.charCodeAt(end);
          if (c === COMMA || c === CR || c === LF) break;
          if (c === QUOTE) throw new CsvError(records.length + 1, `a quote inside a cell not quoted: ${text.slice(i, end + 1)}`);
        }
        cell = text.slice(i, end);
        i = end;
      }
      cells.push(cell);
      if (text.charCodeAt(i) !== COMMA) break;
      i++;
    }
    records.push(cells);
    if (text.charCodeAt(i) === CR) i++;
    if (text.charCodeAt(i) === LF) i++;
    if (i >= n) return records;
  }
}
