import { randomUUID } from 'node:crypto';
import { HeatScadaError, isHeatScadaError, type ErrorCode } from '../../model/errors.ts';
import type { LatestFilter, RangeQuery, SeriesKey, SeriesRange, StoredPoint, SubstationStatus, TimeSeriesStore } from '../../model/store.ts';
import { QUALITY_CODE, checkBatch, checkRangeQuery, checkSeries, checkSpan, checkStatus, latestValue, numericValue, qualityOf } from '../rules.ts';
import { csvNumber, csvString, sqlIdentifier, sqlString, sqlUInt } from './escape.ts';
import { NodeSet, serverCode } from './nodes.ts';
import {
  bucketRangeSql,
  countSql,
  latestCutSql,
  latestSql,
  pendingDeletesSql,
  rawRangeSql,
  retentionCountSql,
  rollupInsertSql,
  statusesSql,
  type BucketRow,
  type LatestRow,
  type RawRow,
  type StatusRow,
} from './queries.ts';
import { TABLES, schemaStatements, tableName, type Layout } from './schema.ts';

// The TimeSeriesStore on ClickHouse, one server or a cluster of shards and replicas
// (README.md: schema, cluster mode, what 18.16 forced). Talks HTTP through @clickhouse/client.

export interface ClickHouseStoreOptions {
  /** One or more nodes' HTTP URLs; requests fail over from one to the next. */
  urls: readonly string[];
  /** Default heatscada. */
  database?: string;
  /** The <remote_servers> cluster: ReplicatedMergeTree tables behind Distributed ones. */
  cluster?: string;
  username?: string;
  password?: string;
  /** Per HTTP request, ms. Default 30,000. */
  requestTimeoutMs?: number;
  /** How long ON CLUSTER DDL waits for every node, ms. Default 60,000. */
  ddlTimeoutMs?: number;
  /** Rows per INSERT request. Default 200,000. */
  batchRows?: number;
}

const DEFAULTS = { database: 'heatscada', requestTimeoutMs: 30_000, ddlTimeoutMs: 60_000, batchRows: 200_000 };
const POINT_COLUMNS = ['substation', 'tag', 'ts', 'value', 'quality', 'historical', 'version'] as const;
/** Rows per chunk of an INSERT's body: large enough to be cheap, small enough to overlap with the server's parsing. */
const CSV_CHUNK_ROWS = 8192;
/** TIMEOUT_EXCEEDED: an ON CLUSTER task some node has not run yet; it stays queued and runs when the node is back. */
const DDL_TIMEOUT = 159;

const key = (s: SeriesKey): string => `${s.substation}\u0000${s.tag}`;

export class ClickHouseStore implements TimeSeriesStore {
  readonly layout: Layout;
  private readonly nodes: NodeSet;
  private readonly batchRows: number;
  private readonly ddlTimeoutMs: number;
  private lastVersion = 0;
  private closed = false;

  constructor(opts: ClickHouseStoreOptions) {
    const o = { ...DEFAULTS, ...opts };
    if (o.urls.length === 0) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'at least one ClickHouse URL is needed', '/urls');
    this.layout = { database: sqlIdentifier(o.database, '/database'), cluster: o.cluster === undefined ? undefined : sqlIdentifier(o.cluster, '/cluster') };
    this.batchRows = o.batchRows;
    this.ddlTimeoutMs = o.ddlTimeoutMs;
    this.nodes = new NodeSet({
      urls: o.urls,
      username: o.username,
      password: o.password,
      requestTimeoutMs: o.requestTimeoutMs,
      settings: {
        // UInt64 (ts, counts) as JSON numbers: every ms timestamp is below 2^53.
        output_format_json_quote_64bit_integers: 0,
        // A rewrite must land even when its block equals one sent before (the store's upsert).
        insert_deduplicate: 0,
        // A Distributed INSERT returns once the shards have it, not when it is queued on this node.
        // Reads and writes both go to the first live replica of each shard, so a reader sees
        // what was just written; a replica still catching up after a restart is passed over.
        ...(this.layout.cluster ? { insert_distributed_sync: 1, load_balancing: 'in_order', max_replica_delay_for_distributed_queries: '1' } : {}),
      },
    });
  }

  /** The node requests go to now. */
  get url(): string {
    return this.nodes.url;
  }

  /** Creates the database and tables unless the node already has them all (so a restart needs no other node). */
  async migrate(): Promise<void> {
    const { database } = this.layout;
    const [{ n }] = await this.call('HS_ERR_STORE_OPEN', () =>
      this.nodes.rows<{ n: number }>(`SELECT count() AS n FROM system.tables WHERE database = ${sqlString(database)} AND name IN (${TABLES.map(sqlString).join(', ')})`),
    );
    if (n === TABLES.length) return;
    for (const statement of schemaStatements(this.layout)) {
      await this.call('HS_ERR_STORE_OPEN', () => this.nodes.command(statement, { distributed_ddl_task_timeout: String(Math.ceil(this.ddlTimeoutMs / 1000)) }));
    }
  }

  /**
   * Checks every point, then sends CSV in requests of batchRows. Nothing is sent for a batch
   * with a bad point. A request failing part-way leaves earlier ones stored (HTTP offers no
   * transaction); a rewrite replaces, so retrying the whole batch converges.
   */
  async write(points: readonly StoredPoint[]): Promise<void> {
    this.open();
    checkBatch(points);
    if (points.length === 0) return;
    // Later writes get higher versions, also within a batch: the last write of a (series, ts) wins.
    const base = Math.max(this.lastVersion + 1, Date.now() * 1000);
    this.lastVersion = base + points.length;
    const row = (p: StoredPoint, version: number): string =>
      `${csvString(p.substation)},${csvString(p.tag)},${p.ts},${csvNumber(numericValue(p.value))},${QUALITY_CODE[p.quality]},${p.historical ? 1 : 0},${version}\n`;
    for (let start = 0; start < points.length; start += this.batchRows) {
      const end = Math.min(start + this.batchRows, points.length);
      const chunks = function* (): Iterable<string> {
        for (let i = start; i < end; i += CSV_CHUNK_ROWS) {
          let csv = '';
          for (let j = i; j < Math.min(i + CSV_CHUNK_ROWS, end); j++) csv += row(points[j], base + j);
          yield csv;
        }
      };
      await this.call('HS_ERR_STORE_WRITE', () => this.nodes.insertCsv(tableName(this.layout, 'points'), POINT_COLUMNS, chunks));
    }
  }

  async latest(filter: LatestFilter = {}): Promise<StoredPoint[]> {
    this.open();
    if (filter.substations?.length === 0 || filter.tags?.length === 0) return [];
    const rows = await this.rows<LatestRow>(latestSql(this.layout, filter));
    return rows.map((r) => ({ substation: r.substation, tag: r.tag, ts: r.newest_ts, value: latestValue(r.tag, r.v), quality: qualityOf(r.q), historical: r.h === 1 }));
  }

  async range(query: RangeQuery): Promise<SeriesRange[]> {
    this.open();
    checkRangeQuery(query);
    const bySeries = new Map(query.series.map((s) => [key(s), [] as SeriesRange['points']]));
    if (query.series.length > 0 && query.from < query.to) {
      const { series, from, to, stepMs } = query;
      if (stepMs === undefined) {
        for (const r of await this.rows<RawRow>(rawRangeSql(this.layout, series, from, to))) bySeries.get(key(r))?.push({ ts: r.ts, value: r.v, quality: qualityOf(r.q) });
      } else {
        for (const r of await this.rows<BucketRow>(bucketRangeSql(this.layout, series, from, to, stepMs, query.agg ?? 'avg'))) {
          bySeries.get(key(r))?.push({ ts: r.bucket, value: r.v, quality: qualityOf(r.q) });
        }
      }
    }
    return query.series.map((s) => ({ ...s, points: [...bySeries.get(key(s))!] }));
  }

  async count(series: SeriesKey, from: number, to: number): Promise<number> {
    this.open();
    checkSeries(series, '/series');
    checkSpan(from, to);
    if (from === to) return 0;
    const [{ n }] = await this.rows<{ n: number }>(countSql(this.layout, series, from, to));
    return n;
  }

  setStatus(status: SubstationStatus): Promise<void> {
    return this.setStatuses([status]);
  }

  async setStatuses(statuses: readonly SubstationStatus[]): Promise<void> {
    this.open();
    statuses.forEach(checkStatus);
    if (statuses.length === 0) return;
    const csv = statuses.map((s) => `${csvString(s.substation)},${s.online ? 1 : 0},${s.ts}\n`).join('');
    await this.call('HS_ERR_STORE_WRITE', () => this.nodes.insertCsv(tableName(this.layout, 'statuses'), ['substation', 'online', 'ts'], () => [csv]));
  }

  async statuses(): Promise<SubstationStatus[]> {
    this.open();
    return (await this.rows<StatusRow>(statusesSql(this.layout))).map((r) => ({ substation: r.substation, online: r.online === 1, ts: r.newest_ts }));
  }

  /**
   * Rolls the raw points before the cut-off (and after the last run's) up into minutes,
   * commits the run (its rollups count from then on, where no raw point is left), deletes the
   * raw points with a mutation (ALTER TABLE … DELETE; in a cluster queued for nodes that are
   * down) and waits until the nodes it reaches have run it. A run that stops before its
   * commit leaves rollups no read counts, and no raw point lost.
   */
  async applyRetention(olderThanMs: number): Promise<number> {
    this.open();
    checkSpan(olderThanMs, olderThanMs);
    const [{ cut: previous }] = await this.rows<{ cut: number }>(latestCutSql(this.layout));
    const [{ n }] = await this.rows<{ n: number }>(retentionCountSql(this.layout, olderThanMs));
    if (n === 0) return 0;
    const run = randomUUID();
    if (olderThanMs > previous) {
      await this.call('HS_ERR_STORE_WRITE', () => this.nodes.command(rollupInsertSql(this.layout, run, previous, olderThanMs)));
      await this.call('HS_ERR_STORE_WRITE', () =>
        this.nodes.insertCsv(tableName(this.layout, 'retention_runs'), ['run', 'cut', 'at'], () => [`${csvString(run)},${sqlUInt(olderThanMs)},${Date.now()}\n`]),
      );
    }
    const { database, cluster } = this.layout;
    const del = cluster
      ? `ALTER TABLE ${database}.points_local ON CLUSTER ${cluster} DELETE WHERE ts < ${sqlUInt(olderThanMs)}`
      : `ALTER TABLE ${database}.points DELETE WHERE ts < ${sqlUInt(olderThanMs)}`;
    await this.call('HS_ERR_STORE_WRITE', () => this.nodes.command(del, { distributed_ddl_task_timeout: String(Math.ceil(this.ddlTimeoutMs / 1000)) })).catch((e: unknown) => {
      if (serverCode(e) !== DDL_TIMEOUT) throw e;
    });
    await this.untilDeletesDone();
    return n;
  }

  /** Waits until no node it reaches has a DELETE of points left to run, up to ddlTimeoutMs; a node that is down runs it when back. */
  private async untilDeletesDone(): Promise<void> {
    const deadline = Date.now() + this.ddlTimeoutMs;
    for (;;) {
      const pending = await this.call('HS_ERR_STORE_WRITE', () => this.nodes.rowsOnEveryNode<{ n: number }>(pendingDeletesSql(this.layout)));
      if (pending.every(([row]) => row.n === 0) || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.nodes.close();
  }

  private open(): void {
    if (this.closed) throw new HeatScadaError('HS_ERR_STORE_CLOSED', undefined, this.layout.database);
  }

  private rows<T>(sql: string): Promise<T[]> {
    return this.call('HS_ERR_STORE_READ', () => this.nodes.rows<T>(sql));
  }

  /** Runs a request, turning its errors into the catalogue's with the server's answer. */
  private async call<T>(code: ErrorCode, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (e) {
      if (isHeatScadaError(e)) throw e;
      throw new HeatScadaError(code, `${this.nodes.url}: ${(e as Error).message}`, this.layout.database);
    }
  }
}

/** Opens the store: checks a node answers and creates the tables if missing. */
export async function openClickHouseStore(opts: ClickHouseStoreOptions): Promise<ClickHouseStore> {
  const store = new ClickHouseStore(opts);
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
