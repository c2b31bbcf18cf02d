import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';

// A SQLite database holds users' password hashes, sessions and the audit trail: only the
// service's user may read it. The file is made 0600 before SQLite opens it (created empty when
// missing: SQLite takes an empty file as a new database); SQLite gives the -wal and -shm it
// creates the mode of the database, and those an older install left readable are made 0600 too.

const SIDE_FILES = ['', '-wal', '-shm', '-journal'];

/** Makes a database file and its side files owner-only; a name that is no file (':memory:') is left alone. */
export function restrictToOwner(file: string): void {
  if (file === '' || file === ':memory:' || file.startsWith('file:')) return;
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const suffix of SIDE_FILES) if (existsSync(file + suffix)) makePrivate(file + suffix);
}

/** chmod 0600 unless it is already: a file that is, but belongs to another user, is no error. */
export function makePrivate(file: string): void {
  if ((statSync(file).mode & 0o777) !== 0o600) chmodSync(file, 0o600);
}
