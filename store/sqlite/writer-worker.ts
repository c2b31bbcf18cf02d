// The SQLite writer's thread: owns one SqliteStore and applies the batches the main thread
// posts, one after another, answering each with its outcome.

import { parentPort, workerData } from 'node:worker_threads';
import { isHeatScadaError } from '../../model/errors.ts';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
import type { WriterReply, WriterRequest } from './worker-writer.ts';

const store = openSqliteStore(workerData as SqliteStoreOptions);
const port = parentPort!;

port.on('message', (request: WriterRequest) => {
  const done = (reply: Omit<WriterReply, 'id'>): void => port.postMessage({ id: request.id, ...reply });
  const run = request.op === 'write' ? store.write(request.points) : request.op === 'setStatus' ? store.setStatus(request.status) : store.close();
  run.then(
    () => done({ ok: true }),
    (e: unknown) => done({ ok: false, error: isHeatScadaError(e) ? e.toJSON() : { code: 'HS_ERR_STORE_WRITE', message: (e as Error).message } }),
  );
});
