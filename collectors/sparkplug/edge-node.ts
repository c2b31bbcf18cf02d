import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { brokerAt } from '../../model/broker-urls.ts';
import type { Driver, DriverState } from '../../model/driver.ts';
import { isHeatScadaError } from '../../model/errors.ts';
import { readMqttLogin, type MqttLogin } from '../../model/mqtt-client.ts';
import type { Point } from '../../model/point.ts';
import { collectorInstance, RoleStatusReporter } from '../../model/role-status.ts';
import {
  ACTOR_KIND_PROPERTY,
  ACTOR_PROPERTY,
  COMMAND_EPOCH,
  decodePayload,
  edgeTopic,
  encodePayload,
  parseTopic,
  REBIRTH,
  stateTopic,
  type EdgeMessageType,
  type Metric,
  type SparkplugPayload,
} from '../../model/sparkplug.ts';
import { clientIdOf, commandMinIntervalMs, type EdgeNodeConfig } from './edge-node-config.ts';
import { PointBuffer } from './buffer.ts';
import { BufferWriter } from './buffer-writer.ts';
import { deviceBirth, deviceDeath, nodeBirth, nodeDeath } from './births.ts';
import { CommandRunner, epochOf, fenceSourceOf, staleEpochReason, type CommandResult } from './commands.ts';
import { EpochFence } from './epoch-fence.ts';
import { DeviceMetrics } from './metrics.ts';
import { deadbands, ExceptionFilter } from './report-by-exception.ts';
import { BdSeqStore, MessageSequence } from './sequence.ts';
import { SqliteAuditTrail } from '../../store/audit/sqlite-audit-trail.ts';
import { DEFAULT_RETRY, isDiskFull } from '../../store/disk-full.ts';

// A Sparkplug B edge node serving several devices (one substation PLC = one Driver each).
// The MQTT session is the unit of everything: each connection gets a new bdSeq and its NDEATH
// as the will, then NBIRTH and the DBIRTHs, then the buffered history, then live data by
// exception. Whatever cannot be published (no session, host offline, link lost in flight) goes
// to the on-disk buffer and is replayed, in order, as historical data after the next births.

export interface EdgeNodeStats {
  /** Births published and data flowing live. */
  online: boolean;
  /** bdSeq of the current (or last attempted) MQTT connection. */
  bdSeq: number | undefined;
  messagesPublished: number;
  /** Points published live by exception, refresh and command read-back. */
  pointsPublished: number;
  /** Points written to the store-and-forward buffer. */
  pointsBuffered: number;
  /** Buffered points published as historical and acknowledged. */
  pointsReplayed: number;
  /** Buffered points dropped because the buffer was full (or their device is no longer served). */
  pointsDropped: number;
  /** Points in the buffer now (on disk and, while its disk is full, in memory). */
  bufferedNow: number;
  /** Of those, held in memory because the buffer's disk is full. */
  bufferedInMemory: number;
  commandsAccepted: number;
  commandsRefused: number;
  /** Retained NCMD/DCMDs ignored: a command is for the moment it is sent, never replayed. */
  commandsRetainedIgnored: number;
}

interface Device {
  driver: Driver;
  metrics: DeviceMetrics;
  filter: ExceptionFilter;
  /** DBIRTH published in the current session. */
  born: boolean;
  refreshTimer: NodeJS.Timeout | undefined;
  stopPoints: (() => Promise<void>) | undefined;
  stopStates: () => void;
}

interface Session {
  client: MqttClient;
  /** The broker (of the configured list) this connection is to. */
  url: string;
  bdSeq: number;
  subscribed: boolean;
  /** True when no primary host is configured; otherwise what its STATE said last. */
  hostOnline: boolean;
  /** NBIRTH published: data goes out live. */
  born: boolean;
}

/** Live data awaiting its acknowledgement; rescued into the buffer if the link drops first. */
interface InFlight {
  points: readonly Point[];
}

const REPLAY_QOS = 1;
/** The role's name in its status topic (model/role-status.ts). */
export const COLLECTOR_ROLE = 'collector';
/** A stop waits this long for the broker to acknowledge what is in flight. */
const STOP_GRACE_MS = 2000;

interface HostState {
  online: boolean;
  timestamp: number;
}

function parseHostState(payload: Buffer): HostState | undefined {
  try {
    const doc = JSON.parse(payload.toString('utf8')) as unknown;
    if (typeof doc !== 'object' || doc === null) return undefined;
    const { online, timestamp } = doc as Record<string, unknown>;
    return typeof online === 'boolean' && typeof timestamp === 'number' ? { online, timestamp } : undefined;
  } catch {
    return undefined;
  }
}

export class EdgeNode {
  private readonly devices: Device[];
  private readonly bySubstation = new Map<string, Device>();
  private readonly buffer: PointBuffer;
  private readonly held: BufferWriter;
  /** What the alarm engine hears of this edge node: whether its buffer's disk has room. */
  private readonly status: RoleStatusReporter;
  private readonly bdSeqs: BdSeqStore;
  private readonly seq = new MessageSequence();
  private readonly commands: CommandRunner;
  /** The highest leader epoch seen per command source (hot-standby senders), kept across restarts. */
  private readonly fence: EpochFence;
  private readonly auditDb: Database.Database;
  /** Every plant write attempt, its sender and outcome, hash-chained (model/audit.ts), in this node's own file. */
  readonly audit: SqliteAuditTrail;
  private readonly inflight = new Set<InFlight>();
  private readonly log: Logger;
  private readonly login: MqttLogin;
  private session: Session | undefined;
  private lastBdSeq: number | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private replaying: Promise<void> | undefined;
  private replayAgain = false;
  private hostStateTs = Number.NEGATIVE_INFINITY;
  private linkDownSince: number | undefined = Date.now();
  private attempts = 0;
  /** Connections made: each goes to the next broker of a cluster's list (model/broker-urls.ts). */
  private connections = 0;
  private stopping = false;
  private readonly counters = { messagesPublished: 0, pointsPublished: 0, pointsBuffered: 0, pointsReplayed: 0, commandsRetainedIgnored: 0 };

  constructor(
    private readonly config: EdgeNodeConfig,
    drivers: readonly Driver[],
    log: Logger,
  ) {
    this.log = log.child({ group: config.group_id, edge_node: config.edge_node_id });
    this.login = readMqttLogin(config.mqtt, '/collect/mqtt');
    const deadband = deadbands(config.deadbands);
    this.devices = drivers.map((driver, i) => {
      const metrics = new DeviceMetrics(driver.substation, i, driver.tags);
      if (metrics.unknownTags.length > 0) {
        this.log.warn({ event: 'tags_not_in_catalogue', substation: driver.substation, tags: metrics.unknownTags }, 'driver tags outside the catalogue are not published');
      }
      return { driver, metrics, filter: new ExceptionFilter(deadband), born: false, refreshTimer: undefined, stopPoints: undefined, stopStates: () => undefined };
    });
    for (const d of this.devices) {
      if (this.bySubstation.has(d.driver.substation)) throw new Error(`substation ${d.driver.substation} is served twice by edge node ${config.edge_node_id}`);
      this.bySubstation.set(d.driver.substation, d);
    }
    const dir = path.resolve(config.data_dir, 'sparkplug');
    const base = `${config.group_id}-${config.edge_node_id}`;
    this.bdSeqs = new BdSeqStore(path.join(dir, `${base}.bdseq`), (e) =>
      this.log.warn({ event: 'bdseq_unsaved', code: 'HS_ERR_DISK_FULL', reason: (e as Error).message }, 'disk full: bdSeq not saved, counting on in memory'),
    );
    this.buffer = new PointBuffer(path.join(dir, `${base}.buffer.db`), config.buffer_max_points, this.log);
    this.buffer.retainOnly([...this.bySubstation.keys()]);
    this.status = new RoleStatusReporter(COLLECTOR_ROLE, collectorInstance(config.group_id, config.edge_node_id), (topic, payload) => {
      if (this.session?.client.connected) this.session.client.publish(topic, payload, { qos: 1, retain: true });
    });
    this.held = new BufferWriter(
      this.buffer,
      {
        memoryMaxPoints: config.buffer_memory_max_points,
        retry: { ...DEFAULT_RETRY, minFreeBytes: config.buffer_min_free_mb * 1024 * 1024 },
        onDiskFull: (error, inMemory) =>
          error
            ? this.status.report('disk_full', `store-and-forward buffer full: holding ${inMemory} points in memory (at most ${config.buffer_memory_max_points}), retrying`, error.path)
            : this.status.report('ok', 'store-and-forward buffer writable'),
      },
      this.log,
      () => {
        if (this.session?.born) this.startReplay();
      },
    );
    // Its own file, not the central store's: the edge keeps its record when the centre is away.
    mkdirSync(dir, { recursive: true });
    this.auditDb = new Database(path.join(dir, `${base}.audit.db`));
    this.auditDb.pragma('journal_mode = WAL');
    this.audit = new SqliteAuditTrail(this.auditDb);
    this.fence = new EpochFence(path.join(dir, `${base}.epochs.json`), (problem, e) =>
      this.log.warn({ event: `epochs_${problem}`, code: isDiskFull(e) ? 'HS_ERR_DISK_FULL' : 'HS_ERR_INTERNAL', reason: (e as Error).message }, problem === 'unsaved' ? 'leader epochs not saved: fencing goes on in memory' : 'leader epochs file unreadable: epochs start anew'),
    );
    this.commands = new CommandRunner((tag) => commandMinIntervalMs(config, tag), this.log, this.audit, Date.now, this.fence);
    if (this.buffer.size > 0) this.log.info({ event: 'buffer_found', points: this.buffer.size, file: this.buffer.file }, 'buffered points from an earlier run will be replayed');
  }

  /** Subscribes to the devices and starts connecting; works offline (buffering) until the broker answers. */
  async start(): Promise<void> {
    for (const d of this.devices) {
      d.stopStates = d.driver.onStateChange((state, reason) => this.onDeviceState(d, state, reason));
      d.stopPoints = await d.driver.subscribe((points) => this.onPoints(d, points), this.config.poll_interval_s * 1000);
    }
    this.connect();
  }

  /** Publishes NDEATH, disconnects, and keeps whatever was not acknowledged in the buffer. Drivers stay open. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    for (const d of this.devices) {
      d.stopStates();
      await d.stopPoints?.();
      this.stopRefresh(d);
    }
    await this.commands.idle();
    const session = this.session;
    if (session) {
      if (session.born) this.publish(session, 'NDEATH', undefined, nodeDeath(session.bdSeq, Date.now()), 1);
      await endClient(session.client, session.client.connected ? STOP_GRACE_MS : 0);
    }
    await this.replaying;
    this.held.close();
    this.buffer.close();
    this.auditDb.close();
    this.log.info({ event: 'edge_node_stopped', ...this.stats() }, 'edge node stopped');
  }

  stats(): EdgeNodeStats {
    return {
      online: this.session?.born ?? false,
      bdSeq: this.lastBdSeq,
      ...this.counters,
      pointsDropped: this.held.dropped,
      bufferedNow: this.held.size,
      bufferedInMemory: this.held.heldInMemory,
      commandsAccepted: this.commands.stats.accepted,
      commandsRefused: this.commands.stats.refused,
    };
  }

  // ---- MQTT session -------------------------------------------------------------------------

  private connect(): void {
    const { mqtt } = this.config;
    const bdSeq = this.bdSeqs.next();
    this.lastBdSeq = bdSeq;
    this.attempts++;
    const options: IClientOptions = {
      protocolVersion: mqtt.protocol_version,
      clientId: clientIdOf(this.config),
      keepalive: mqtt.keepalive_s,
      clean: true,
      // The edge node reconnects itself: every connection needs a new bdSeq in its will.
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      queueQoSZero: false,
      will: { topic: this.topic('NDEATH'), payload: encodePayload(nodeDeath(bdSeq, Date.now())), qos: 1, retain: false },
    };
    Object.assign(options, this.login);
    const url = brokerAt(mqtt.url, this.connections++);
    const client = connect(url, options);
    const session: Session = { client, url, bdSeq, subscribed: false, hostOnline: this.config.primary_host_id === undefined, born: false };
    this.session = session;
    client.on('connect', () => void this.onConnect(session));
    client.on('message', (topic, payload, packet) => this.onMessage(session, topic, payload, packet));
    client.on('error', (e) => this.onLinkError(e));
    client.on('close', () => this.onClose(session));
  }

  private async onConnect(session: Session): Promise<void> {
    const downMs = this.linkDownSince === undefined ? 0 : Date.now() - this.linkDownSince;
    this.linkDownSince = undefined;
    this.log.info({ event: 'mqtt_connected', url: session.url, bd_seq: session.bdSeq, attempts: this.attempts, offline_ms: downMs }, 'connected to the broker');
    this.attempts = 0;
    const topics = [this.topic('NCMD'), this.topic('DCMD', '+')];
    if (this.config.primary_host_id !== undefined) topics.push(stateTopic(this.config.primary_host_id));
    try {
      await session.client.subscribeAsync(topics, { qos: 1 });
    } catch (e) {
      this.log.warn({ event: 'subscribe_failed', error: (e as Error).message }, 'subscription failed; the link will be retried');
      return;
    }
    session.subscribed = true;
    if (this.status.status) this.status.resend();
    else this.status.report('ok', 'store-and-forward buffer writable');
    this.birthWhenReady(session);
  }

  private onLinkError(e: Error): void {
    if (this.attempts <= 1) this.log.warn({ event: 'mqtt_error', url: this.config.mqtt.url, error: e.message }, 'broker link error');
    else this.log.debug({ event: 'mqtt_error', url: this.config.mqtt.url, error: e.message, attempts: this.attempts }, 'broker still unreachable');
  }

  private onClose(session: Session): void {
    if (this.session !== session) return;
    this.session = undefined;
    session.born = false;
    for (const d of this.devices) this.unbear(d);
    // Data that left but was not acknowledged goes back to the buffer, ahead of anything newer.
    const rescued = [...this.inflight].flatMap((f) => f.points);
    this.inflight.clear();
    this.bufferPoints(rescued);
    session.client.end(true);
    if (this.stopping) return;
    if (this.linkDownSince === undefined) {
      this.linkDownSince = Date.now();
      this.log.warn({ event: 'mqtt_link_lost', bd_seq: session.bdSeq, rescued_points: rescued.length }, 'broker link lost: buffering');
    }
    this.reconnectTimer = setTimeout(() => this.connect(), this.config.mqtt.reconnect_s * 1000);
  }

  private birthWhenReady(session: Session): void {
    if (this.session === session && session.subscribed && session.hostOnline && !session.born) this.birth(session);
  }

  /** NBIRTH, then a DBIRTH per device with data, then the buffered history. Also the answer to a rebirth request. */
  private birth(session: Session): void {
    const now = Date.now();
    session.born = true;
    this.seq.birth();
    // Births and deaths travel at the data's QoS: brokers (aedes among them) may deliver QoS 0 and
    // QoS 1 messages to a subscriber out of order, which a host would see as a seq gap.
    this.publish(session, 'NBIRTH', undefined, nodeBirth(session.bdSeq, now), this.config.data_qos);
    for (const d of this.devices) {
      this.unbear(d);
      if (d.driver.state !== 'connected') continue;
      if (d.filter.hasData) this.birthDevice(session, d);
      else this.prime(d);
    }
    this.log.info({ event: 'births_published', bd_seq: session.bdSeq, devices: this.devices.filter((d) => d.born).length, buffered: this.held.size }, 'NBIRTH and DBIRTHs published');
    this.startReplay();
  }

  private birthDevice(session: Session, d: Device): void {
    d.filter.reportAll();
    this.publish(session, 'DBIRTH', d.driver.substation, deviceBirth(d.metrics, d.filter.latestPoints, this.seq.next(), Date.now()), this.config.data_qos);
    d.born = true;
    this.stopRefresh(d);
    d.refreshTimer = setInterval(() => this.refresh(d), this.config.refresh_interval_s * 1000);
  }

  /** The device is no longer born in this session (session ended, rebirth, or device lost). */
  private unbear(d: Device): void {
    d.born = false;
    this.stopRefresh(d);
  }

  private stopRefresh(d: Device): void {
    clearInterval(d.refreshTimer);
    d.refreshTimer = undefined;
  }

  private publish(session: Session, type: EdgeMessageType, device: string | undefined, payload: SparkplugPayload, qos: 0 | 1, done?: (err?: Error) => void): void {
    session.client.publish(this.topic(type, device), encodePayload(payload), { qos }, (err) => {
      if (!err) this.counters.messagesPublished++;
      done?.(err);
    });
  }

  private topic(type: EdgeMessageType, device?: string): string {
    return edgeTopic(this.config.group_id, type, this.config.edge_node_id, device);
  }

  // ---- data ---------------------------------------------------------------------------------

  private onPoints(d: Device, points: Point[]): void {
    if (this.stopping) return;
    if (d.driver.state !== 'connected') {
      // A reading can arrive before the link state says connected (OPC UA's first notification
      // after a session restore, a Modbus answer just before its socket closes): the PLC's good
      // values are kept as history; the driver's own bad markers of a lost link are not, as the
      // DDEATH already says so.
      this.bufferPoints(points.filter((p) => p.quality === 'good'));
      return;
    }
    const report = d.filter.offer(points);
    const session = this.session;
    if (!session?.born) {
      this.bufferPoints(report);
    } else if (!d.born) {
      this.birthDevice(session, d);
      this.startReplay();
    } else if (report.length > 0) {
      this.publishLive(session, d, report, []);
    }
  }

  private refresh(d: Device): void {
    const session = this.session;
    if (session?.born && d.born) this.publishLive(session, d, d.filter.reportAll(), []);
  }

  /** A DDATA of live points (and extra metrics such as an acknowledgement), tracked until acknowledged. */
  private publishLive(session: Session, d: Device, points: readonly Point[], extra: Metric[]): void {
    const metrics = points.flatMap((p) => d.metrics.dataMetric(p, false) ?? []).concat(extra);
    const entry: InFlight = { points };
    this.inflight.add(entry);
    this.publish(session, 'DDATA', d.driver.substation, { timestamp: Date.now(), seq: this.seq.next(), metrics }, this.config.data_qos, (err) => {
      if (!this.inflight.delete(entry)) return;
      if (err) this.bufferPoints(points);
      else this.counters.pointsPublished += points.length;
    });
  }

  private bufferPoints(points: readonly Point[]): void {
    if (points.length === 0) return;
    this.held.append(points);
    this.counters.pointsBuffered += points.length;
  }

  private startReplay(): void {
    if (this.replaying) {
      this.replayAgain = true;
      return;
    }
    this.replayAgain = false;
    this.replaying = this.replay().finally(() => {
      this.replaying = undefined;
      if (this.replayAgain) this.startReplay();
    });
  }

  /** Publishes the buffer of each born device, oldest first, as historical DDATA; deletes what the broker acknowledged. */
  private async replay(): Promise<void> {
    const session = this.session;
    const started = Date.now();
    let replayed = 0;
    for (const d of this.devices) {
      const substation = d.driver.substation;
      while (this.session === session && session?.born && d.born && !this.stopping) {
        const batch = this.held.oldest(substation, this.config.replay_batch);
        if (batch.points.length === 0) break;
        const metrics = batch.points.flatMap((p) => d.metrics.dataMetric(p, true) ?? []);
        const acked = await new Promise<boolean>((resolve) =>
          this.publish(session, 'DDATA', substation, { timestamp: Date.now(), seq: this.seq.next(), metrics }, REPLAY_QOS, (err) => resolve(!err)),
        );
        // A delete the full disk refused: the points come again after it recovers (at least once).
        if (!acked || !batch.release()) return;
        this.counters.pointsReplayed += batch.points.length;
        replayed += batch.points.length;
      }
    }
    if (replayed > 0) {
      const ms = Math.max(1, Date.now() - started);
      this.log.info({ event: 'buffer_replayed', points: replayed, ms, points_per_s: Math.round((replayed * 1000) / ms), left: this.held.size }, 'buffered points replayed');
    }
  }

  // ---- devices ------------------------------------------------------------------------------

  private onDeviceState(d: Device, state: DriverState, reason: string | undefined): void {
    this.log.info({ event: 'device_state', substation: d.driver.substation, state, ...(reason === undefined ? {} : { reason }) }, 'device link changed');
    if (state === 'connected') {
      this.prime(d);
      return;
    }
    const session = this.session;
    if (session?.born && d.born) this.publish(session, 'DDEATH', d.driver.substation, deviceDeath(this.seq.next(), Date.now()), this.config.data_qos);
    this.unbear(d);
    d.filter.clear();
  }

  /** Reads a device once, so that its DBIRTH need not wait for a change from a driver that pushes only changes. */
  private prime(d: Device): void {
    d.driver.read().then(
      (points) => this.onPoints(d, points),
      (e: unknown) => this.log.warn({ event: 'device_read_failed', substation: d.driver.substation, error: (e as Error).message }, 'device read failed'),
    );
  }

  // ---- commands and host state --------------------------------------------------------------

  private onMessage(session: Session, topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.session !== session) return;
    try {
      const t = parseTopic(topic);
      // A retained command was sent some time before this subscription, for a plant as it was then.
      if (packet.retain && t.kind === 'edge' && (t.type === 'NCMD' || t.type === 'DCMD')) {
        this.counters.commandsRetainedIgnored++;
        this.log.warn({ event: 'command_retained_ignored', code: 'HS_ERR_BAD_REQUEST', topic }, 'retained command ignored');
        return;
      }
      if (t.kind === 'state') {
        this.onHostState(session, payload);
      } else if (t.type === 'NCMD') {
        this.onNodeCommand(session, decodePayload(payload).metrics);
      } else if (t.type === 'DCMD' && t.device !== undefined) {
        this.onDeviceCommand(t.device, decodePayload(payload).metrics);
      }
    } catch (e) {
      if (isHeatScadaError(e)) this.log.warn({ event: 'message_refused', topic, code: e.code, error: e.message }, 'message not understood');
      else this.log.error({ event: 'message_failed', topic, error: (e as Error).message }, 'message handling failed');
    }
  }

  private onNodeCommand(session: Session, metrics: Metric[]): void {
    for (const m of metrics) if (m.name === COMMAND_EPOCH) this.onEpochAnnounced(m);
    if (!metrics.some((m) => m.name === REBIRTH && m.value === true)) return;
    this.log.info({ event: 'rebirth_requested' }, 'rebirth requested');
    if (session.born) this.birth(session);
  }

  private onDeviceCommand(substation: string, metrics: Metric[]): void {
    const d = this.bySubstation.get(substation);
    if (d === undefined) {
      this.log.warn({ event: 'command_unknown_device', substation }, 'DCMD for a device this edge node does not serve');
      return;
    }
    for (const metric of metrics) {
      this.commands
        .run(d.metrics, d.driver, metric, (tag) => d.filter.latestPoints.get(tag)?.value)
        .then((result) => this.publishCommandResult(d, result))
        .catch((e: unknown) => this.log.error({ event: 'command_failed', substation, error: (e as Error).message }, 'command failed'));
    }
  }

  /** A new leader says its epoch before it writes: from now on its predecessor's commands are refused. */
  private onEpochAnnounced(m: Metric): void {
    const epoch = epochOf(m.value);
    const text = (name: string) => (m.properties?.[name]?.type === 'String' ? (m.properties[name].value as string) : undefined);
    const source = fenceSourceOf({ actor: text(ACTOR_PROPERTY), actorKind: text(ACTOR_KIND_PROPERTY) });
    if (epoch == null || source === undefined) {
      this.log.warn({ event: 'epoch_refused', code: 'HS_ERR_BAD_REQUEST', value: m.value, source: source ?? null }, `${COMMAND_EPOCH} needs a whole number and an actor`);
      return;
    }
    const verdict = this.fence.admit(source, epoch);
    if (verdict.ok) this.log.info({ event: 'epoch_fenced', source, epoch }, `commands of ${source} older than epoch ${epoch} are refused from now on`);
    else this.log.warn({ event: 'epoch_refused', code: 'HS_ERR_STALE_EPOCH', source, epoch, highest: verdict.highest }, staleEpochReason(epoch, source, verdict.highest));
  }

  /** The read-back setpoint (when written) and the acknowledgement, in one DDATA. */
  private publishCommandResult(d: Device, result: CommandResult): void {
    const points = result.readBack ? [result.readBack] : [];
    if (result.readBack) d.filter.markReported(result.readBack);
    const session = this.session;
    if (session?.born && d.born) {
      this.publishLive(session, d, points, [d.metrics.ackMetric(JSON.stringify(result.outcome), Date.now())]);
      return;
    }
    this.bufferPoints(points);
    this.log.warn({ event: 'ack_undelivered', substation: d.driver.substation, request_id: result.outcome.requestId }, 'command acknowledgement not published: link or device down');
  }

  private onHostState(session: Session, payload: Buffer): void {
    const state = parseHostState(payload);
    if (state === undefined) {
      this.log.warn({ event: 'host_state_invalid', host: this.config.primary_host_id }, 'STATE payload is not {online, timestamp}');
      return;
    }
    if (state.timestamp < this.hostStateTs) return; // an older STATE arriving late
    this.hostStateTs = state.timestamp;
    session.hostOnline = state.online;
    this.log.info({ event: 'host_state', host: this.config.primary_host_id, online: state.online }, 'primary host state');
    if (state.online) {
      this.birthWhenReady(session);
    } else if (session.born) {
      // Sparkplug 3.0: the primary host went away, so end the session; buffer until it returns.
      session.born = false;
      this.publish(session, 'NDEATH', undefined, nodeDeath(session.bdSeq, Date.now()), 1);
      session.client.end(false);
    }
  }
}

/** Ends an MQTT session: DISCONNECT once what is in flight is acknowledged, or by force after graceMs. */
async function endClient(client: MqttClient, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  const pending = (): boolean => Object.keys(client.outgoing).length > 0;
  while (client.connected && pending() && Date.now() < deadline) await sleep(10);
  await client.endAsync(!client.connected || pending());
}
