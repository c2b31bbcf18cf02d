import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The takeover of a hot-standby pair, measured on the lease alone (what bounds it: the time a
// crashed holder's lease takes to lapse, plus the standby's poll): two holders of one key, each
// its own process; the active one is SIGKILLed and the clock runs until the other says it is
// active. Control and alarms act on their next cycle after that.

const HOLDER = fileURLToPath(new URL('./lease-holder.ts', import.meta.url));

interface Holder {
  child: ChildProcess;
  /** Resolves with Date.now() when the holder says it is active. */
  active: Promise<number>;
}

function holder(redisUrl: string, key: string, instanceId: string): Holder {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, redisUrl, key, instanceId], { stdio: ['ignore', 'pipe', 'inherit'] });
  const active = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString('utf8').includes('active')) resolve(Date.now());
    });
    child.once('exit', (code, signal) => reject(new Error(`lease holder ${instanceId} exited (${signal ?? code}) before it was active`)));
  });
  active.catch(() => undefined);
  return { child, active };
}

const killed = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

/** Seconds from the active holder's SIGKILL to the standby's taking over, one per trial. */
export async function leaseTakeovers(redisUrl: string, trials: number): Promise<number[]> {
  const seconds: number[] = [];
  for (let t = 0; t < trials; t++) {
    const key = `heatscada:lease:bench:${t}`;
    const a = holder(redisUrl, key, 'a');
    await a.active;
    const b = holder(redisUrl, key, 'b');
    // b stands by: it has started and tried (a second) before the kill.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const killMs = Date.now();
    await killed(a.child);
    seconds.push((await b.active - killMs) / 1000);
    await killed(b.child);
  }
  return seconds;
}
