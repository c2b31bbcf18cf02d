// What every driver shares: the reconnect back-off, the device link state and its listeners,
// the last value of every tag (a bad point carries it), and the checks a write passes before
// anything is sent to a PLC. Protocol code lives in the driver folders, not here.

import { setTimeout as sleep } from 'node:timers/promises';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { PlcWriteOutcome } from '../model/command.ts';
import type { ErrorCode } from '../model/errors.ts';
import type { DriverState } from '../model/driver.ts';
import type { Point, PointValue, Quality } from '../model/point.ts';
import { TAG_NAMES, inRange, isTagName, tagDefinition, type TagDefinition, type TagName } from '../model/tags.ts';
import { readingFault, type ReadingFault } from './point-quality.ts';

export type { Logger } from 'pino';

export const DeviceIdSchema = Type.String({ minLength: 1, pattern: '^\\S+$', description: 'the substation this device serves' });

export const ReconnectSchema = Type.Object(
  {
    initial_delay_ms: Type.Integer({ minimum: 10, maximum: 60_000, default: 500, description: 'first wait after a lost or refused connection' }),
    max_delay_ms: Type.Integer({ minimum: 10, maximum: 600_000, default: 30_000, description: 'the wait doubles after each failure up to this' }),
  },
  { additionalProperties: false, default: {} },
);
export type ReconnectConfig = Static<typeof ReconnectSchema>;

/**
 * What devices share by key (a Modbus TCP link, an OPC UA session, a PKI folder): made on the
 * first acquire, counted per user, and handed back for closing when its last user releases it.
 */
export class SharedByKey<T> {
  readonly #entries = new Map<string, { value: T; users: number }>();

  acquire(key: string, create: () => T): T {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { value: create(), users: 0 };
      this.#entries.set(key, entry);
    }
    entry.users++;
    return entry.value;
  }

  /** Gives one use back; the value when that was the last use (the caller closes it), undefined otherwise. */
  release(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry || --entry.users > 0) return undefined;
    this.#entries.delete(key);
    return entry.value;
  }
}

/** The wait before attempt n+1 (n = 0 after the first failure): initial × 2ⁿ, capped. */
export function backoffDelay(cfg: ReconnectConfig, failures: number): number {
  return Math.min(cfg.max_delay_ms, cfg.initial_delay_ms * 2 ** Math.min(failures, 20));
}

/** Waits, or returns false at once when the signal aborts (a close while waiting). */
export async function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** The first line of an error's message: a log field, never a stack. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').slice(0, 200);
}

/** A tag map's keys, in catalogue order (config files may list them in any order). */
export function mappedTags(tags: Partial<Record<TagName, unknown>> | undefined): TagName[] {
  return tags === undefined ? [...TAG_NAMES] : TAG_NAMES.filter((t) => tags[t] !== undefined);
}

/** Hands points to a subscriber; a subscriber that throws is logged, and the driver carries on. */
export function deliver(log: Logger, onPoints: (points: Point[]) => void, points: Point[]): void {
  try {
    onPoints(points);
  } catch (err) {
    log.error({ error: errorText(err), points: points.length }, 'subscriber failed');
  }
}

type StateListener = (state: DriverState, reason?: string) => void;

/** The device link state: logged and told to listeners when it changes, not when it is re-set. */
export class LinkState {
  #state: DriverState = 'connecting';
  readonly #listeners = new Set<StateListener>();

  constructor(private readonly log: Logger) {}

  get state(): DriverState {
    return this.#state;
  }

  set(state: DriverState, reason?: string): void {
    if (state === this.#state) return;
    this.#state = state;
    this.log.info({ state, reason }, 'device state');
    for (const listener of this.#listeners) listener(state, reason);
  }

  on(listener: StateListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}

/** A catalogue value: booleans for status bits, numbers for everything else. */
function toPointValue(def: TagDefinition, value: number | boolean): PointValue {
  return def.valueType === 'boolean' ? value === true || (typeof value === 'number' && value !== 0) : Number(value);
}

/**
 * Points of one device. A bad point carries the tag's last good or uncertain value (0 or false
 * before there was one): Point.value is never empty, quality says whether to trust it. A reading
 * the catalogue refuses (point-quality.ts) is such a bad point, and said so in the log once, with
 * the raw value, when it starts (and once when the tag reads well again).
 */
export class PointBook {
  readonly #last = new Map<TagName, PointValue>();
  readonly #refused = new Map<TagName, ReadingFault>();

  constructor(
    readonly substation: string,
    private readonly log?: Logger,
  ) {}

  point(tag: TagName, value: number | boolean | undefined, quality: Quality, ts: number): Point {
    if (value === undefined || quality === 'bad') return this.bad(tag, ts);
    const def = tagDefinition(tag);
    const fault = readingFault(def, value);
    if (fault !== this.#refused.get(tag)) {
      if (fault) this.log?.warn({ code: 'HS_ERR_BAD_READING', tag, value: String(value), fault, range: `${def.min}…${def.max}` }, 'reading refused: marked bad');
      else this.log?.info({ tag }, 'reading good again');
      if (fault) this.#refused.set(tag, fault);
      else this.#refused.delete(tag);
    }
    if (fault) return this.bad(tag, ts);
    const v = toPointValue(def, value);
    this.#last.set(tag, v);
    return { substation: this.substation, tag, ts, value: v, quality };
  }

  bad(tag: TagName, ts: number): Point {
    const value = this.#last.get(tag) ?? (tagDefinition(tag).valueType === 'boolean' ? false : 0);
    return { substation: this.substation, tag, ts, value, quality: 'bad' };
  }

  allBad(tags: readonly TagName[], ts: number): Point[] {
    return tags.map((tag) => this.bad(tag, ts));
  }
}

export type WriteRefusal = Extract<PlcWriteOutcome, { ok: false }>;

export function refuse(code: ErrorCode, reason: string): WriteRefusal {
  return { ok: false, code, reason };
}

/**
 * The checks a write passes before a driver sends anything: the tag is mapped by this device,
 * the catalogue says it is writable, and the value lies inside the catalogue range. Nothing
 * outside the limits reaches a PLC, whatever the PLC itself would check.
 */
export function checkWrite(
  substation: string,
  mapped: readonly TagName[],
  tag: string,
  value: number,
): { ok: true; def: TagDefinition } | WriteRefusal {
  if (!isTagName(tag) || !mapped.includes(tag)) return refuse('HS_ERR_UNKNOWN_TAG', `${substation} maps no tag ${tag}`);
  const def = tagDefinition(tag);
  if (!def.writable) return refuse('HS_ERR_NOT_WRITABLE', `${tag} is read-only`);
  if (!inRange(def, value)) return refuse('HS_ERR_OUT_OF_RANGE', `${tag} = ${value} is outside ${def.min}…${def.max} ${def.unit}`.trim());
  return { ok: true, def };
}

/**
 * The `tags` map of a device config: catalogue tag names as keys (any other key is a config
 * error with its path), each with its protocol's address schema; every key optional.
 */
export function tagMapSchema<T extends TSchema>(entry: (def: TagDefinition) => T, description: string) {
  const properties = Object.fromEntries(TAG_NAMES.map((name) => [name, entry(tagDefinition(name))])) as Record<TagName, T>;
  return Type.Partial(Type.Object(properties), { additionalProperties: false, description });
}
