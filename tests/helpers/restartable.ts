// A service a test stops and starts again, e.g. to see what survives a restart: launch makes a
// new one each time (on the same port, the same database, as launch has it).

export interface Restartable<T> {
  /** The one running now; the last one, still readable, while stopped. */
  readonly current: T;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startRestartable<T extends { close(): Promise<void> }>(launch: () => Promise<T>): Promise<Restartable<T>> {
  let current = await launch();
  let running = true;
  return {
    get current() {
      return current;
    },
    async stop() {
      if (running) await current.close();
      running = false;
    },
    async start() {
      if (running) return;
      current = await launch();
      running = true;
    },
  };
}
