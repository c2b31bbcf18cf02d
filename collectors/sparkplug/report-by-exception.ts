import type { Point } from '../../model/point.ts';
import { TAG_BY_NAME, type TagDefinition, type TagName } from '../../model/tags.ts';

// Report by exception: a device's point is published only when it moved beyond its tag's
// deadband since the value last reported, or its quality changed. Comparing with the last
// reported value (not the previous sample) means a slow drift is still reported once it adds up.

/** Temperatures report at 0.05 K, to the PLC's 0.1 °C resolution with no chatter. */
const TEMPERATURE_DEADBAND_K = 0.05;
/** Other analog values report at 0.1 % of their engineering span. */
const SPAN_FRACTION = 0.001;

/** The catalogue's default deadband of a tag, in its engineering unit. */
export function defaultDeadband(def: TagDefinition): number {
  // Booleans, enums, setpoints (each change is a decision) and counters report every change.
  if (def.valueType !== 'number' || def.kind !== 'measurement' || def.name === 'heat.energy') return 0;
  if (def.unit === '°C') return TEMPERATURE_DEADBAND_K;
  return SPAN_FRACTION * (def.max - def.min);
}

/** A deadband per tag: the configured override, or the catalogue default. */
export function deadbands(overrides: Partial<Record<TagName, number>>): (tag: TagName) => number {
  const table = new Map<TagName, number>();
  for (const [name, def] of TAG_BY_NAME) table.set(name, overrides[name] ?? defaultDeadband(def));
  return (tag) => table.get(tag) ?? 0;
}

function exceeds(deadband: number, reported: Point, next: Point): boolean {
  if (next.quality !== reported.quality) return true;
  if (typeof next.value === 'boolean' || typeof reported.value === 'boolean') return next.value !== reported.value;
  return Math.abs(next.value - reported.value) > deadband;
}

/** One device's filter: the latest point of every tag and the last one reported. */
export class ExceptionFilter {
  private readonly latest = new Map<TagName, Point>();
  private readonly reported = new Map<TagName, Point>();

  constructor(private readonly deadband: (tag: TagName) => number) {}

  /** Takes a batch of samples; returns those to report, in order, and counts them as reported. */
  offer(points: readonly Point[]): Point[] {
    const out: Point[] = [];
    for (const point of points) {
      this.latest.set(point.tag, point);
      const reported = this.reported.get(point.tag);
      if (reported === undefined || exceeds(this.deadband(point.tag), reported, point)) {
        this.reported.set(point.tag, point);
        out.push(point);
      }
    }
    return out;
  }

  /** The latest point of every tag seen, all of them now reported (a birth, a periodic refresh). */
  reportAll(): Point[] {
    for (const [tag, point] of this.latest) this.reported.set(tag, point);
    return [...this.latest.values()];
  }

  /** Records a point reported outside offer() (a command's read-back). */
  markReported(point: Point): void {
    this.latest.set(point.tag, point);
    this.reported.set(point.tag, point);
  }

  get latestPoints(): ReadonlyMap<TagName, Point> {
    return this.latest;
  }

  get hasData(): boolean {
    return this.latest.size > 0;
  }

  /** Forgets everything: the device went away, and what it says on return starts afresh. */
  clear(): void {
    this.latest.clear();
    this.reported.clear();
  }
}
