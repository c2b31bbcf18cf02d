// What every engine we start on loopback shares: spawn it as a child, wait until it answers as
// itself (a port already taken answers too, as another process), and end it by its pid.

import { spawn } from 'node:child_process';
import { HeatScadaError } from '../../model/errors.ts';

export interface ChildServer {
  readonly pid: number;
  /** SIGKILL, as a crash would. Resolves once the process has exited. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after killAfterMs; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface ChildServerSpec {
  /** How to name it in errors, e.g. "clickhouse-server on 127.0.0.1:8123". */
  name: string;
  binary: string;
  args: readonly string[];
  cwd?: string;
  /** Said when the binary cannot be started, e.g. "apt-get install clickhouse-server". */
  install: string;
  /** True once the server answers and is this child. Called every pollMs until readyTimeoutMs. */
  answersAsItself: (pid: number) => Promise<boolean>;
  readyTimeoutMs: number;
  pollMs?: number;
  killAfterMs?: number;
}

/** Starts the child and resolves once it answers as itself; a child that exits or never answers is a clear error. */
export async function startChildServer(spec: ChildServerSpec): Promise<ChildServer> {
  const child = spawn(spec.binary, [...spec.args], { cwd: spec.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer): void => void (output = (output + b.toString()).slice(-2000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  if (spawned) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `cannot start ${spec.binary} (${spec.install}): ${spawned.message}`);
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (gone()) return;
    child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), spec.killAfterMs ?? 5000);
    await exited;
    clearTimeout(force);
  };
  const deadline = Date.now() + spec.readyTimeoutMs;
  for (;;) {
    const why = gone() ? `exited with code ${child.exitCode ?? child.signalCode}` : Date.now() > deadline ? `no answer within ${spec.readyTimeoutMs} ms` : undefined;
    if (why) {
      await end('SIGKILL');
      throw new Error(`${spec.name} did not start: ${why}; it said: ${output.trim().slice(-600)}`);
    }
    if (await spec.answersAsItself(child.pid!).catch(() => false)) break;
    await new Promise((r) => setTimeout(r, spec.pollMs ?? 100));
  }
  return { pid: child.pid!, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}
