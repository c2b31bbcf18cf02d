// One role of the platform as its own process (`heatscada <role>`), started, killed hard and
// started again by whoever runs the platform as separate processes (the soak, the local
// cluster). It keeps the role's lives (when each began, answered, ended) and the health lines
// it logged, and copies its output to a log file.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProcessHealth } from '../bin/process-health.ts';

export interface RoleLife {
  pid: number;
  startedMs: number;
  /** When it printed its summary: it serves from here on. */
  readyMs?: number;
  endedMs?: number;
  killed: boolean;
}

export interface HealthSample extends ProcessHealth {
  ms: number;
  life: number;
}

const CLI = fileURLToPath(new URL('../bin/heatscada.ts', import.meta.url));

/** Whatever ends the run (an error, Ctrl-C), it leaves no role running. */
const living = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});
const READY_TIMEOUT_MS = 120_000;

/** R: the `heatscada` subcommand it runs (simulate, broker, collect, historian, …). */
export class RoleProcess<R extends string = string> {
  readonly lives: RoleLife[] = [];
  readonly samples: HealthSample[] = [];
  private child: ChildProcess | undefined;
  private readonly log: fs.WriteStream;

  constructor(
    readonly role: R,
    private readonly args: readonly string[],
    logFile: string,
  ) {
    this.log = fs.createWriteStream(logFile, { flags: 'a' });
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the role and resolves when it says what it serves (its summary on stdout). */
  start(): Promise<void> {
    if (this.child) throw new Error(`${this.role} is already running`);
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, this.role, ...this.args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HEATSCADA_LOG_LEVEL: 'info' } });
    this.child = child;
    living.add(child);
    const life: RoleLife = { pid: child.pid ?? -1, startedMs: Date.now(), killed: false };
    const index = this.lives.push(life) - 1;
    let stderrRest = '';
    let lastLine = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      this.log.write(chunk);
      const lines = (stderrRest + chunk.toString('utf8')).split('\n');
      stderrRest = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() !== '') lastLine = line;
        this.onLogLine(line, index);
      }
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.role} did not start within ${READY_TIMEOUT_MS / 1000} s (log: ${this.log.path})`)), READY_TIMEOUT_MS);
      child.stdout!.on('data', (chunk: Buffer) => {
        this.log.write(chunk);
        if (life.readyMs === undefined) {
          life.readyMs = Date.now();
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        life.endedMs = Date.now();
        living.delete(child);
        if (this.child === child) this.child = undefined;
        clearTimeout(timer);
        // Its last words say why: a CI log shows them where the log file is gone.
        const why = (stderrRest || lastLine).trim();
        if (life.readyMs === undefined) reject(new Error(`${this.role} exited (${signal ?? code}) before it started${why ? `: ${why}` : ''} (log: ${this.log.path})`));
      });
    });
  }

  /** SIGKILL: no clean stop, as a power cut or an OOM kill would. */
  kill(): Promise<void> {
    return this.end('SIGKILL');
  }

  stop(): Promise<void> {
    return this.end('SIGTERM');
  }

  close(): void {
    this.log.end();
  }

  private end(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    this.lives[this.lives.length - 1].killed = signal === 'SIGKILL';
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  private onLogLine(line: string, life: number): void {
    if (!line.includes('"process_health"')) return;
    try {
      const entry = JSON.parse(line) as ProcessHealth & { time?: number; event?: string };
      if (entry.event === 'process_health') this.samples.push({ ...entry, ms: entry.time ?? Date.now(), life });
    } catch {
      // a line torn by the kill
    }
  }
}
