// The SQLite writer's thread: owns one SqliteStore and applies the batches the main thread
// posts, one after another, answering each with its outcome. A write is answered as soon as it
// is committed; moving points_recent or rolling up comes after the answer.

import { parentPort, workerData } from 'node:worker_threads';
import { isHeatScadaError } from '../../model/errors.ts';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
import type { WriterReply, WriterRequest } from './worker-writer.ts';

const store = openSqliteStore(workerData as SqliteStoreOptions);
const port = parentPort!;

const failed = (e: unknown): Omit<WriterReply, 'id'> => ({
  ok: false,
  error: isHeatScadaError(e) ? e.toJSON() : { code: 'HS_ERR_STORE_WRITE', message: (e as Error).message },
});

port.on('message', (request: WriterRequest) => {
  const done = (reply: Omit<WriterReply, 'id'>): void => port.postMessage({ id: request.id, ...reply });
  if (request.op === 'write') {
    try {
      store.writeNumbered(request.batch, request.newKeys);
      done({ ok: true });
    } catch (e) {
      done(failed(e));
    }
    store.maintain();
    return;
  }
  const run = request.op === 'setStatus' ? store.setStatus(request.status) : store.close();
  run.then(() => done({ ok: true }), (e: unknown) => done(failed(e)));
});
