// A process that writes into a store the way the historian and the audited roles do, for as
// long as it is let: batch b holds one point of every series at ts = START + b s, in one
// transaction, then one audit record names the batch, in another. So a consistent snapshot has
// the same number of points n in every series, ts START … START + (n - 1) s with the values
// below, and n or n - 1 audit records after those already there. Bounded by --batches.
//
//   node --import tsx tests/helpers/store-writer.ts --file DB --series 200 --batches 100000
//
// It prints `{"batches":N}` on stdout after each --report batches and once when it stops
// (SIGTERM, or --batches reached), then closes the store (a checkpoint).

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SqliteAuditTrail } from '../../store/audit/sqlite-audit-trail.ts';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { StoredPoint } from '../../model/store.ts';

export const WRITER_START_TS = Date.UTC(2026, 0, 15);
const TAGS = ['primary.supply_temp', 'primary.return_temp', 'primary.flow', 'secondary.supply_temp'];

/** Series i: substation S<i / 4>, one of four tags. */
export const writerSeries = (i: number): { substation: string; tag: string } => ({ substation: `S${String(Math.floor(i / TAGS.length)).padStart(4, '0')}`, tag: TAGS[i % TAGS.length] });
/** The value series i holds at batch b: exact in a double. */
export const writerValue = (i: number, b: number): number => i * 1000 + (b % 997) + 0.25;

export interface StoreWriter {
  child: ChildProcess;
  /** Batches written, as last reported. */
  batches(): number;
  exited: Promise<void>;
}

/** Starts the writer as a process in `cwd` with these options (--file … --series …). */
export function startStoreWriter(cwd: string, options: string[]): StoreWriter {
  // tsx is named by its file: the writer may run in a folder outside the package.
  const args = ['--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), ...options];
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  let batches = 0;
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    if (lines.length > 0) batches = (JSON.parse(lines[lines.length - 1]) as { batches: number }).batches;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, batches: () => batches, exited };
}

function main(): void {
  const { values } = parseArgs({
    options: { file: { type: 'string' }, series: { type: 'string', default: '200' }, batches: { type: 'string', default: '1000000' }, report: { type: 'string', default: '50' }, 'wal-mb': { type: 'string', default: '64' } },
  });
  if (values.file === undefined) throw new Error('--file DB');
  const series = Number(values.series);
  const maxBatches = Number(values.batches);
  const reportEvery = Number(values.report);
  const store = openSqliteStore({ file: values.file, walMb: Number(values['wal-mb']) });
  const trail = new SqliteAuditTrail(store.database);
  // Carries on after the batches a previous run left (one that stopped between a batch and its record writes it again: an upsert).
  let batch = (store.database.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE actor = 'writer'").get() as { n: number }).n;
  let stopping = false;
  process.once('SIGTERM', () => (stopping = true));
  const report = (): void => void process.stdout.write(`${JSON.stringify({ batches: batch })}\n`);
  const step = (): void => {
    if (stopping || batch >= maxBatches) {
      report();
      void store.close().then(() => process.exit(0));
      return;
    }
    const ts = WRITER_START_TS + batch * 1000;
    const points: StoredPoint[] = [];
    for (let i = 0; i < series; i++) points.push({ ...writerSeries(i), ts, value: writerValue(i, batch), quality: 'good' });
    store.writeSync(points);
    trail.append({ actor: 'writer', source: 'test', action: 'control.event', target: `batch:${batch}`, newValue: String(points.length), outcome: 'ok', ts });
    batch++;
    if (batch % reportEvery === 0) report();
    setImmediate(step);
  };
  step();
}

// Run as a process; imported (by the test), it only lends its series and values.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
