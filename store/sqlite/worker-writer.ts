import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { HeatScadaError, type ErrorCode } from '../../model/errors.ts';
import type { SeriesKey, StoredPoint, SubstationStatus, TimeSeriesStore } from '../../model/store.ts';
import { checkBatch } from '../rules.ts';
import { buffersOf, toColumns, type PointColumns } from './columns.ts';
import type { SqliteStoreOptions } from './sqlite-store.ts';

// The write side of the SQLite store on its own thread. SQLite's inserts are the heaviest part
// of ingest; on their own core the broker, decoding and batching keep the main thread, and
// readers (API, control) read the same WAL file through their own connection meanwhile.
// Batches are checked here and cross as transferred columns with numbered series (columns.ts,
// SeriesIndex in series.ts): cloning point objects cost both threads more than the inserts.

type Operation =
  | { op: 'write'; batch: PointColumns; newKeys: SeriesKey[] }
  | { op: 'setStatus'; status: SubstationStatus }
  | { op: 'close' };
export type WriterRequest = Operation & { id: number };

export interface WriterReply {
  id: number;
  ok: boolean;
  error?: { code: ErrorCode; message: string; path?: string };
}

/** A store's write side; `ordered` if it applies requests one at a time in call order, as the writer thread does. */
export type StoreWriter = Pick<TimeSeriesStore, 'write' | 'setStatus' | 'setStatuses' | 'close'> & { readonly ordered?: boolean };

export interface SqliteWriter extends StoreWriter {
  /** The writer thread's event-loop utilization (as perf_hooks'), for benchmarks and diagnostics. */
  eventLoopUtilization(since?: EventLoopUtilization): EventLoopUtilization;
}

type Pending = { resolve(): void; reject(e: Error): void };

/** This side of SeriesIndex: numbers each series the first time a batch carries it. */
class SeriesNumbers {
  private readonly numbers = new Map<string, Map<string, number>>();
  private next = 0;

  /** Columns of a checked batch; the series numbered for it are appended to `newKeys`. */
  encode(points: readonly StoredPoint[], newKeys: SeriesKey[]): PointColumns {
    return toColumns(points, ({ substation, tag }) => {
      let tags = this.numbers.get(substation);
      if (!tags) this.numbers.set(substation, (tags = new Map()));
      let n = tags.get(tag);
      if (n === undefined) {
        tags.set(tag, (n = this.next++));
        newKeys.push({ substation, tag });
      }
      return n;
    });
  }
}

/** The thread's bootstrap: register tsx's loader in the thread, then load the TypeScript entry point. */
// tsx is resolved from here, not from the working directory, so `heatscada` runs from any folder.
const BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./writer-worker.ts', import.meta.url).href)}); })`;

/** Starts the writer thread. */
export function openSqliteWriter(options: SqliteStoreOptions): SqliteWriter {
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

  const ask = (request: Operation, transfer: ArrayBuffer[] = []): Promise<void> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<void>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id }, transfer);
    });
  };
  const numbers = new SeriesNumbers();
  return {
    ordered: true,
    write: (points) => {
      if (failure) return Promise.reject(failure);
      try {
        checkBatch(points);
      } catch (e) {
        return Promise.reject(e as Error);
      }
      // Numbered only once the batch is sure to be sent: the thread learns every number in order.
      const newKeys: SeriesKey[] = [];
      const batch = numbers.encode(points, newKeys);
      return ask({ op: 'write', batch, newKeys }, buffersOf(batch));
    },
    setStatus: (status) => ask({ op: 'setStatus', status }),
    eventLoopUtilization: (since) => (since ? worker.performance.eventLoopUtilization(since) : worker.performance.eventLoopUtilization()),
    async close() {
      await ask({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
