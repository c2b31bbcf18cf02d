import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { WorkOrders } from '../alarms/work-orders.ts';
import { HeatScadaError } from '../model/errors.ts';
import { demoAddressBook } from '../service/demo-address-book.ts';
import { importFile, ImportInvalidError, mappingNamed } from '../service/import/import-file.ts';
import { formatOf } from '../service/import/read-table.ts';
import { startService } from '../service/start.ts';
import { simulatedNetwork } from '../simulators/network/load.ts';
import { networkTopology } from '../simulators/network/topology.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Config } from './config.ts';
import { areasForSimulatedCity } from './simulated-areas.ts';

// `heatscada service import FILE [--mapping 12345]`: a channel's ticket export into the store's
// database, as the all-in-one's service would take it over the API — the same address book (the
// company's file, or the simulated city's), the same areas and crews, the audit trail. A file
// with any bad row imports nothing and every bad row and column is printed.

export interface CommandOutput {
  /** The result lines (stdout). */
  out(line: string): void;
  /** Progress lines (stderr). */
  progress(line: string): void;
}

export interface ImportRequest {
  file: string;
  mapping: string;
}

/** 0 when imported (duplicates included), 1 when the file has bad rows (nothing written). */
export async function serviceImport(config: Config, request: ImportRequest, output: CommandOutput, log: Logger): Promise<number> {
  if (config.store.kind !== 'sqlite') throw new HeatScadaError('HS_ERR_CONFIG_INVALID', "the residents' service keeps its complaints in the SQLite store", '/store/kind');
  const format = formatOf(request.file);
  if (format === undefined) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'the file must be a .csv or an .xlsx export', request.file);
  const mapping = mappingNamed(config.service, request.mapping, '--mapping');
  let bytes: Buffer;
  try {
    bytes = readFileSync(request.file);
  } catch (e) {
    throw new HeatScadaError('HS_ERR_CONFIG_READ', (e as Error).message, request.file);
  }
  // Without the company's address book the plant is the simulated city: its buildings, areas and crews.
  const city = config.service.address_book_file === undefined ? simulatedNetwork(config.simulate) : undefined;
  const cityAreas = city ? areasForSimulatedCity(config.alarms, networkTopology(city)) : undefined;
  const store = openSqliteStore({ file: config.store.sqlite.file });
  try {
    const database = store.database;
    const workOrders = new WorkOrders(database, cityAreas ? { ...config.alarms, ...cityAreas } : config.alarms, Date.now, log.child({ part: 'work-orders' }, { level: 'warn' }));
    const role = await startService(config.service, {
      database,
      workOrders,
      audit: new SqliteAuditTrail(database),
      ...(city ? { addressBook: demoAddressBook(city.substations), substations: city.substations.map((s) => s.id) } : {}),
      coldHomeAlarm: config.alarms.cold_home_alarm,
      // A one-shot command: the role's start and stop lines would only bury the result.
      logger: log.child({ role: 'service' }, { level: 'warn' }),
    });
    try {
      output.progress(`heatscada service import: ${path.basename(request.file)} (${format.toUpperCase()}, ${bytes.length} bytes) with mapping ${request.mapping} into ${config.store.sqlite.file}`);
      const result = await importFile(bytes, format, { mapping, addressBook: role.addressBook, complaints: role.complaints, zone: config.service.display_zone, actor: `cli:${userInfo().username}` });
      output.out(`imported ${result.imported}, duplicates ${result.duplicates} (${result.rows} rows)`);
      return 0;
    } catch (e) {
      if (!(e instanceof ImportInvalidError)) throw e;
      for (const bad of e.errors) output.out(`row ${bad.row}${bad.column ? `, column ${bad.column}` : ''}: ${bad.message}`);
      output.out(`nothing imported: ${e.errors.length} bad cell${e.errors.length === 1 ? '' : 's'} in ${new Set(e.errors.map((x) => x.row)).size} row(s)`);
      return 1;
    } finally {
      await role.close();
    }
  } finally {
    await store.close();
  }
}
