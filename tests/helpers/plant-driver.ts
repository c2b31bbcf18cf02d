import type { PlcWriteOutcome } from '../../model/command.ts';
import type { Driver, DriverState } from '../../model/driver.ts';
import type { Point } from '../../model/point.ts';
import { TAG_NAMES, type TagName } from '../../model/tags.ts';
import type { PlcAccess } from '../../simulators/plc-access.ts';

type PointsListener = (points: Point[]) => void;

/**
 * A Driver that reads and writes a simulated plant directly (no protocol), for tests of what
 * sits above the Driver seam. Points carry the plant's clock as their timestamp; poll() emits
 * one reading on demand, so a test decides exactly what was produced and when.
 */
export class PlantDriver implements Driver {
  readonly tags: readonly TagName[] = TAG_NAMES;
  /** Writes that reached the plant. */
  writes = 0;
  private current: DriverState = 'disconnected';
  private readonly pointListeners = new Set<PointsListener>();
  private readonly stateListeners = new Set<(state: DriverState, reason?: string) => void>();

  constructor(
    private readonly plant: PlcAccess & { readonly timeMs: number },
    readonly substation: string,
  ) {}

  get state(): DriverState {
    return this.current;
  }

  async connect(): Promise<void> {
    this.setState('connected');
  }

  async read(): Promise<Point[]> {
    return this.snapshot();
  }

  async subscribe(onPoints: PointsListener, intervalMs: number): Promise<() => Promise<void>> {
    this.pointListeners.add(onPoints);
    const timer = setInterval(() => this.poll(), intervalMs);
    return async () => {
      clearInterval(timer);
      this.pointListeners.delete(onPoints);
    };
  }

  /** Reads every tag now and hands the points to the subscribers (nothing while disconnected). */
  poll(): Point[] {
    if (this.current !== 'connected') return [];
    const points = this.snapshot();
    for (const listener of this.pointListeners) listener(points);
    return points;
  }

  /** Hands a reading to the subscribers whatever the link state says, as a driver may just before it reports connected. */
  deliverRegardlessOfState(): Point[] {
    const points = this.snapshot();
    for (const listener of this.pointListeners) listener(points);
    return points;
  }

  async write(tag: string, value: number): Promise<PlcWriteOutcome> {
    if (this.current !== 'connected') return { ok: false, code: 'HS_ERR_PLC_OFFLINE', reason: `${this.substation} is not connected` };
    this.writes++;
    const result = this.plant.write(this.substation, tag as TagName, value);
    if (!result.ok) return result;
    return { ok: true, readBack: Number(this.plant.read(this.substation, tag as TagName)) };
  }

  onStateChange(listener: (state: DriverState, reason?: string) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** The device link drops (the PLC stops answering) or returns. */
  setLink(up: boolean): void {
    this.setState(up ? 'connected' : 'disconnected', up ? undefined : 'link down (test)');
  }

  async close(): Promise<void> {
    this.setState('disconnected', 'closed');
    this.pointListeners.clear();
  }

  private snapshot(): Point[] {
    const ts = this.plant.timeMs;
    return this.tags.map((tag) => ({ substation: this.substation, tag, ts, value: this.plant.read(this.substation, tag), quality: 'good' as const }));
  }

  private setState(state: DriverState, reason?: string): void {
    if (state === this.current) return;
    this.current = state;
    for (const listener of this.stateListeners) listener(state, reason);
  }
}
