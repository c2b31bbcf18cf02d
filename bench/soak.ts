// `npm run soak`: a week of winter in about half an hour. The platform runs as separate role
// processes on a simulated city; DOMAIN.md's faults repeat, every role is killed hard and
// restarted on a schedule, and at the end everything is counted against the simulator's own
// record of what it served. Prints the per-fault, per-kill and per-role figures, then one JSON
// line (the last) with the summary. Not part of `npm test` (tests/soak.test.ts is the short one).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runSoak } from './soak/run-soak.ts';

const { values } = parseArgs({
  options: {
    substations: { type: 'string', default: '200' },
    days: { type: 'string', default: '7' }, // simulated days
    speed: { type: 'string', default: '600' },
    'hold-s': { type: 'string', default: '40' },
    'gap-s': { type: 'string', default: '20' },
    'kills-per-role': { type: 'string', default: '3' },
    seed: { type: 'string', default: '7' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

function positive(name: string): number {
  const n = Number(values[name as keyof typeof values]);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`soak: --${name} must be a positive number, not '${String(values[name as keyof typeof values])}'\n`);
    process.exit(2);
  }
  return n;
}

// Ctrl-C ends the run through process exit, which kills every role it started (role-process.ts).
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

const dir = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'heatscada-soak-'));
try {
  const result = await runSoak({
    dir,
    substations: Math.round(positive('substations')),
    simDays: positive('days'),
    speed: positive('speed'),
    holdS: positive('hold-s'),
    gapS: positive('gap-s'),
    killsPerRole: Math.round(positive('kills-per-role')),
    seed: Math.round(positive('seed')),
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  const { summary, reconciliation, faults, kills, commands, auditChain, health, writesServed } = result;
  console.log(`heartbeats: ${summary.points_produced} answered, ${summary.points_stored} stored, ${summary.lost} lost; in flight at kills: ${JSON.stringify(reconciliation.excused)}`);
  if (reconciliation.lostExamples.length > 0) console.log(`lost, first ones: ${JSON.stringify(reconciliation.lostExamples.slice(0, 5))}`);
  for (const f of faults) console.log(`fault ${f.kind.padEnd(14)} ${(f.substation ?? 'network').padEnd(6)} ${f.verdict}${f.verdict === 'alarmed' ? '' : ` (expected ${f.expect.join(' or ')})`}`);
  console.log(`kills: ${kills.map((k) => `${k.role} back in ${k.back_after_s} s`).join(', ')}`);
  console.log(`commands: ${JSON.stringify(commands)}; the simulator answered ${writesServed.accepted} writes, refused ${writesServed.refused}; audit chain ${auditChain.ok ? 'ok' : `BROKEN ${auditChain.reason}`} (${auditChain.records} records)`);
  for (const h of health) console.log(`health ${h.role.padEnd(9)} rss max ${(h.rss_max_bytes / 2 ** 20).toFixed(0)} MiB, growth ${h.rss_growth_pct_per_day ?? '–'} %/day, fds max ${h.open_fds_max ?? '–'}, loop p99 ${h.event_loop_p99_ms} ms, max ${h.event_loop_max_ms} ms`);
  console.log(JSON.stringify(summary));
} catch (e) {
  process.stderr.write(`soak: ${(e as Error).message} (files in ${dir})\n`);
  process.exitCode = 1;
} finally {
  if (!values.keep && values.dir === undefined && process.exitCode !== 1) fs.rmSync(dir, { recursive: true, force: true });
}
