// `npm run cluster:local`: the whole cluster on loopback (cluster/local-cluster.ts) until Ctrl-C
// or SIGTERM, which stop every role and engine by its pid and remove the files unless --keep.
// Progress on stderr, the addresses on stdout.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalCluster, type LocalCluster } from './local-cluster.ts';

const { values } = parseArgs({
  options: {
    substations: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    speed: { type: 'string', default: '1' },
    shards: { type: 'string', default: '2' },
    replicas: { type: 'string', default: '2' },
    brokers: { type: 'string', default: '2' },
    historians: { type: 'string', default: '2' },
    'api-nodes': { type: 'string', default: '2' },
    'no-standby': { type: 'boolean', default: false },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    [
      'npm run cluster:local -- [options]   the platform as a cluster on loopback, until Ctrl-C',
      '  --substations N (24)  --seed N (7)  --speed N (1, simulated seconds per second)',
      '  --shards N (2) --replicas N (2)    ClickHouse, with one ZooKeeper',
      '  --brokers N (2) --historians N (2) --api-nodes N (2)  --no-standby (no control and alarms pairs)',
      '  --dir DIR (default /tmp/heatscada-cluster-XXXX)  --keep (leave the files after the stop)',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

function count(name: keyof typeof values, min: number): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`cluster:local: --${name} must be a whole number of at least ${min}, not '${String(values[name])}'\n`);
    process.exit(2);
  }
  return n;
}

const say = (line: string): void => void process.stderr.write(`${line}\n`);
const speed = Number(values.speed);
if (!(speed > 0)) {
  say(`cluster:local: --speed must be positive, not '${values.speed}'`);
  process.exit(2);
}
const options = {
  substations: count('substations', 1),
  seed: count('seed', 0),
  speed,
  clickhouse: { shards: count('shards', 1), replicas: count('replicas', 1) },
  brokers: count('brokers', 1),
  historians: count('historians', 1),
  apiNodes: count('api-nodes', 0),
  standbyPairs: !values['no-standby'],
};
const dir = values.dir ?? fs.mkdtempSync(path.join('/tmp', 'heatscada-cluster-'));
fs.mkdirSync(dir, { recursive: true });

let cluster: LocalCluster | undefined;
let starting = true;
let signalled: number | undefined;
let stopping: Promise<void> | undefined;
const finish = (code: number): Promise<void> =>
  (stopping ??= (async () => {
    await cluster?.stop().catch((e: unknown) => say(`cluster:local: stop: ${(e as Error).message}`));
    if (values.keep) say(`cluster:local: files kept in ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  })());
// A signal while starting waits for the start to end (or fail), then stops what it started.
const onSignal = (code: number) => (): void => {
  if (starting) signalled ??= code;
  else void finish(code);
};
process.on('SIGINT', onSignal(130));
process.on('SIGTERM', onSignal(143));

try {
  cluster = await startLocalCluster({ ...options, dir, healthEveryS: 60, progress: say });
  starting = false;
  if (signalled !== undefined) await finish(signalled);
  for (const line of cluster.addresses()) process.stdout.write(`${line}\n`);
  say('cluster:local: running; Ctrl-C stops everything');
} catch (e) {
  say(`cluster:local: ${(e as Error).message}`);
  await finish(signalled ?? 1);
}
