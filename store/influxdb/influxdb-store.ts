import { HttpError, InfluxDB, type QueryApi, type Transport, type WriteApi } from '@influxdata/influxdb-client';
import { HeatScadaError, isHeatScadaError, type ErrorCode } from '../../model/errors.ts';
import type { LatestFilter, RangeQuery, SeriesKey, SeriesRange, StoredPoint, SubstationStatus, TimeSeriesStore } from '../../model/store.ts';
import { checkBatch, checkRangeQuery, checkSeries, checkSpan, checkStatus } from '../rules.ts';
import {
  checkInfluxBatch,
  countBeforeFlux,
  countFlux,
  deleteBody,
  latestFlux,
  parseCount,
  parseLatestRow,
  parseRangeRows,
  parseStatusRow,
  pointLine,
  rangeFlux,
  statusLine,
  statusesFlux,
  type FluxRow,
} from './flux.ts';

// The store for InfluxDB 2.x (and anything speaking its v2 write API and Flux): one
// measurement `heatscada` tagged by substation and tag, statuses in `heatscada_status`.
// README.md says what "atomic" can mean over HTTP and which InfluxDB versions answer Flux.

export interface InfluxStoreOptions {
  url: string;
  token?: string;
  org: string;
  bucket: string;
  /** Lines per HTTP write request. Default 5000 (InfluxData's recommended batch). */
  batchLines?: number;
  /** Socket timeout per request, ms. Default 10,000. */
  timeoutMs?: number;
  /** Replaces the client's HTTP transport: a proxy-aware stack, or a fake in tests. */
  transport?: Transport;
}

const DEFAULTS = { batchLines: 5000, timeoutMs: 10_000 };

function reason(e: unknown): string {
  if (e instanceof HttpError) return `HTTP ${e.statusCode}: ${e.body ?? e.message}`;
  return (e as Error).message;
}

export class InfluxStore implements TimeSeriesStore {
  private readonly client: InfluxDB;
  private readonly writeApi: WriteApi;
  private readonly queryApi: QueryApi;
  private readonly bucket: string;
  private readonly org: string;
  private readonly batchLines: number;
  private closed = false;

  constructor(opts: InfluxStoreOptions) {
    const o = { ...DEFAULTS, ...opts };
    this.client = new InfluxDB({ url: o.url, token: o.token, timeout: o.timeoutMs, transport: o.transport });
    this.bucket = o.bucket;
    this.org = o.org;
    this.batchLines = o.batchLines;
    // Only write() sends: no timer, no size-triggered background flush, no background retry
    // (a failed request rejects write(); the historian retries the whole batch).
    this.writeApi = this.client.getWriteApi(o.org, o.bucket, 'ms', {
      batchSize: o.batchLines + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
    });
    this.queryApi = this.client.getQueryApi(o.org);
  }

  /** Checks the server answers (GET /ping), so a wrong URL fails at start. */
  async ping(): Promise<void> {
    await this.call('HS_ERR_STORE_OPEN', () => this.client.transport.request('/ping', '', { method: 'GET' }));
  }

  /**
   * Sends the batch in requests of batchLines lines, one after another, and resolves once all
   * were accepted. Everything is checked before the first request; a request failing part-way
   * leaves the earlier ones written (HTTP offers no transaction), and since a rewrite of a point
   * replaces it, retrying the whole batch converges.
   */
  async write(points: readonly StoredPoint[]): Promise<void> {
    this.open();
    checkBatch(points);
    checkInfluxBatch(points);
    const lines = points.map(pointLine);
    for (let i = 0; i < lines.length; i += this.batchLines) {
      const chunk = lines.slice(i, i + this.batchLines);
      // writeRecords + flush in one tick: the flush sends exactly this chunk, even with concurrent writes.
      await this.call('HS_ERR_STORE_WRITE', () => {
        this.writeApi.writeRecords(chunk);
        return this.writeApi.flush();
      });
    }
  }

  async latest(filter: LatestFilter = {}): Promise<StoredPoint[]> {
    this.open();
    if (filter.substations?.length === 0 || filter.tags?.length === 0) return [];
    return (await this.rows(latestFlux(this.bucket, filter))).map(parseLatestRow);
  }

  async range(query: RangeQuery): Promise<SeriesRange[]> {
    this.open();
    checkRangeQuery(query);
    if (query.series.length === 0) return [];
    const rows = query.from === query.to ? [] : await this.rows(rangeFlux(this.bucket, query));
    return parseRangeRows(rows, query);
  }

  async count(series: SeriesKey, from: number, to: number): Promise<number> {
    this.open();
    checkSeries(series, '/series');
    checkSpan(from, to);
    return from === to ? 0 : parseCount(await this.rows(countFlux(this.bucket, series, from, to)));
  }

  async setStatus(status: SubstationStatus): Promise<void> {
    this.open();
    checkStatus(status);
    await this.call('HS_ERR_STORE_WRITE', () => {
      this.writeApi.writeRecord(statusLine(status));
      return this.writeApi.flush();
    });
  }

  /** The newest status of each substation (by ts, so an older replayed BIRTH does not win). */
  async statuses(): Promise<SubstationStatus[]> {
    this.open();
    return (await this.rows(statusesFlux(this.bucket))).map(parseStatusRow).sort((a, b) => a.substation.localeCompare(b.substation));
  }

  /**
   * Deletes raw points before the cut-off with the delete API (InfluxDB 2.x; not InfluxDB 3 or
   * Cloud Serverless). Prefer the bucket's own retention period: it drops whole shards, for free.
   * Returns how many points there were before the cut-off, counted just before the delete.
   */
  async applyRetention(olderThanMs: number): Promise<number> {
    this.open();
    checkSpan(olderThanMs, olderThanMs);
    if (olderThanMs === 0) return 0;
    const dropped = parseCount(await this.rows(countBeforeFlux(this.bucket, olderThanMs)));
    const path = `/api/v2/delete?org=${encodeURIComponent(this.org)}&bucket=${encodeURIComponent(this.bucket)}`;
    await this.call('HS_ERR_STORE_WRITE', () => this.client.transport.request(path, deleteBody(olderThanMs), { method: 'POST' }));
    return dropped;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeApi.close();
  }

  private open(): void {
    if (this.closed) throw new HeatScadaError('HS_ERR_STORE_CLOSED', undefined, this.bucket);
  }

  private rows(flux: string): Promise<FluxRow[]> {
    return this.call('HS_ERR_STORE_READ', () => this.queryApi.collectRows<FluxRow>(flux));
  }

  /** Runs a client call, turning its errors into the catalogue's with the server's answer. */
  private async call<T>(code: ErrorCode, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (e) {
      if (isHeatScadaError(e)) throw e;
      throw new HeatScadaError(code, reason(e), this.bucket);
    }
  }
}

/** Opens the store and checks the server answers. */
export async function openInfluxStore(opts: InfluxStoreOptions): Promise<InfluxStore> {
  const store = new InfluxStore(opts);
  try {
    await store.ping();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
