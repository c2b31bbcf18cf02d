import Database from 'better-sqlite3';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { WorkOrders } from '../../alarms/work-orders.ts';
import type { BuildingEntry } from '../../model/service.ts';
import { SqliteAuditTrail } from '../../store/audit/sqlite-audit-trail.ts';
import { BAD_ROWS, encodeGb18030, sampleTickets, withBadRows } from '../../tests/helpers/ticket-export.ts';
import { AddressBook } from '../address-book.ts';
import { Complaints } from '../complaints.ts';
import { MAPPING_12345, resolveServiceConfig } from '../config-schema.ts';
import { importFile, ImportInvalidError, readExport, type ImportRowError } from './import-file.ts';
import type { ImportFormat } from './read-table.ts';
import { exportCsv, exportXlsx, type ExportRow } from './write-export.ts';

// The 12345 import over a real complaint store (SQLite in memory, the real audit trail and work
// orders): a 1,000-row export with ten bad rows of ten kinds imports nothing and names all ten;
// fixed, it imports 1,000; imported again, it adds none — as CSV and as XLSX.

const BUILDINGS: BuildingEntry[] = Array.from({ length: 40 }, (_, i) => ({
  community: i < 20 ? '阳光花园' : '锦绣家园',
  building: `${(i % 20) + 1}号楼`,
  substation: `S00${1 + (i % 4)}`,
  areaM2: 8000,
  households: 90,
}));
const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);
const config = resolveServiceConfig({});

function service() {
  const database = new Database(':memory:');
  const audit = new SqliteAuditTrail(database);
  const log = pino({ level: 'silent' });
  const addressBook = new AddressBook(BUILDINGS);
  const workOrders = new WorkOrders(database, { crews: [], groups: {}, repeat_window_days: 30 }, () => T0, log);
  const complaints = new Complaints({ database, addressBook, workOrders, audit, config, now: () => T0 + 30 * 86_400_000, logger: log });
  const count = () => (database.prepare('SELECT COUNT(*) AS n FROM complaints').get() as { n: number }).n;
  return { database, addressBook, complaints, count };
}

type Service = ReturnType<typeof service>;

const file = async (format: ImportFormat, rows: ExportRow[]): Promise<Uint8Array> => (format === 'csv' ? Buffer.from(exportCsv(MAPPING_12345, rows)) : exportXlsx(MAPPING_12345, rows));
const run = (s: Service, format: ImportFormat, bytes: Uint8Array) => importFile(bytes, format, { mapping: MAPPING_12345, addressBook: s.addressBook, complaints: s.complaints, zone: config.display_zone, actor: 'hotline' });

async function rejection(promise: Promise<unknown>): Promise<ImportRowError[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportInvalidError);
  return (error as ImportInvalidError).errors;
}

describe.each(['csv', 'xlsx'] as const)('12345 import as %s', (format) => {
  let s: Service;
  const good = sampleTickets(1000, BUILDINGS, T0);
  beforeEach(() => {
    s = service();
  });

  it('names every one of ten bad rows of ten kinds with its row and column, and imports nothing; fixed, imports 1,000; again, adds none', async () => {
    const errors = await rejection(run(s, format, await file(format, withBadRows(good))));
    // Row = index + 2: the header is row 1.
    expect(errors.map((e) => [e.row, e.column])).toEqual(BAD_ROWS.map((b) => [b.index + 2, MAPPING_12345[b.field]]));
    BAD_ROWS.forEach((b, i) => expect(errors[i].message).toMatch(b.message));
    expect(s.count()).toBe(0);

    expect(await run(s, format, await file(format, good))).toEqual({ rows: 1000, imported: 1000, duplicates: 0 });
    expect(s.count()).toBe(1000);
    expect(await run(s, format, await file(format, good))).toEqual({ rows: 1000, imported: 0, duplicates: 1000 });
    expect(s.count()).toBe(1000);
  });

  it('lands each ticket on the building and substation of the address book, at its Beijing time', async () => {
    await run(s, format, await file(format, good.slice(0, 3)));
    const [third] = s.complaints.list({ limit: 1 });
    expect(third).toMatchObject({ channel: '12345', ticket: 'GD2026000003', receivedAt: T0 + 2 * 60_000, substation: 'S003', category: 'leak', address: { community: '阳光花园', building: '3号楼', unit: '3', room: '101' } });
    expect(third.phone).toBe(good[2].phone);
  });
});

describe('12345 export files', () => {
  const s = service();
  const context = { mapping: MAPPING_12345, addressBook: s.addressBook, zone: 'Asia/Shanghai' };
  const rows = sampleTickets(3, BUILDINGS, T0);

  it('reads GB18030 CSV (as Chinese office software saves it) like UTF-8', async () => {
    const gb = encodeGb18030(exportCsv(MAPPING_12345, rows).replace(/^\uFEFF/, ''));
    const inputs = await readExport(gb, 'csv', context);
    expect(inputs.map((i) => i.address.community)).toEqual(['阳光花园', '阳光花园', '阳光花园']);
    expect(inputs[0].words).toBe(rows[0].words);
  });

  it('finds the header under a title row and reads date cells and numeric phone cells of a workbook', async () => {
    const ExcelJS = (await import('exceljs')).default;
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('导出');
    sheet.addRow(['12345 工单导出 2026-11-21']);
    sheet.addRow(['工单编号', '受理时间', '小区', '楼号', '单元', '房号', '联系电话', '诉求类别', '诉求内容']);
    // exceljs writes a Date as the wall time its UTC fields give.
    sheet.addRow(['T-1', new Date(Date.UTC(2026, 10, 21, 8, 30)), '锦绣家园', '2号楼', 1, 502, 13912345678, '不热', '']);
    const [input] = await readExport(Buffer.from(await book.xlsx.writeBuffer()), 'xlsx', context);
    expect(input).toMatchObject({ ticket: 'T-1', receivedAt: Date.UTC(2026, 10, 21, 0, 30), phone: '13912345678', category: 'no_heat', address: { unit: '1', room: '502' }, words: '' });
  });

  it('names the columns a file lacks, at its header row', async () => {
    const text = '工单编号,受理时间,小区,楼号,房号,联系电话,诉求类别,诉求内容\r\nT-1,2026-11-21 08:00:00,锦绣家园,2号楼,502,13912345678,不热,x\r\n';
    const errors = await rejection(readExport(Buffer.from(text), 'csv', context));
    expect(errors).toEqual([{ row: 1, column: '单元', message: expect.stringMatching(/column missing from the header/) }]);
  });

  it('refuses a file that is not a table, and names a time outside the pattern with the pattern', async () => {
    expect((await rejection(readExport(Buffer.from('PK\u0003\u0004 not really a zip'), 'xlsx', context)))[0].message).toMatch(/not an XLSX workbook/);
    const text = exportCsv(MAPPING_12345, [{ ...rows[0], received_at: '21.11.2026 08:00' }]);
    expect((await rejection(readExport(Buffer.from(text), 'csv', context)))[0]).toEqual({ row: 2, column: '受理时间', message: 'not a time: 21.11.2026 08:00 (expected YYYY-MM-DD HH:mm:ss)' });
  });

  it('skips blank rows, reports several bad cells of one row, and says what nothing imported means', async () => {
    const text = exportCsv(MAPPING_12345, [rows[0], { ...rows[1], phone: 'x', category: '?' }]).replace('\r\n', '\r\n,,,,,,,,\r\n\r\n');
    const error = await readExport(Buffer.from(text), 'csv', context).catch((e: unknown) => e as ImportInvalidError);
    expect((error as ImportInvalidError).errors.map((e) => [e.row, e.column])).toEqual([
      [5, '诉求类别'],
      [5, '联系电话'],
    ]);
    expect((error as ImportInvalidError).toJSON()).toMatchObject({ code: 'HS_ERR_IMPORT_INVALID', errors: expect.any(Array) });
  });
});
