// The Modbus TCP driver: one device (unit id) behind an endpoint, read with as few requests as
// its register map allows, polled on subscribe(); writes checked, encoded, sent, read back.

import type { PlcWriteOutcome } from '../../model/command.ts';
import type { ErrorCode } from '../../model/errors.ts';
import type { Driver, DriverState } from '../../model/driver.ts';
import type { Point } from '../../model/point.ts';
import type { TagName } from '../../model/tags.ts';
import { LinkState, PointBook, checkWrite, deliver, errorText, refuse, type Logger } from '../driver-support.ts';
import { registerSpans, type ModbusDeviceConfig } from './config.ts';
import { acquireLink, LinkDownError, type ModbusClient, type ModbusLink } from './connection.ts';
import { decodeValue, encodeValue, wordCount } from './conversions.ts';
import { decodeAnswer, planReads, type ReadRequest, type RegisterSpan } from './request-plan.ts';

/** Exception codes a gateway answers for a device it cannot reach: the device is silent. */
const GATEWAY_EXCEPTIONS = new Set([0x0a, 0x0b]);
/** A read answered "server device failure": the PLC cannot give its data, as good as silent. */
const DEVICE_FAILURE = 0x04;

interface Failure {
  /** No answer from the device: counts towards 'disconnected'. */
  silent: boolean;
  code: ErrorCode;
  reason: string;
}

/** What a failed request means. An exception 1–4 is the device answering (4 to a read: see DEVICE_FAILURE); see README for 3. */
function failureOf(err: unknown, timeoutMs: number, reading = false): Failure {
  if (err instanceof LinkDownError) return { silent: true, code: 'HS_ERR_PLC_OFFLINE', reason: `not connected: ${err.message}` };
  const { errno, modbusCode } = err as { errno?: unknown; modbusCode?: unknown };
  if (errno === 'ETIMEDOUT') return { silent: true, code: 'HS_ERR_PLC_OFFLINE', reason: `no answer within ${timeoutMs} ms` };
  if (typeof modbusCode !== 'number') return { silent: true, code: 'HS_ERR_PLC_OFFLINE', reason: errorText(err) };
  const reason = `exception ${modbusCode}: ${errorText(err)}`;
  if (GATEWAY_EXCEPTIONS.has(modbusCode) || (reading && modbusCode === DEVICE_FAILURE)) return { silent: true, code: 'HS_ERR_PLC_OFFLINE', reason };
  if (modbusCode === 1 || modbusCode === 2) return { silent: false, code: 'HS_ERR_NOT_WRITABLE', reason };
  // Writes are range-checked against the catalogue first, so an illegal value that still comes
  // back is the PLC refusing it in its present state (the simulator: valve setpoint in local mode).
  if (modbusCode === 3) return { silent: false, code: 'HS_ERR_PLC_MODE', reason: `${reason} (value inside the catalogue range: refused in the PLC's present mode)` };
  return { silent: false, code: 'HS_ERR_PLC_WRITE_FAILED', reason };
}

export class ModbusDriver implements Driver {
  readonly substation: string;
  readonly tags: readonly TagName[];
  readonly #device: ModbusDeviceConfig;
  readonly #host: string;
  readonly #port: number;
  readonly #spans: ReadonlyMap<TagName, RegisterSpan>;
  readonly #plan: readonly ReadRequest[];
  readonly #log: Logger;
  /** For what the device shares with others on its endpoint (the link), without the device's fields. */
  readonly #endpointLog: Logger;
  readonly #linkState: LinkState;
  readonly #points: PointBook;
  readonly #pollers = new Set<() => Promise<void>>();
  #link: ModbusLink | undefined;
  #stopFollowing: (() => void) | undefined;
  /** Polls in a row that got no answer from the device, and why the last one failed. */
  #silentPolls = 0;
  #lastFailure: string | undefined;

  constructor(device: ModbusDeviceConfig, log: Logger) {
    this.#device = device;
    this.substation = device.id;
    const url = new URL(device.url);
    this.#host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.#port = url.port === '' ? 502 : Number(url.port);
    const spans = registerSpans(device);
    this.tags = spans.map((s) => s.tag);
    this.#spans = new Map(spans.map((s) => [s.tag, s]));
    this.#plan = planReads(spans, { maxGap: device.max_gap_registers, maxCount: device.max_registers_per_request });
    this.#endpointLog = log.child({ driver: 'modbus', url: device.url });
    this.#log = log.child({ driver: 'modbus', substation: device.id, unit: device.unit_id });
    this.#linkState = new LinkState(this.#log);
    this.#points = new PointBook(device.id, this.#log);
  }

  get state(): DriverState {
    return this.#linkState.state;
  }

  /** The read requests one poll sends. */
  get plan(): readonly ReadRequest[] {
    return this.#plan;
  }

  async connect(): Promise<void> {
    if (this.#link) return;
    const link = acquireLink({
      host: this.#host,
      port: this.#port,
      connectTimeoutMs: this.#device.timeout_ms,
      reconnect: this.#device.reconnect,
      log: this.#endpointLog,
    });
    this.#link = link;
    this.#stopFollowing = link.onStatus(() => this.#updateState());
    await link.ready();
    this.#updateState();
  }

  async read(): Promise<Point[]> {
    const answers = await Promise.all(this.#plan.map((request) => this.#readRequest(request)));
    const failures = answers.flatMap((a) => (a.failure ? [a.failure] : []));
    // Silent only when nothing of the plan came back: a half answer is the device answering.
    if (failures.length === this.#plan.length && failures.every((f) => f.silent)) this.#silentPolls++;
    else this.#silentPolls = 0;
    const failure = failures[0]?.reason;
    if (failure !== this.#lastFailure) {
      if (failure) this.#log.warn({ error: failure, requests: this.#plan.length, failed: failures.length }, 'read failed');
      else this.#log.info('reads answered again');
      this.#lastFailure = failure;
    }
    this.#updateState();
    return answers.flatMap((a) => a.points);
  }

  async subscribe(onPoints: (points: Point[]) => void, intervalMs: number): Promise<() => Promise<void>> {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    let inFlight: Promise<void> = Promise.resolve();
    const poll = async (): Promise<void> => {
      const started = Date.now();
      const points = await this.read();
      if (stopped) return;
      deliver(this.#log, onPoints, points);
      // The period runs from poll start to poll start; a slow poll is followed at once.
      timer = setTimeout(() => {
        inFlight = poll();
      }, Math.max(0, intervalMs - (Date.now() - started)));
    };
    inFlight = poll();
    const stop = async (): Promise<void> => {
      stopped = true;
      clearTimeout(timer);
      this.#pollers.delete(stop);
      await inFlight;
    };
    this.#pollers.add(stop);
    return stop;
  }

  async write(tag: string, value: number): Promise<PlcWriteOutcome> {
    const check = checkWrite(this.substation, this.tags, tag, value);
    if (!check.ok) return check;
    const span = this.#spans.get(check.def.name)!;
    if (span.functionCode !== 3) return refuse('HS_ERR_NOT_WRITABLE', `${tag} is mapped to input registers, which are read-only`);
    if (span.layout.bit !== undefined) return refuse('HS_ERR_NOT_WRITABLE', `${tag} is a status bit`);
    const words = encodeValue(value, span.layout);
    if (!words) return refuse('HS_ERR_OUT_OF_RANGE', `${tag} = ${value} does not fit a ${span.layout.type} register ×${span.layout.scale}`);
    const { unit_id: unit, timeout_ms: timeoutMs } = this.#device;
    try {
      await this.#request<unknown>((client, done) =>
        words.length === 1 ? client.writeFC6(unit, span.address, words[0], done) : client.writeFC16(unit, span.address, words, done),
      );
      const back = await this.#request<{ data: number[] }>((client, done) => client.writeFC3(unit, span.address, wordCount(span.layout.type), done));
      const readBack = Number(decodeValue(back.data, span.layout));
      this.#log.info({ tag, value, read_back: readBack, words }, 'write');
      return { ok: true, readBack };
    } catch (err) {
      const failure = failureOf(err, timeoutMs);
      this.#log.warn({ tag, value, code: failure.code, error: failure.reason }, 'write refused');
      return refuse(failure.code, failure.reason);
    }
  }

  onStateChange(listener: (state: DriverState, reason?: string) => void): () => void {
    return this.#linkState.on(listener);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pollers].map((stop) => stop()));
    const link = this.#link;
    if (!link) return;
    this.#link = undefined;
    this.#stopFollowing?.();
    await link.release();
    this.#linkState.set('disconnected', 'closed');
  }

  #request<T>(send: (client: ModbusClient, done: (err: Error | null, result: T) => void) => void): Promise<T> {
    const link = this.#link;
    if (!link) return Promise.reject(new LinkDownError('connect() not called'));
    return link.request(this.#device.timeout_ms, send);
  }

  async #readRequest(request: ReadRequest): Promise<{ points: Point[]; failure?: Failure }> {
    const { unit_id: unit } = this.#device;
    const { functionCode, address, count } = request;
    try {
      const answer = await this.#request<{ data: number[] }>((client, done) =>
        functionCode === 3 ? client.writeFC3(unit, address, count, done) : client.writeFC4(unit, address, count, done),
      );
      const ts = Date.now();
      return { points: decodeAnswer(request, answer.data).map(({ tag, value }) => this.#points.point(tag, value, 'good', ts)) };
    } catch (err) {
      return { failure: failureOf(err, this.#device.timeout_ms, true), points: this.#points.allBad(request.spans.map((s) => s.tag), Date.now()) };
    }
  }

  /** Connected while the link is up and the device answered one of its last polls. */
  #updateState(): void {
    const link = this.#link;
    if (!link) return;
    if (link.status === 'connecting') this.#linkState.set('connecting');
    else if (link.status === 'down') this.#linkState.set('disconnected', link.reason);
    else if (this.#silentPolls >= this.#device.failures_before_disconnect) this.#linkState.set('disconnected', this.#lastFailure);
    else this.#linkState.set('connected');
  }
}
