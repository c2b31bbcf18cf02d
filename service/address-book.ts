import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseYaml } from 'yaml';
import { HeatScadaError } from '../model/errors.ts';
import type { BuildingEntry } from '../model/service.ts';

// The company's address book: which substation (and secondary loop) heats each building of each
// community, with its floor area and households (the KPIs per 10,000 m² and per 1,000 households).
// Loaded from the file the company keeps (CSV or YAML) or generated for the simulated city
// (demo-address-book.ts). A bad file names every bad row and column and loads nothing.

export const ADDRESS_BOOK_COLUMNS = ['community', 'building', 'substation', 'loop', 'area_m2', 'households'] as const;
type Column = (typeof ADDRESS_BOOK_COLUMNS)[number];

/** The intake form's completion shows this many at most. */
export const SEARCH_LIMIT = 50;

export interface AddressBookProblem {
  /** 1-based: a CSV's line (the header is row 1), a YAML's entry of `buildings`. */
  row: number;
  column: string;
  message: string;
}

const keyOf = (community: string, building: string): string => `${community}\u0000${building}`;

function invalid(source: string, problems: AddressBookProblem[]): HeatScadaError {
  const where = (p: AddressBookProblem) => `${source}:row ${p.row}, column ${p.column}`;
  return new HeatScadaError('HS_ERR_SERVICE_ADDRESS', problems.map((p) => `${where(p)}: ${p.message}`).join('; '), where(problems[0]));
}

export class AddressBook {
  private readonly byKey = new Map<string, BuildingEntry>();
  private readonly bySubstation = new Map<string, BuildingEntry[]>();

  /** Entries as given; throws HS_ERR_SERVICE_ADDRESS when a (community, building) comes twice. */
  constructor(entries: readonly BuildingEntry[]) {
    for (const e of entries) {
      const key = keyOf(e.community, e.building);
      if (this.byKey.has(key)) throw new HeatScadaError('HS_ERR_SERVICE_ADDRESS', `${e.community} ${e.building} is listed twice`, 'building');
      this.byKey.set(key, e);
      const list = this.bySubstation.get(e.substation);
      if (list) list.push(e);
      else this.bySubstation.set(e.substation, [e]);
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  entries(): readonly BuildingEntry[] {
    return [...this.byKey.values()];
  }

  /** The building, by its community and building names as the resident gives them (trimmed). */
  find(community: string, building: string): BuildingEntry | undefined {
    return this.byKey.get(keyOf(community.trim(), building.trim()));
  }

  /** The buildings a substation heats. */
  atSubstation(substation: string): readonly BuildingEntry[] {
    return this.bySubstation.get(substation) ?? [];
  }

  /**
   * The intake form's completion: buildings whose community or building contains every word of
   * q (case-insensitive), those whose community starts with the first word first; at most 50.
   */
  search(q: string, limit = SEARCH_LIMIT): BuildingEntry[] {
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    const text = (e: BuildingEntry) => `${e.community} ${e.building}`.toLowerCase();
    const hits = words.length === 0 ? [...this.byKey.values()] : [...this.byKey.values()].filter((e) => words.every((w) => text(e).includes(w)));
    const first = words[0] ?? '';
    const rank = (e: BuildingEntry) => (e.community.toLowerCase().startsWith(first) ? 0 : 1);
    return hits
      .sort((a, b) => rank(a) - rank(b) || a.community.localeCompare(b.community, 'zh') || a.building.localeCompare(b.building, 'zh', { numeric: true }))
      .slice(0, limit);
  }
}

/** One entry from named fields, or the problems of its cells. */
function entryOf(cells: Partial<Record<Column, unknown>>, row: number, substations: ReadonlySet<string> | undefined): BuildingEntry | AddressBookProblem[] {
  const problems: AddressBookProblem[] = [];
  const textCell = (column: Column, required: boolean): string => {
    const v = cells[column];
    const s = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
    if (v !== undefined && v !== null && typeof v !== 'string' && typeof v !== 'number') problems.push({ row, column, message: 'is not text' });
    else if (required && s === '') problems.push({ row, column, message: 'is empty' });
    return s;
  };
  const numberCell = (column: Column, integer: boolean): number => {
    const v = cells[column];
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : NaN;
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      problems.push({ row, column, message: `not a ${integer ? 'whole number' : 'number'} above 0: ${v === undefined || v === null ? '(empty)' : String(v)}` });
    }
    return n;
  };
  const community = textCell('community', true);
  const building = textCell('building', true);
  const substation = textCell('substation', true);
  const loop = textCell('loop', false);
  const areaM2 = numberCell('area_m2', false);
  const households = numberCell('households', true);
  if (substation !== '' && substations && !substations.has(substation)) problems.push({ row, column: 'substation', message: `no substation ${substation}` });
  if (problems.length > 0) return problems;
  return { community, building, substation, ...(loop === '' ? {} : { loop }), areaM2, households };
}

/** Entries and every problem, with a building listed twice named at its second row. */
function collect(rows: { row: number; cells: Partial<Record<Column, unknown>> }[], substations: readonly string[] | undefined): { entries: BuildingEntry[]; problems: AddressBookProblem[] } {
  const known = substations && new Set(substations);
  const entries: BuildingEntry[] = [];
  const problems: AddressBookProblem[] = [];
  const firstRow = new Map<string, number>();
  for (const { row, cells } of rows) {
    const entry = entryOf(cells, row, known);
    if (Array.isArray(entry)) {
      problems.push(...entry);
      continue;
    }
    const key = keyOf(entry.community, entry.building);
    const earlier = firstRow.get(key);
    if (earlier !== undefined) problems.push({ row, column: 'building', message: `${entry.community} ${entry.building} is already listed at row ${earlier}` });
    else (firstRow.set(key, row), entries.push(entry));
  }
  return { entries, problems };
}

/** A CSV with the header community,building,substation,loop,area_m2,households (any order; loop may be left out). */
export function parseAddressBookCsv(text: string, source: string, substations?: readonly string[]): AddressBook {
  let records: string[][];
  try {
    records = parseCsv(text, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (e) {
    throw invalid(source, [{ row: Number((e as { lines?: number }).lines ?? 1), column: '', message: (e as Error).message }]);
  }
  const header = (records[0] ?? []).map((h) => h.trim());
  const missing = ADDRESS_BOOK_COLUMNS.filter((c) => c !== 'loop' && !header.includes(c));
  if (missing.length > 0) throw invalid(source, missing.map((column) => ({ row: 1, column, message: `column missing from the header (it has: ${header.join(', ')})` })));
  const index = Object.fromEntries(ADDRESS_BOOK_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<Column, number>;
  const rows = records.slice(1).map((cells, i) => ({
    row: i + 2,
    cells: Object.fromEntries(ADDRESS_BOOK_COLUMNS.filter((c) => index[c] >= 0).map((c) => [c, cells[index[c]]])) as Partial<Record<Column, unknown>>,
  }));
  const { entries, problems } = collect(rows, substations);
  if (problems.length > 0) throw invalid(source, problems);
  return new AddressBook(entries);
}

/** YAML `buildings: [{ community, building, substation, loop?, area_m2, households }]`. */
export function parseAddressBookYaml(text: string, source: string, substations?: readonly string[]): AddressBook {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw invalid(source, [{ row: 1, column: '', message: (e as Error).message }]);
  }
  const buildings = (doc as { buildings?: unknown } | null)?.buildings;
  if (!Array.isArray(buildings)) throw invalid(source, [{ row: 1, column: 'buildings', message: 'the document needs a list `buildings`' }]);
  const problems: AddressBookProblem[] = [];
  const rows = buildings.flatMap((b: unknown, i) => {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return (problems.push({ row: i + 1, column: '', message: 'is not a mapping of fields' }), []);
    const unknown = Object.keys(b).filter((k) => !(ADDRESS_BOOK_COLUMNS as readonly string[]).includes(k));
    problems.push(...unknown.map((column) => ({ row: i + 1, column, message: 'is not a known field' })));
    return [{ row: i + 1, cells: b as Partial<Record<Column, unknown>> }];
  });
  const collected = collect(rows, substations);
  problems.push(...collected.problems);
  if (problems.length > 0) throw invalid(source, problems.sort((a, b) => a.row - b.row));
  return new AddressBook(collected.entries);
}

/** The company's file: YAML for .yaml/.yml, CSV otherwise. */
export function loadAddressBook(file: string, substations?: readonly string[]): AddressBook {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new HeatScadaError('HS_ERR_CONFIG_READ', (e as Error).message, file);
  }
  return /\.ya?ml$/i.test(file) ? parseAddressBookYaml(text, file, substations) : parseAddressBookCsv(text, file, substations);
}
