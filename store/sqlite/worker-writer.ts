import { Worker } from 'node:worker_threads';
import { HeatScadaError, type ErrorCode } from '../../model/errors.ts';
import type { StoredPoint, SubstationStatus, TimeSeriesStore } from '../../model/store.ts';
import type { SqliteStoreOptions } from './sqlite-store.ts';

// The write side of the SQLite store on its own thread. SQLite's inserts are the heaviest part
// of ingest; on their own core the broker, decoding and batching keep the main thread, and
// readers (API, control) read the same WAL file through their own connection meanwhile.

type Operation = { op: 'write'; points: readonly StoredPoint[] } | { op: 'setStatus'; status: SubstationStatus } | { op: 'close' };
export type WriterRequest = Operation & { id: number };

export interface WriterReply {
  id: number;
  ok: boolean;
  error?: { code: ErrorCode; message: string; path?: string };
}

export type StoreWriter = Pick<TimeSeriesStore, 'write' | 'setStatus' | 'close'>;

type Pending = { resolve(): void; reject(e: Error): void };

/** The thread's bootstrap: register tsx's loader in the thread, then load the TypeScript entry point. */
const BOOTSTRAP = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./writer-worker.ts', import.meta.url).href)}); })`;

/** Starts the writer thread. */
export function openSqliteWriter(options: SqliteStoreOptions): StoreWriter {
  const worker = new Worker(BOOTSTRAP, { eval: true, workerData: options });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | undefined;
  worker.on('message', (reply: WriterReply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (!waiting) return;
    if (reply.ok) waiting.resolve();
    else waiting.reject(new HeatScadaError(reply.error?.code ?? 'HS_ERR_STORE_WRITE', reply.error?.message, reply.error?.path));
  });
  const failAll = (e: Error): void => {
    failure = e;
    for (const waiting of pending.values()) waiting.reject(e);
    pending.clear();
  };
  worker.on('error', (e: Error) => failAll(new HeatScadaError('HS_ERR_STORE_WRITE', `writer thread failed: ${e.message}`)));
  worker.on('exit', (code) => failAll(new HeatScadaError('HS_ERR_STORE_CLOSED', `writer thread exited (${code})`)));

  const ask = (request: Operation): Promise<void> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<void>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  };
  return {
    write: (points) => ask({ op: 'write', points }),
    setStatus: (status) => ask({ op: 'setStatus', status }),
    async close() {
      await ask({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
