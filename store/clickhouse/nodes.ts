import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';

// Several ClickHouse nodes behind one handle: a request goes to the node that answered last and,
// when that node cannot be reached, to the next one. An answer from a node (an SQL error, a
// timeout inside the cluster) is final: another node would say the same.

export interface NodeSetOptions {
  urls: readonly string[];
  username?: string;
  password?: string;
  requestTimeoutMs: number;
  /** Sent with every request (URL parameters: 18.16 accepts no SETTINGS clause on INSERT). */
  settings: ClickHouseSettings;
}

/** Errors of the connection itself: the node is down or unreachable, not the query wrong. */
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|socket hang up|Timeout error|other side closed/i;

export function isUnreachable(e: unknown): boolean {
  const error = e as NodeJS.ErrnoException;
  return UNREACHABLE.test(`${error?.code ?? ''} ${error?.message ?? ''} ${(error?.cause as Error | undefined)?.message ?? ''}`);
}

/** The server's error code in an answer ("Code: 159, e.displayText() = …" in 18.16, "Code: 159. DB::Exception" later). */
export function serverCode(e: unknown): number | undefined {
  const match = /Code: (\d+)/.exec((e as Error)?.message ?? '');
  return match ? Number(match[1]) : undefined;
}

export class NodeSet {
  private readonly clients: ClickHouseClient[];
  private current = 0;

  constructor(readonly options: NodeSetOptions) {
    this.clients = options.urls.map((url) =>
      createClient({
        url,
        username: options.username,
        password: options.password,
        request_timeout: options.requestTimeoutMs,
        clickhouse_settings: options.settings,
        // 18.16 closes idle connections after 3 s; the client's default reuse window is shorter.
        keep_alive: { enabled: true },
        // Every failure reaches the caller as an HS_ERR_STORE_… error, logged as JSON by the role;
        // the client's own console lines would only repeat it unstructured.
        log: { level: ClickHouseLogLevel.OFF },
      }),
    );
  }

  /** The URL requests go to now. */
  get url(): string {
    return this.options.urls[this.current];
  }

  async rows<T>(query: string): Promise<T[]> {
    return this.onAnyNode(async (client) => (await client.query({ query, format: 'JSONEachRow' })).json<T>());
  }

  /** Asks every node that answers (for system tables, which are per node); nodes that are down are left out. */
  async rowsOnEveryNode<T>(query: string): Promise<T[][]> {
    const answers = await Promise.allSettled(this.clients.map(async (client) => (await client.query({ query, format: 'JSONEachRow' })).json<T>()));
    const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected' && !isUnreachable(a.reason));
    if (failed) throw failed.reason;
    return answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  }

  async command(query: string, settings?: ClickHouseSettings): Promise<void> {
    await this.onAnyNode((client) => client.command({ query, clickhouse_settings: settings }));
  }

  /**
   * Streams CSV chunks as one INSERT, each chunk made only when the request wants more: the
   * server parses one while the next is built. A failed-over retry makes them again.
   */
  async insertCsv(table: string, columns: readonly string[], chunks: () => Iterable<string>, settings?: ClickHouseSettings): Promise<void> {
    await this.onAnyNode((client) => {
      const body = Readable.from(
        (function* () {
          for (const chunk of chunks()) yield Buffer.from(chunk);
        })(),
        { objectMode: false },
      );
      return client.insert({ table, columns: [...columns] as [string, ...string[]], format: 'CSV', values: body, clickhouse_settings: settings });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }

  /** Tries the current node, then each other one once; the last unreachable error if none answers. */
  private async onAnyNode<T>(step: (client: ClickHouseClient) => Promise<T>): Promise<T> {
    let last: unknown;
    for (let tried = 0; tried < this.clients.length; tried++) {
      const index = (this.current + tried) % this.clients.length;
      try {
        const result = await step(this.clients[index]);
        this.current = index;
        return result;
      } catch (e) {
        if (!isUnreachable(e)) throw e;
        last = e;
      }
    }
    throw last;
  }
}
