// The OPC UA driver: one PLC (alone on its endpoint or one of a group), its tags monitored on a
// shared subscription so the server pushes changes; read() reads every node in one request;
// writes go as the node's own DataType and are read back.

import { AttributeIds, type DataType, type DataValue } from 'node-opcua';
import type { PlcWriteOutcome } from '../../model/command.ts';
import type { Driver, DriverState } from '../../model/driver.ts';
import type { Point } from '../../model/point.ts';
import type { TagName } from '../../model/tags.ts';
import { LinkState, PointBook, checkWrite, deliver, errorText, refuse, type Logger } from '../driver-support.ts';
import { opcuaTags, type OpcuaDeviceConfig, type OpcuaTag } from './config.ts';
import { deviceCredentials, type UserCredentials } from './credentials.ts';
import { sampleOf } from './quality.ts';
import { stampSamples, type ReceivedSample } from './queued-samples.ts';
import { acquireConnection, type ConnectionStatus, type OpcuaConnection } from './session.ts';
import { monitorTags, resolveNodes, type MonitoredTag } from './subscription.ts';
import { declaredType, writeNode } from './write.ts';

interface Subscriber {
  onPoints: (points: Point[]) => void;
  publishingIntervalMs: number;
  /** Deletes the monitored items; set once they exist. */
  stopItems?: () => Promise<void>;
  /** Changes of one publish, delivered together. */
  batch: ReceivedSample[];
  flush?: NodeJS.Immediate;
}

export class OpcuaDriver implements Driver {
  readonly substation: string;
  readonly tags: readonly TagName[];
  readonly #device: OpcuaDeviceConfig;
  readonly #credentials: UserCredentials | undefined;
  readonly #tags: readonly OpcuaTag[];
  readonly #log: Logger;
  /** For what the device shares with others on its endpoint (the link), without the device's fields. */
  readonly #endpointLog: Logger;
  readonly #linkState: LinkState;
  readonly #points: PointBook;
  readonly #subscribers = new Set<Subscriber>();
  /** Tags whose last status said the PLC does not answer (a group endpoint answers for it). */
  readonly #silent = new Set<TagName>();
  readonly #dataTypes = new Map<TagName, DataType>();
  /** Each tag's last point time from the subscription: queued samples get times of their own. */
  readonly #lastStamped = new Map<TagName, number>();
  #connection: OpcuaConnection | undefined;
  #stopFollowing: (() => void) | undefined;
  /** namespace_uri's index on the server, as of the last (re)connection; -1 before or when absent. */
  #namespace = -1;
  #wasUp = false;
  /** Status transitions, one after the other (they create and delete monitored items). */
  #transitions: Promise<void> = Promise.resolve();

  constructor(device: OpcuaDeviceConfig, log: Logger) {
    this.#device = device;
    this.#credentials = deviceCredentials(device);
    this.substation = device.id;
    this.#tags = opcuaTags(device);
    this.tags = this.#tags.map((t) => t.tag);
    this.#endpointLog = log.child({ driver: 'opcua', url: device.url });
    this.#log = log.child({ driver: 'opcua', substation: device.id });
    this.#linkState = new LinkState(this.#log);
    this.#points = new PointBook(device.id, this.#log);
  }

  get state(): DriverState {
    return this.#linkState.state;
  }

  async connect(): Promise<void> {
    if (this.#connection) return;
    const d = this.#device;
    const connection = acquireConnection({
      url: d.url,
      securityMode: d.security_mode,
      securityPolicy: d.security_policy,
      ...(this.#credentials ?? {}),
      pkiDir: d.pki_dir,
      serverTrust: d.server_trust,
      requestTimeoutMs: d.request_timeout_ms,
      reconnect: d.reconnect,
      log: this.#endpointLog,
    });
    this.#connection = connection;
    this.#stopFollowing = connection.onStatus((status) => this.#follow(status));
    await connection.ready();
    this.#follow(connection.status);
    await this.#transitions;
  }

  async read(): Promise<Point[]> {
    const session = this.#connection?.session;
    const nodes = this.#nodes();
    let points: Point[];
    if (!session || !nodes) {
      points = this.#points.allBad(this.tags, Date.now());
    } else {
      try {
        const values = await session.read(nodes.map((n) => ({ nodeId: n.nodeId, attributeId: AttributeIds.Value })));
        points = nodes.map((n, i) => this.#pointOf(n.tag, values[i]));
      } catch (err) {
        this.#log.warn({ error: errorText(err) }, 'read failed');
        points = this.#points.allBad(this.tags, Date.now());
      }
    }
    this.#updateState();
    return points;
  }

  async subscribe(onPoints: (points: Point[]) => void, intervalMs: number): Promise<() => Promise<void>> {
    const subscriber: Subscriber = { onPoints, publishingIntervalMs: intervalMs, batch: [] };
    this.#subscribers.add(subscriber);
    if (this.#connection?.status === 'up') {
      this.#transitions = this.#transitions.then(() => this.#startItems(subscriber));
      await this.#transitions;
    }
    return async () => {
      if (!this.#subscribers.delete(subscriber)) return;
      clearImmediate(subscriber.flush);
      await this.#transitions;
      await subscriber.stopItems?.();
    };
  }

  async write(tag: string, value: number): Promise<PlcWriteOutcome> {
    const check = checkWrite(this.substation, this.tags, tag, value);
    if (!check.ok) return check;
    const session = this.#connection?.session;
    const node = this.#nodes()?.find((n) => n.tag === check.def.name);
    if (!session || !node) return refuse('HS_ERR_PLC_OFFLINE', `${this.substation} is not connected: ${this.#linkState.state}`);
    let outcome: PlcWriteOutcome;
    try {
      let dataType = this.#dataTypes.get(node.tag);
      if (dataType === undefined) {
        dataType = await declaredType(session, node.nodeId);
        if (dataType === undefined) return refuse('HS_ERR_WRONG_TYPE', `${tag}: the server declares no data type for ${node.nodeId.toString()}`);
        this.#dataTypes.set(node.tag, dataType);
      }
      outcome = await writeNode(session, node.nodeId, dataType, value);
    } catch (err) {
      outcome = refuse('HS_ERR_PLC_OFFLINE', errorText(err));
    }
    if (outcome.ok) this.#log.info({ tag, value, read_back: outcome.readBack }, 'write');
    else this.#log.warn({ tag, value, code: outcome.code, error: outcome.reason }, 'write refused');
    return outcome;
  }

  onStateChange(listener: (state: DriverState, reason?: string) => void): () => void {
    return this.#linkState.on(listener);
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    if (!connection) return;
    this.#stopFollowing?.();
    await this.#transitions;
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    for (const s of subscribers) clearImmediate(s.flush);
    await Promise.all(subscribers.map((s) => s.stopItems?.()));
    this.#connection = undefined;
    await connection.release();
    this.#linkState.set('disconnected', 'closed');
  }

  /** The tags' node ids in the namespace as the server numbers it now; undefined when it does not serve it. */
  #nodes(): MonitoredTag[] | undefined {
    return this.#namespace < 0 ? undefined : resolveNodes(this.#tags, this.#namespace);
  }

  #follow(status: ConnectionStatus): void {
    this.#transitions = this.#transitions
      .then(() => (status === 'up' ? this.#up() : this.#down()))
      .catch((err: unknown) => this.#log.error({ error: errorText(err), status }, 'state transition failed'));
  }

  /**
   * Connected (first time or again): look the namespace up, create the items where missing
   * (re-create them when the server renumbered its namespaces), and after an outage read every
   * tag once: a reactivated session only reports what changes from now on.
   */
  async #up(): Promise<void> {
    const connection = this.#connection;
    if (!connection || connection.status !== 'up') return;
    const before = this.#namespace;
    this.#namespace = connection.namespaceIndex(this.#device.namespace_uri);
    if (this.#namespace < 0) this.#log.error({ namespace_uri: this.#device.namespace_uri }, 'namespace not served');
    const renumbered = before >= 0 && before !== this.#namespace;
    if (renumbered) this.#log.warn({ before, now: this.#namespace }, 'namespace index changed: monitored items re-created');
    for (const subscriber of this.#subscribers) {
      if (renumbered) await this.#stopItems(subscriber);
      if (!subscriber.stopItems) await this.#startItems(subscriber);
    }
    if (this.#wasUp && this.#subscribers.size > 0) {
      const points = await this.read();
      for (const subscriber of this.#subscribers) deliver(this.#log, subscriber.onPoints, points);
    }
    this.#wasUp = true;
    this.#updateState();
  }

  /** Link lost: every tag goes bad at once, rather than when its next change fails to come. */
  async #down(): Promise<void> {
    this.#updateState();
    if (!this.#wasUp) return;
    const points = this.#points.allBad(this.tags, Date.now());
    for (const subscriber of this.#subscribers) deliver(this.#log, subscriber.onPoints, points);
  }

  async #startItems(subscriber: Subscriber): Promise<void> {
    const connection = this.#connection;
    const nodes = this.#nodes();
    if (!connection || !nodes || subscriber.stopItems) return;
    try {
      const subscription = await connection.subscription(subscriber.publishingIntervalMs);
      subscriber.stopItems = await monitorTags(
        subscription,
        nodes,
        { samplingIntervalMs: this.#device.sampling_interval_ms, queueSize: this.#device.queue_size },
        (tag, value) => this.#onChange(subscriber, tag, value),
        this.#log,
      );
    } catch (err) {
      // The next connection retries.
      this.#log.warn({ error: errorText(err) }, 'monitored items not created');
    }
  }

  async #stopItems(subscriber: Subscriber): Promise<void> {
    const stop = subscriber.stopItems;
    subscriber.stopItems = undefined;
    await stop?.();
  }

  #onChange(subscriber: Subscriber, tag: TagName, value: DataValue): void {
    if (!this.#subscribers.has(subscriber)) return;
    subscriber.batch.push({ point: this.#pointOf(tag, value), sampledAt: (value.serverTimestamp ?? value.sourceTimestamp)?.getTime() });
    subscriber.flush ??= setImmediate(() => {
      subscriber.flush = undefined;
      const points = stampSamples(subscriber.batch, this.#lastStamped);
      subscriber.batch = [];
      this.#updateState();
      deliver(this.#log, subscriber.onPoints, points);
    });
  }

  #pointOf(tag: TagName, dv: DataValue | undefined): Point {
    if (!dv) return this.#points.bad(tag, Date.now());
    const sample = sampleOf(dv, Date.now());
    if (sample.silent) this.#silent.add(tag);
    else this.#silent.delete(tag);
    return this.#points.point(tag, sample.value, sample.quality, sample.ts);
  }

  /** Connected while the session is up, the namespace served and the PLC behind it answering. */
  #updateState(): void {
    const connection = this.#connection;
    if (!connection) return;
    if (connection.status !== 'up') {
      this.#linkState.set(connection.status === 'connecting' ? 'connecting' : 'disconnected', connection.reason);
    } else if (this.#namespace < 0) {
      this.#linkState.set('disconnected', `namespace ${this.#device.namespace_uri} is not served`);
    } else if (this.#silent.size === this.tags.length) {
      this.#linkState.set('disconnected', 'the PLC does not answer');
    } else {
      this.#linkState.set('connected');
    }
  }
}
