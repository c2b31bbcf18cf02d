import { closeSync, existsSync, lstatSync, openSync, readdirSync, readSync, type Stats } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE } from './manifest.ts';

// Every piece of state a platform keeps, found from its configuration document rather than
// from a list here that would fall behind the roles: each file the document names (keys `file`,
// `database`, `network`, `scenario`, `*_file`: the store, rules, credentials, certificates,
// password files), everything under each folder it names (`*_dir`: the simulator's and the
// collectors' data, with the edge audit logs and store-and-forward buffers under sparkplug/,
// the OPC UA PKI), and the `secrets/` folder beside each named file (machine passwords, the
// API's signing key). A SQLite file is recognised by its header, wherever it is.

export interface StatePiece {
  /** Absolute path. */
  file: string;
  /** The manifest's name for it: relative to the working directory when inside it, else absolute. */
  key: string;
  kind: 'sqlite' | 'file';
  /** Permission bits. */
  mode: number;
}

export interface StateFound {
  pieces: StatePiece[];
  /** Files the document names that do not exist (nothing to copy: a role that has not run yet). */
  absent: string[];
  /** What is neither a regular file nor a folder (a socket, a symbolic link), and earlier backups: not copied. */
  skipped: string[];
}

/** A restore's staging copies: never state, should a crashed restore have left one. */
export const RESTORE_TEMP_SUFFIX = '.restore-tmp';

/** SQLite's side files of a database: copied through the database, never on their own. */
export const SQLITE_SIDE_FILES = ['-wal', '-shm', '-journal'];

const FILE_KEYS = new Set(['file', 'database', 'network', 'scenario']);
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Collects the strings of the document at file-like and folder-like keys. */
function namedPaths(node: unknown, files: string[], dirs: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) namedPaths(item, files, dirs);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' && (FILE_KEYS.has(key) || key.endsWith('_file'))) files.push(value);
    else if (typeof value === 'string' && key.endsWith('_dir')) dirs.push(value);
    else namedPaths(value, files, dirs);
  }
}

export function isSqliteFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length);
    return readSync(fd, header, 0, header.length, 0) === header.length && header.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
}

export function keyOf(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
}

const inside = (file: string, folder: string): boolean => file === folder || file.startsWith(folder + path.sep);

/**
 * The state the document points at, each file once, sorted by key. `configFile` (the document
 * itself) is included; nothing under `exclude` (the backup being written) is.
 */
export function findState(doc: unknown, configFile: string, options: { cwd: string; exclude: string[] }): StateFound {
  const { cwd } = options;
  const named: string[] = [];
  const folders: string[] = [];
  namedPaths(doc, named, folders);
  const files = [configFile, ...named].map((f) => path.resolve(cwd, f));
  const dirs = [...folders.map((d) => path.resolve(cwd, d)), ...files.map((f) => path.join(path.dirname(f), 'secrets'))];
  const exclude = options.exclude.map((e) => path.resolve(cwd, e));
  const found = new Map<string, Stats>();
  const result: StateFound = { pieces: [], absent: [], skipped: [] };

  const visit = (file: string, mustExist: boolean): void => {
    if (found.has(file) || exclude.some((e) => inside(file, e))) return;
    let stats: Stats;
    try {
      stats = lstatSync(file);
    } catch {
      if (mustExist) result.absent.push(keyOf(file, cwd));
      return;
    }
    if (stats.isDirectory()) {
      // An earlier backup kept inside a data folder is not copied into the next one.
      if (existsSync(path.join(file, MANIFEST_FILE))) {
        result.skipped.push(keyOf(file, cwd));
        return;
      }
      for (const name of readdirSync(file).sort()) visit(path.join(file, name), false);
    } else if (stats.isFile()) {
      if (!file.endsWith(RESTORE_TEMP_SUFFIX)) found.set(file, stats);
    } else {
      result.skipped.push(keyOf(file, cwd));
    }
  };
  for (const file of files) visit(file, true);
  for (const dir of dirs) visit(dir, false);

  const databases = new Set([...found.keys()].filter(isSqliteFile));
  const sideFile = (file: string): boolean => SQLITE_SIDE_FILES.some((s) => file.endsWith(s) && databases.has(file.slice(0, -s.length)));
  for (const [file, stats] of found) {
    if (sideFile(file)) continue;
    result.pieces.push({ file, key: keyOf(file, cwd), kind: databases.has(file) ? 'sqlite' : 'file', mode: stats.mode & 0o777 });
  }
  result.pieces.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return result;
}
