// A broker cluster node in a process of its own, so that a test can SIGKILL it as a crash
// would: no DISCONNECT to its clients, no will published by it, no goodbye to Redis.
// Run as a script (argv: redisUrl nodeId heartbeatMs) it prints its TCP URL once listening;
// startBrokerProcess() runs it and resolves with that URL.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';

export interface BrokerProcess {
  readonly tcpUrl: string;
  readonly pid: number;
  /** SIGKILL; resolves once the process has exited. */
  kill(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);

export async function startBrokerProcess(redisUrl: string, nodeId: string, heartbeatMs: number): Promise<BrokerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, redisUrl, nodeId, String(heartbeatMs)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let said = '';
  child.stderr.on('data', (b: Buffer) => (said = (said + b.toString()).slice(-2000)));
  const tcpUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const line = /^(mqtt:\/\/\S+)\n/m.exec(out);
      if (line) resolve(line[1]);
    });
    child.once('exit', (code) => reject(new Error(`broker node ${nodeId} exited (${code}) before listening: ${said.trim()}`)));
  });
  return {
    tcpUrl,
    pid: child.pid!,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

if (process.argv[1] === SELF) {
  const [redisUrl, nodeId, heartbeatMs] = process.argv.slice(2);
  const { startBroker } = await import('../../broker/broker.ts');
  const broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, cluster: { redisUrl, nodeId, heartbeatMs: Number(heartbeatMs) }, logger: pino({ level: 'warn' }, process.stderr) });
  process.stdout.write(`${broker.tcpUrl}\n`);
  // Its stdin is the test's pipe: a test run that dies takes this node with it.
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}
