// A redis-server of Debian's on loopback, started as a child process and stopped by its pid:
// the coordinator that `npm run cluster:local`, the cluster benchmark and the tests start for
// themselves. Nothing is saved to disk (a cluster's Redis carries sessions, retained messages,
// leases and socket.io's fan-out, all of which rebuild), so a stop leaves no files behind.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { HeatScadaError } from '../../model/errors.ts';

export interface RedisServer {
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly pid: number;
  /** SIGKILL, as a crash would: what the server held in memory is gone. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

const BINARY = '/usr/bin/redis-server';
const READY_TIMEOUT_MS = 10_000;

/** Starts redis-server on 127.0.0.1:port; resolves when it answers, as itself. */
export async function startRedisServer(port: number): Promise<RedisServer> {
  const child = spawn(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-2000)));
  child.stderr?.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  if (spawned) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `cannot start ${BINARY} (apt-get install redis-server): ${spawned.message}`);
  try {
    await untilPong(port, child);
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`redis-server on port ${port} did not start: ${(e as Error).message}; it said: ${output.trim().slice(-500)}`);
  }
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(force);
  };
  return { port, url: `redis://127.0.0.1:${port}`, pid: child.pid!, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

async function untilPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    if (await answersAs(port, child.pid!)) return;
    if (Date.now() > deadline) throw new Error(`no answer within ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True when the server on the port is this child (a port already taken answers too, as another process). */
function answersAs(port: number, pid: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    let reply = '';
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (b) => {
      reply += b.toString();
      if (reply.includes('\r\nprocess_id:')) done(new RegExp(`\r\nprocess_id:${pid}\r\n`).test(reply));
    });
  });
}
