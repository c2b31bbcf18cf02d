import Database from 'better-sqlite3';

// Whether some process has a SQLite database open: the lock restore takes before it replaces
// one. Every role of a running platform keeps its connection open (historian, API, alarms,
// control on the store; a collector on its edge audit log and buffer), and every open
// connection to a WAL database holds a shared lock on it even when idle. A connection in
// exclusive locking mode that asks for a write transaction gets SQLITE_BUSY at once (timeout 0)
// while any other connection, of any process, holds one. No pid file to go stale after a kill -9:
// the kernel drops a dead process's locks.

const BUSY = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/** True when another connection has `file` open; a file that is not a database is not in use. */
export function databaseInUse(file: string): boolean {
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (BUSY.has(code)) return true;
    if (code === 'SQLITE_NOTADB') return false;
    throw e;
  } finally {
    db.close();
  }
}
