// One TCP connection per Modbus endpoint (host:port), shared by every device (unit id) behind
// it: gateways accept few connections, and one link sending one request at a time is what
// they handle best. The link reconnects with back-off on its own until its last user leaves.

import net from 'node:net';
import modbusSerial from 'modbus-serial';
import { SharedByKey, backoffDelay, errorText, wait, type Logger, type ReconnectConfig } from '../driver-support.ts';

// modbus-serial's typings are CommonJS: under NodeNext the default import is the module
// object, whose `default` is the client class.
const ModbusRTU = modbusSerial.default;
export type ModbusClient = InstanceType<typeof ModbusRTU>;

/** Requests in a row that got no answer at all before the link is dropped and reopened (a half-open TCP). */
const TIMEOUTS_BEFORE_RECONNECT = 3;

export type LinkStatus = 'connecting' | 'up' | 'down';

/** The request never reached a PLC, or its answer never came back: the link is down. */
export class LinkDownError extends Error {
  override readonly name = 'LinkDownError';
}

export interface LinkOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  reconnect: ReconnectConfig;
  log: Logger;
}

type Callback<T> = (err: Error | null, result: T) => void;
type StatusListener = (status: LinkStatus, reason?: string) => void;

interface OpenLink {
  client: ModbusClient;
  /** Settles (never rejects) when this connection is gone, whoever closed it. */
  closed: Promise<void>;
  /** Aborted when this connection is gone: what a request waits on besides its answer. */
  gone: AbortSignal;
  drop(reason: string): void;
}

const links = new SharedByKey<ModbusLink>();

/** The shared link to host:port, opened on first use. Give it back with release(). */
export function acquireLink(options: LinkOptions): ModbusLink {
  const key = `${options.host}:${options.port}`;
  return links.acquire(key, () => new ModbusLink(options, () => links.release(key) !== undefined));
}

export class ModbusLink {
  #status: LinkStatus = 'connecting';
  #reason: string | undefined;
  #open: OpenLink | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #timeoutsInARow = 0;
  readonly #listeners = new Set<StatusListener>();
  readonly #stop = new AbortController();
  readonly #running: Promise<void>;
  readonly #firstAttempt: Promise<void>;

  constructor(
    private readonly options: LinkOptions,
    /** Gives one use back; true when it was the last. */
    private readonly giveBack: () => boolean,
  ) {
    let settleFirst!: () => void;
    this.#firstAttempt = new Promise((resolve) => {
      settleFirst = resolve;
    });
    this.#running = this.#maintain(settleFirst);
  }

  get status(): LinkStatus {
    return this.#status;
  }

  /** Why the link is down, while it is. */
  get reason(): string | undefined {
    return this.#reason;
  }

  /** Resolves once the first connection attempt has succeeded or failed. */
  ready(): Promise<void> {
    return this.#firstAttempt;
  }

  onStatus(listener: StatusListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Sends one request when the ones before it are done. Rejects with LinkDownError when the
   * link is down or drops meanwhile, with modbus-serial's error for a timeout or an exception.
   */
  request<T>(timeoutMs: number, send: (client: ModbusClient, done: Callback<T>) => void): Promise<T> {
    const run = async (): Promise<T> => {
      const open = this.#open;
      if (!open || this.#status !== 'up') throw new LinkDownError(this.#reason ?? 'not connected');
      open.client.setTimeout(timeoutMs);
      try {
        const result = await answerUnlessGone(open, send, () => this.#reason ?? 'connection closed');
        this.#timeoutsInARow = 0;
        return result;
      } catch (err) {
        this.#count(err, open);
        throw err;
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Gives the link back; the last user closes it. */
  async release(): Promise<void> {
    if (!this.giveBack()) return;
    this.#stop.abort();
    this.#open?.drop('closed');
    await this.#running;
  }

  /** An exception is an answer; only silence counts towards reopening the connection. */
  #count(err: unknown, open: OpenLink): void {
    if ((err as { errno?: unknown }).errno !== 'ETIMEDOUT') {
      if (!(err instanceof LinkDownError)) this.#timeoutsInARow = 0;
      return;
    }
    if (++this.#timeoutsInARow >= TIMEOUTS_BEFORE_RECONNECT) {
      this.#timeoutsInARow = 0;
      open.drop(`${TIMEOUTS_BEFORE_RECONNECT} requests unanswered`);
    }
  }

  #setStatus(status: LinkStatus, reason?: string): void {
    this.#reason = status === 'up' ? undefined : reason;
    if (status === this.#status) return;
    this.#status = status;
    this.options.log.info({ status, reason }, 'modbus link');
    for (const listener of this.#listeners) listener(status, reason);
  }

  /** Connects, waits for the connection to go, reconnects: back-off after each failed attempt. */
  async #maintain(settleFirst: () => void): Promise<void> {
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const open = await this.#connect();
        if (signal.aborted) {
          open.drop('closed');
          break;
        }
        this.#open = open;
        failures = 0;
        this.#setStatus('up');
        settleFirst();
        await open.closed;
        this.#open = undefined;
        if (!signal.aborted) this.#setStatus('down', this.#reason ?? 'connection closed');
      } catch (err) {
        const delayMs = backoffDelay(this.options.reconnect, failures++);
        this.#setStatus('down', errorText(err));
        settleFirst();
        this.options.log.debug({ delay_ms: delayMs, error: errorText(err) }, 'modbus reconnect scheduled');
        if (!(await wait(delayMs, signal))) break;
      }
    }
    this.#setStatus('down', 'closed');
    settleFirst();
  }

  async #connect(): Promise<OpenLink> {
    const { host, port, connectTimeoutMs } = this.options;
    // The socket is ours, not modbus-serial's: its 'close' is the one reliable end-of-link signal.
    const socket = net.connect({ host, port });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`connect to ${host}:${port} timed out`)), connectTimeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
    } catch (err) {
      socket.destroy();
      throw err;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('error', (err) => {
      this.#reason = errorText(err);
    });
    const client = new ModbusRTU();
    await client.linkTCP(socket, { port });
    const gone = new AbortController();
    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      markClosed = resolve;
    });
    const drop = (reason: string): void => {
      if (gone.signal.aborted) return;
      this.#reason ??= reason;
      // destroy() also cancels the timers of requests still waiting for an answer.
      client.destroy(() => undefined);
      socket.destroy();
      gone.abort();
      markClosed();
    };
    socket.once('close', () => drop('connection closed by the device'));
    return { client, closed, gone: gone.signal, drop };
  }
}

/**
 * One request's answer, or LinkDownError when its connection goes first. The watch on the
 * connection ends with the request: a reaction per request on a promise that lives as long as
 * the link (a Promise.race with `closed`) kept every answer of the link's life in memory, the
 * collector's RSS growth in the soak.
 */
async function answerUnlessGone<T>(open: OpenLink, send: (client: ModbusClient, done: Callback<T>) => void, reason: () => string): Promise<T> {
  if (open.gone.aborted) throw new LinkDownError(reason());
  let onGone!: () => void;
  const answer = new Promise<T>((resolve, reject) => {
    onGone = () => reject(new LinkDownError(reason()));
    send(open.client, (err, result) => (err ? reject(err) : resolve(result)));
  });
  open.gone.addEventListener('abort', onGone, { once: true });
  try {
    return await answer;
  } finally {
    open.gone.removeEventListener('abort', onGone);
  }
}
