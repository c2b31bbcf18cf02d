import type { Logger } from 'pino';
import type { AuditOutcome, AuditTrail } from '../../model/audit.ts';
import type { Driver } from '../../model/driver.ts';
import type { ErrorCode } from '../../model/errors.ts';
import type { Point, PointValue } from '../../model/point.ts';
import { ACTOR_KIND_PROPERTY, ACTOR_PROPERTY, EPOCH_PROPERTY, ON_BEHALF_OF_PROPERTY, REQUEST_ID_PROPERTY, type CommandOutcome, type Metric } from '../../model/sparkplug.ts';
import { inRange, type TagDefinition, type TagName } from '../../model/tags.ts';
import type { EpochFence } from './epoch-fence.ts';
import type { DeviceMetrics } from './metrics.ts';

// DCMD → write-back. A command is checked against the catalogue (tag, writability, type,
// range), the sender's identity, its leader's epoch (epoch-fence.ts) and the per-tag write rate
// before anything reaches the PLC;
// the driver then writes and reads back, and the outcome becomes the COMMAND_ACK metric.
// Every attempt, refused or not, is appended to the edge node's own audit trail: the sender
// is the MQTT principal the broker stamped into the command (broker/actor-stamp.ts).

export type Refusal = Extract<CommandOutcome, { ok: false }>;

/** Who sent a command: the stamped principal, its kind, and whom it said it acts for. */
export interface CommandSender {
  actor: string;
  actorKind?: string;
  onBehalfOf?: string;
}

export type CommandCheck = { ok: true; def: TagDefinition; value: number; requestId: string; sender: CommandSender } | { ok: false; outcome: Refusal; sender: Partial<CommandSender> };

/** Remembers when each tag of each device was last written, to refuse writes that come too fast. */
export class WriteRateLimiter {
  private readonly lastWriteMs = new Map<string, number>();

  constructor(readonly minIntervalMs: (tag: TagName) => number) {}

  /** How long the caller must still wait before writing this tag, ms; 0 when it may write now. */
  waitMs(substation: string, tag: TagName, now: number): number {
    const last = this.lastWriteMs.get(`${substation}\u0000${tag}`);
    return last === undefined ? 0 : Math.max(0, last + this.minIntervalMs(tag) - now);
  }

  record(substation: string, tag: TagName, now: number): void {
    this.lastWriteMs.set(`${substation}\u0000${tag}`, now);
  }
}

function stringProperty(metric: Metric, name: string): string | undefined {
  const p = metric.properties?.[name];
  return p?.type === 'String' && p.value !== '' ? p.value : undefined;
}

/** Whose epochs a command is judged against: the sender's kind as the broker stamped it (both instances of a pair share it), else its actor. */
export const fenceSourceOf = (sender: Partial<CommandSender>): string | undefined => sender.actorKind ?? sender.actor;

/** The epoch a command or announcement carries: undefined when absent, null when it is no whole number ≥ 0. */
export function epochOf(value: unknown): number | null | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** The refusal of a deposed leader's command, in the words the ACK and the audit trail carry. */
export const staleEpochReason = (epoch: number, source: string, highest: number): string =>
  `epoch ${epoch} of ${source} is older than epoch ${highest}, which a newer leader has used: the sender was deposed`;

/** Checks one DCMD metric; nothing here talks to the device. */
export function checkCommand(metric: Metric, device: DeviceMetrics, limiter: WriteRateLimiter, now: number, fence?: EpochFence): CommandCheck {
  const requestId = stringProperty(metric, REQUEST_ID_PROPERTY);
  const actor = stringProperty(metric, ACTOR_PROPERTY);
  const actorKind = stringProperty(metric, ACTOR_KIND_PROPERTY);
  const onBehalfOf = stringProperty(metric, ON_BEHALF_OF_PROPERTY);
  const sender = { ...(actorKind === undefined ? {} : { actorKind }), ...(onBehalfOf === undefined ? {} : { onBehalfOf }) };
  const def = device.resolve(metric);
  const tag = def?.name ?? metric.name ?? `alias ${String(metric.alias)}`;
  const refuse = (code: ErrorCode, reason: string): CommandCheck => ({
    ok: false,
    outcome: { requestId: requestId ?? '', tag, ok: false, code, reason, ...(actor === undefined ? {} : { actor }), ...(onBehalfOf === undefined ? {} : { onBehalfOf }) },
    sender: { ...sender, ...(actor === undefined ? {} : { actor }) },
  });
  if (requestId === undefined || actor === undefined) {
    return refuse('HS_ERR_BAD_REQUEST', `a command needs the String properties ${REQUEST_ID_PROPERTY} and ${ACTOR_PROPERTY}`);
  }
  const epoch = epochOf(metric.properties?.[EPOCH_PROPERTY]?.value);
  if (epoch === null) return refuse('HS_ERR_BAD_REQUEST', `${EPOCH_PROPERTY} must be a whole number ≥ 0`);
  const source = fenceSourceOf({ actor, ...sender })!;
  const fenced = epoch === undefined ? undefined : fence?.admit(source, epoch);
  if (fenced?.ok === false) return refuse('HS_ERR_STALE_EPOCH', staleEpochReason(epoch!, source, fenced.highest));
  if (def === undefined) return refuse('HS_ERR_UNKNOWN_TAG', `${device.substation} has no tag ${tag}`);
  if (!def.writable) return refuse('HS_ERR_NOT_WRITABLE', `${def.name} is read-only`);
  const value = metric.value;
  if (typeof value !== 'number') return refuse('HS_ERR_WRONG_TYPE', `${def.name} takes a number, got ${value === null ? 'null' : typeof value}`);
  if (!inRange(def, value)) return refuse('HS_ERR_OUT_OF_RANGE', `${def.name} = ${value} is outside ${def.min}–${def.max} ${def.unit}`.trim());
  const waitMs = limiter.waitMs(device.substation, def.name, now);
  if (waitMs > 0) {
    return refuse('HS_ERR_COMMAND_RATE', `${def.name} takes one write every ${limiter.minIntervalMs(def.name) / 1000} s; retry in ${waitMs} ms`);
  }
  return { ok: true, def, value, requestId, sender: { actor, ...sender } };
}

export interface CommandResult {
  outcome: CommandOutcome;
  /** The setpoint as read back after an accepted write. */
  readBack?: Point;
}

export interface CommandStats {
  accepted: number;
  refused: number;
}

/** Runs DCMDs: one at a time per device, each checked, written, read back and logged. */
export class CommandRunner {
  readonly stats: CommandStats = { accepted: 0, refused: 0 };
  private readonly limiter: WriteRateLimiter;
  /** The tail of each device's command queue. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    minIntervalMs: (tag: TagName) => number,
    private readonly log: Logger,
    /** The edge node's own append-only record of plant writes. */
    private readonly trail?: AuditTrail,
    private readonly now: () => number = Date.now,
    /** The highest leader epochs seen per source; commands are not fenced without it. */
    private readonly fence?: EpochFence,
  ) {
    this.limiter = new WriteRateLimiter(minIntervalMs);
  }

  /** Runs one command metric after the device's earlier commands; `current` is the tag's value before. */
  run(device: DeviceMetrics, driver: Driver, metric: Metric, current: (tag: TagName) => PointValue | undefined): Promise<CommandResult> {
    const result = (this.queues.get(device.substation) ?? Promise.resolve()).then(() => this.execute(device, driver, metric, current));
    this.queues.set(device.substation, result.catch(() => undefined));
    return result;
  }

  /** Resolves once every command taken so far has finished. */
  async idle(): Promise<void> {
    await Promise.all(this.queues.values());
  }

  private async execute(device: DeviceMetrics, driver: Driver, metric: Metric, current: (tag: TagName) => PointValue | undefined): Promise<CommandResult> {
    const check = checkCommand(metric, device, this.limiter, this.now(), this.fence);
    const before = current((check.ok ? check.def.name : check.outcome.tag) as TagName);
    if (!check.ok) {
      this.record(device, check.outcome, check.sender, metric.value, before, 'refused');
      return { outcome: check.outcome };
    }
    const { def, value, requestId, sender } = check;
    this.limiter.record(device.substation, def.name, this.now());
    const written = await driver.write(def.name, value);
    const by = { actor: sender.actor, ...(sender.onBehalfOf === undefined ? {} : { onBehalfOf: sender.onBehalfOf }) };
    const outcome: CommandOutcome = written.ok
      ? { requestId, tag: def.name, ok: true, value: written.readBack, ...by }
      : { requestId, tag: def.name, ok: false, code: written.code, reason: written.reason, ...by };
    this.record(device, outcome, sender, value, before, 'failed');
    if (!written.ok) return { outcome };
    return { outcome, readBack: { substation: device.substation, tag: def.name, ts: this.now(), value: written.readBack, quality: 'good' } };
  }

  /** Logs the attempt and appends it to the audit trail; `failure` is what a not-ok outcome counts as there. */
  private record(
    device: DeviceMetrics,
    outcome: CommandOutcome,
    sender: Partial<CommandSender>,
    requested: unknown,
    before: PointValue | undefined,
    failure: Exclude<AuditOutcome, 'ok'>,
  ): void {
    const newValue = typeof requested === 'number' || typeof requested === 'string' ? requested : typeof requested === 'boolean' ? String(requested) : null;
    const fields = {
      event: 'command',
      substation: device.substation,
      tag: outcome.tag,
      request_id: outcome.requestId,
      actor: sender.actor ?? null,
      actor_kind: sender.actorKind ?? null,
      on_behalf_of: sender.onBehalfOf ?? null,
      old_value: before ?? null,
      new_value: newValue,
    };
    this.trail?.append({
      ts: this.now(),
      actor: sender.actor ?? '(none)',
      source: `mqtt:${sender.actorKind ?? 'unknown'}`,
      action: 'plant.write',
      target: `${device.substation}/${outcome.tag}`,
      oldValue: typeof before === 'boolean' ? String(before) : (before ?? null),
      newValue,
      outcome: outcome.ok ? 'ok' : failure,
      detail: [`request ${outcome.requestId || '(none)'}`, sender.onBehalfOf && `on behalf of ${sender.onBehalfOf}`, !outcome.ok && `${outcome.code}: ${outcome.reason}`].filter(Boolean).join('; '),
    });
    if (outcome.ok) {
      this.stats.accepted++;
      this.log.info({ ...fields, outcome: 'ok', read_back: outcome.value }, 'command written');
    } else {
      this.stats.refused++;
      this.log.warn({ ...fields, outcome: 'refused', code: outcome.code, reason: outcome.reason }, 'command refused');
    }
  }
}
