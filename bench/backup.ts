// bench:backup — `heatscada backup` of a store of 5 M points while a writer process keeps
// writing into it (points and an audit record per batch, tests/helpers/store-writer.ts), then a
// restore into a fresh folder. Prints the copy's MB/s, the writer's points/s during the copy
// against its own rate just before it (the baseline, same run), and the restore's time.
//
//   npm run bench:backup -- [--points 5000000 --series 5000 --baseline-s 5]
//
// Bounded: the writer stops by count (prefill + at most --extra-batches), the run is aborted
// if the WAL passes --max-wal-mb, and the folder (under the OS temp dir) is deleted at the end.

import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backup } from '../store/backup/backup.ts';
import { readManifest } from '../store/backup/manifest.ts';
import { restore } from '../store/backup/restore.ts';
import { startStoreWriter, type StoreWriter } from '../tests/helpers/store-writer.ts';

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '5000000' },
    series: { type: 'string', default: '5000' },
    'baseline-s': { type: 'string', default: '5' },
    'extra-batches': { type: 'string', default: '3000' },
    'max-wal-mb': { type: 'string', default: '4096' },
  },
});
const SERIES = Number(values.series);
const PREFILL_BATCHES = Math.ceil(Number(values.points) / SERIES);
const BASELINE_MS = Number(values['baseline-s']) * 1000;
const MAX_WAL_BYTES = Number(values['max-wal-mb']) * 1024 * 1024;

const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-bench-backup-'));
const site = path.join(dir, 'site');
const store = 'data/heatscada.db';
const quiet = { out: (line: string) => process.stderr.write(`${line}\n`), progress: (line: string) => process.stderr.write(`${line}\n`) };
const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;
const walBytes = (): number => (existsSync(path.join(site, `${store}-wal`)) ? statSync(path.join(site, `${store}-wal`)).size : 0);

const startWriter = (maxBatches: number): StoreWriter =>
  startStoreWriter(site, ['--file', store, '--series', String(SERIES), '--batches', String(maxBatches), '--report', '1', '--wal-mb', '256']);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Points/s the writer manages over `during`, measured from its reports. */
async function writerRate(writer: StoreWriter, during: () => Promise<unknown>): Promise<{ pointsPerS: number; seconds: number }> {
  const startBatches = writer.batches();
  const started = performance.now();
  await during();
  const seconds = (performance.now() - started) / 1000;
  return { pointsPerS: ((writer.batches() - startBatches) * SERIES) / seconds, seconds };
}

async function main(): Promise<void> {
  const configFile = path.join(site, 'heatscada.yaml');
  mkdirSync(path.join(site, 'data'), { recursive: true });
  writeFileSync(configFile, `store: { sqlite: { file: ./${store} } }\n`);

  process.stderr.write(`bench:backup: writing ${PREFILL_BATCHES * SERIES} points (${SERIES} series × ${PREFILL_BATCHES} batches) into ${path.join(site, store)}\n`);
  const prefillStarted = performance.now();
  const prefill = startWriter(PREFILL_BATCHES);
  await prefill.exited;
  const prefillS = (performance.now() - prefillStarted) / 1000;

  const writer = startWriter(PREFILL_BATCHES + Number(values['extra-batches']));
  let walPeak = 0;
  const watch = setInterval(() => {
    walPeak = Math.max(walPeak, walBytes());
    if (walPeak > MAX_WAL_BYTES) {
      process.stderr.write(`bench:backup: WAL over ${values['max-wal-mb']} MB: stopping the writer\n`);
      writer.child.kill('SIGTERM');
    }
  }, 100);
  try {
    await sleep(1000);
    const baseline = await writerRate(writer, () => sleep(BASELINE_MS));
    const backupDir = path.join(dir, 'backup');
    let code = 0;
    const during = await writerRate(writer, async () => {
      code = await backup({ to: backupDir, config: { store: { sqlite: { file: `./${store}` } } }, configFile, cwd: site }, quiet);
    });
    if (code !== 0) throw new Error(`backup exited ${code}`);
    writer.child.kill('SIGTERM');
    await writer.exited;

    const manifest = readManifest(backupDir);
    const db = manifest.files.find((f) => f.path === store)!;
    const points = (db.sqlite!.tables.points ?? 0) + (db.sqlite!.tables.points_recent ?? 0);
    const fresh = path.join(dir, 'fresh');
    const restoreStarted = performance.now();
    const restoreCode = await restore({ from: backupDir, force: false, cwd: fresh }, quiet);
    const restoreS = (performance.now() - restoreStarted) / 1000;

    const result = {
      bench: 'backup',
      points,
      series: SERIES,
      db_mb: mb(db.bytes),
      prefill_s: Math.round(prefillS * 10) / 10,
      backup_s: Math.round(during.seconds * 100) / 100,
      backup_mb_per_s: Math.round(mb(db.bytes) / during.seconds),
      writer_baseline_points_per_s: Math.round(baseline.pointsPerS),
      writer_during_backup_points_per_s: Math.round(during.pointsPerS),
      writer_ratio: Math.round((during.pointsPerS / baseline.pointsPerS) * 100) / 100,
      wal_peak_mb: mb(walPeak),
      restore_s: Math.round(restoreS * 100) / 100,
      restore_mb_per_s: Math.round(mb(db.bytes) / restoreS),
      audit_chain_ok: restoreCode === 0,
    };
    console.log(`backup of ${result.db_mb} MB (${points} points) in ${result.backup_s} s: ${result.backup_mb_per_s} MB/s`);
    console.log(`writer: ${result.writer_baseline_points_per_s} points/s before, ${result.writer_during_backup_points_per_s} during the copy (ratio ${result.writer_ratio}); WAL peak ${result.wal_peak_mb} MB`);
    console.log(`restore (checksums, copy, audit chain) in ${result.restore_s} s: ${result.restore_mb_per_s} MB/s, chain ${result.audit_chain_ok ? 'ok' : 'BROKEN'}`);
    console.log(JSON.stringify(result));
  } finally {
    clearInterval(watch);
    writer.child.kill('SIGTERM');
    await writer.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
