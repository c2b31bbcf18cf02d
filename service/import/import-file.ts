import { CATEGORIES, type BuildingEntry, type Category, type Channel, type ComplaintInput } from '../../model/service.ts';
import { MAPPING_12345, type ImportMappingConfig, type ServiceConfig } from '../config-schema.ts';
import { HeatScadaError } from '../../model/errors.ts';
import { readTable, UnreadableTable, type Cell, type ImportFormat, type TableRow } from './read-table.ts';
import { timePattern, wallOfSheetDate, zonedClock } from './zoned-time.ts';

// The tickets a channel's platform exports (the 12345 hotline's, as CSV or XLSX) → complaints.
// A configured mapping says which column holds which field. Every row is checked before anything
// is written: a file with any bad row imports nothing and names every bad row and column, so the
// operator fixes the file once and imports it again. The key of a ticket is (channel, ticket):
// the same file twice adds nothing.

/** The mapping's fields that name a column of the file. */
export const MAPPED_FIELDS = ['ticket', 'received_at', 'community', 'building', 'unit', 'room', 'phone', 'category', 'words'] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];

/** One `service.import.mappings` entry (service/config-schema.ts): the file's column for each field, its category words, its time pattern. */
export type ImportMapping = ImportMappingConfig;

/** One bad cell: the row as a spreadsheet numbers it (the header is row 1 of a plain export), the column's header. */
export interface ImportRowError {
  row: number;
  column: string;
  message: string;
}

export interface ImportResult {
  /** Data rows read (blank rows left out). */
  rows: number;
  imported: number;
  duplicates: number;
}

/** 400 HS_ERR_IMPORT_INVALID, carrying every bad row and column in its JSON. */
export class ImportInvalidError extends HeatScadaError {
  constructor(readonly errors: ImportRowError[]) {
    super('HS_ERR_IMPORT_INVALID', `${errors.length} bad cell${errors.length === 1 ? '' : 's'} in ${new Set(errors.map((e) => e.row)).size} row(s); nothing imported`);
  }

  override toJSON(): ReturnType<HeatScadaError['toJSON']> & { errors: ImportRowError[] } {
    return { ...super.toJSON(), errors: this.errors };
  }
}

/** What the import asks of the address book (service/address-book.ts): the building a complaint lands on. */
export interface BuildingLookup {
  find(community: string, building: string): BuildingEntry | undefined;
  entries(): readonly BuildingEntry[];
}

/** What the import asks of the complaint store: all the rows in one transaction, (channel, ticket) duplicates skipped. */
export interface ComplaintSink {
  createMany(inputs: ComplaintInput[], actor: string): { created: number; duplicates: number };
}

export interface ImportContext {
  mapping: ImportMapping;
  addressBook: BuildingLookup;
  /** IANA zone the export's wall times are in (service.display_zone). */
  zone: string;
}

/**
 * The mapping of that name; an unknown one is a bad request naming the known ones, at `path`.
 * The 12345 platform's is always there: configuring another channel's mapping does not lose it.
 */
export function mappingNamed(config: Pick<ServiceConfig, 'import'>, name: string, path: string): ImportMapping {
  const mappings: Record<string, ImportMapping> = { '12345': MAPPING_12345, ...config.import.mappings };
  // Own keys only: a name such as 'constructor' is no mapping.
  const mapping = Object.hasOwn(mappings, name) ? mappings[name] : undefined;
  if (!mapping) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `no import mapping "${name}" (configured: ${Object.keys(mappings).join(', ') || 'none'})`, path);
  return mapping;
}

/** Header rows an export may have above its column names (a title, the export's date). */
const HEADER_SEARCH_ROWS = 10;
/** The longest text of each field, here and at the API (api/routes/service-schemas.ts). */
export const FIELD_MAX_LENGTH: Record<MappedField, number> = { ticket: 64, received_at: 40, community: 100, building: 50, unit: 20, room: 20, phone: 40, category: 50, words: 4000 };
/** Fields a row may leave blank: not every building has units, not every resident says much. */
const OPTIONAL: ReadonlySet<MappedField> = new Set(['unit', 'words']);

const isBlank = (cells: Cell[]): boolean => cells.every((c) => typeof c === 'string' && c.trim() === '');
const text = (cell: Cell | undefined): string => (cell === undefined ? '' : typeof cell === 'string' ? cell.trim() : cell.toISOString());

/** The mapped cells of a row as text, in one object of one shape (built field by field, a row's object is a slow dictionary). */
const valuesOf = (cells: Cell[], at: Record<MappedField, number>): Record<MappedField, string> => ({
  ticket: text(cells[at.ticket]),
  received_at: text(cells[at.received_at]),
  community: text(cells[at.community]),
  building: text(cells[at.building]),
  unit: text(cells[at.unit]),
  room: text(cells[at.room]),
  phone: text(cells[at.phone]),
  category: text(cells[at.category]),
  words: text(cells[at.words]),
});

/** 7 to 15 digits once spaces, dashes, brackets and a +86 / 0086 prefix are taken off: a mobile or a landline with its area code. */
function phoneDigits(phone: string): string | undefined {
  const digits = phone.replace(/[\s\-()（）]/g, '').replace(/^(\+86|0086)/, '');
  return /^\d{7,15}$/.test(digits) ? digits : undefined;
}

interface Columns {
  headerRow: number;
  index: Record<MappedField, number>;
}

/** The header: the first of the top rows holding every mapped column; else the first row, with the missing columns named. */
function findColumns(rows: TableRow[], mapping: ImportMapping): Columns | ImportRowError[] {
  const wanted = MAPPED_FIELDS.map((f) => mapping[f]);
  const candidates = rows.filter((r) => !isBlank(r.cells)).slice(0, HEADER_SEARCH_ROWS);
  if (candidates.length === 0) return [{ row: 1, column: '', message: 'the file is empty: no header row' }];
  const names = (r: TableRow) => r.cells.map((c) => text(c));
  const header = candidates.find((r) => wanted.every((w) => names(r).includes(w)));
  if (!header) {
    const first = names(candidates[0]);
    return wanted.filter((w) => !first.includes(w)).map((w) => ({ row: candidates[0].row, column: w, message: `column missing from the header (it has: ${first.filter(Boolean).join(', ')})` }));
  }
  const headerNames = names(header);
  const index = Object.fromEntries(MAPPED_FIELDS.map((f) => [f, headerNames.indexOf(mapping[f])])) as Record<MappedField, number>;
  return { headerRow: header.row, index };
}

/** A mapping's pattern or the zone that cannot be used is the configuration's fault, named by its path. */
function configured<T>(make: () => T, path: string): T {
  try {
    return make();
  } catch (e) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', (e as Error).message, path);
  }
}

/**
 * Every data row below the header as a ComplaintInput, or every bad cell: a blank required field,
 * a time not in the pattern, an unknown category, a phone that is not one, a building the
 * address book does not know, a ticket given twice.
 */
export function complaintInputs(rows: TableRow[], { mapping, addressBook, zone }: ImportContext): { inputs: ComplaintInput[]; errors: ImportRowError[] } {
  const columns = findColumns(rows, mapping);
  if (Array.isArray(columns)) return { inputs: [], errors: columns };
  const channel: Channel = mapping.channel ?? '12345';
  const pattern = configured(() => timePattern(mapping.time_format), '/service/import/mappings/*/time_format');
  const toUtc = configured(() => zonedClock(zone), '/service/display_zone');
  const categoryOf = new Map<string, Category>([...CATEGORIES.map((c) => [c, c] as const), ...Object.entries(mapping.categories)]);
  const knownCategories = Object.keys(mapping.categories).join(', ');
  const ticketRow = new Map<string, number>();
  // Built only when a building is not found: a good file never pays for it.
  let known: Set<string> | undefined;
  const communities = (): Set<string> => (known ??= new Set(addressBook.entries().map((e) => e.community)));
  const inputs: ComplaintInput[] = [];
  const errors: ImportRowError[] = [];
  let row = 0;
  // One function for every row, not a closure a row: a season's export has 200,000.
  const bad = (field: MappedField, message: string) => errors.push({ row, column: mapping[field], message });

  for (const r of rows) {
    row = r.row;
    const cells = r.cells;
    if (row <= columns.headerRow || isBlank(cells)) continue;
    const value = valuesOf(cells, columns.index);
    let complete = true;
    for (const field of MAPPED_FIELDS) {
      const v = value[field];
      if (v === '' && !OPTIONAL.has(field)) {
        bad(field, 'empty');
        complete = false;
      } else if (v.length > FIELD_MAX_LENGTH[field]) {
        bad(field, `longer than ${FIELD_MAX_LENGTH[field]} characters`);
        complete = false;
      }
    }
    const earlier = ticketRow.get(value.ticket);
    if (value.ticket !== '' && earlier !== undefined) bad('ticket', `ticket ${value.ticket} is already in row ${earlier}`);
    else ticketRow.set(value.ticket, row);

    const timeCell = cells[columns.index.received_at];
    const wall = timeCell instanceof Date ? wallOfSheetDate(timeCell) : pattern.parse(value.received_at);
    if (value.received_at !== '' && !wall) bad('received_at', `not a time: ${value.received_at} (expected ${pattern.pattern})`);
    const category = categoryOf.get(value.category);
    if (value.category !== '' && !category) bad('category', `unknown category: ${value.category} (known: ${knownCategories})`);
    if (value.phone !== '' && !phoneDigits(value.phone)) bad('phone', `not a phone number: ${value.phone}`);
    if (value.community !== '' && value.building !== '' && !addressBook.find(value.community, value.building)) {
      if (communities().has(value.community)) bad('building', `no building ${value.building} in ${value.community} in the address book`);
      else bad('community', `no community ${value.community} in the address book`);
    }
    if (!complete || !wall || !category || errors.length > 0) continue;
    inputs.push({
      channel,
      ticket: value.ticket,
      receivedAt: toUtc(wall),
      address: { community: value.community, building: value.building, unit: value.unit, room: value.room },
      phone: value.phone,
      category,
      words: value.words,
    });
  }
  return errors.length > 0 ? { inputs: [], errors } : { inputs, errors };
}

/** Reads and checks a whole export: the complaints it holds, or ImportInvalidError naming every bad row and column. */
export async function readExport(bytes: Uint8Array, format: ImportFormat, context: ImportContext): Promise<ComplaintInput[]> {
  let rows: TableRow[];
  try {
    rows = await readTable(bytes, format);
  } catch (e) {
    if (e instanceof UnreadableTable) throw new ImportInvalidError([{ row: e.row, column: '', message: e.message }]);
    throw e;
  }
  const { inputs, errors } = complaintInputs(rows, context);
  if (errors.length > 0) throw new ImportInvalidError(errors);
  return inputs;
}

/** Imports an export: all its rows in one transaction, or nothing (ImportInvalidError). Tickets already there are counted as duplicates. */
export async function importFile(bytes: Uint8Array, format: ImportFormat, context: ImportContext & { complaints: ComplaintSink; actor: string }): Promise<ImportResult> {
  const inputs = await readExport(bytes, format, context);
  const { created, duplicates } = context.complaints.createMany(inputs, context.actor);
  return { rows: inputs.length, imported: created, duplicates };
}
