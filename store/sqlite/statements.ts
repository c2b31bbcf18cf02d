import type Database from 'better-sqlite3';

// Prepared statements kept per SQL text: better-sqlite3 compiles a statement at every prepare
// (tens of µs, as long as running a small one), and a step of a flow runs several.

/** A prepare that compiles each SQL text once for the connection. Do not switch a shared statement's mode (raw, pluck). */
export function preparedOnce(db: Database.Database): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
}
