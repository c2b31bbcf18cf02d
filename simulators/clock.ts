// Drives the plant in real or accelerated time. The physics always moves in whole fixed steps,
// so a seed gives the same trajectory however the timer jitters; wall time only decides how
// many steps are due.

/** What the clock drives: Plant, or anything else stepped in fixed increments. */
export interface Steppable {
  readonly stepS: number;
  advance(seconds: number): void;
}

export interface BehindReport {
  /** Simulated seconds given up since the last report, because the steps could not keep up. */
  droppedS: number;
  speed: number;
}

export interface ClockOptions {
  speed: number;
  /** How often the timer fires, wall ms. */
  tickMs?: number;
  /** Most wall time a backlog may stand for; beyond it simulated time is given up, not caught up. */
  maxBacklogWallS?: number;
  /** Called at most once per reportEveryMs while the clock is giving up time. */
  onBehind?: (report: BehindReport) => void;
  reportEveryMs?: number;
  /** Wall time source, ms (monotonic). */
  now?: () => number;
}

const DEFAULT_TICK_MS = 100;
const DEFAULT_MAX_BACKLOG_WALL_S = 2;
const DEFAULT_REPORT_EVERY_MS = 10_000;
/** Share of a tick the steps may use, so the servers sharing the event loop still answer. */
const STEP_BUDGET_SHARE = 0.8;

export class SimClock {
  private speedValue: number;
  private timer: NodeJS.Timeout | undefined;
  private lastWallMs = 0;
  /** Simulated seconds due but not yet stepped. */
  private owedS = 0;
  private droppedSinceReportS = 0;
  private lastReportMs = -Infinity;
  private droppedTotalS = 0;
  private readonly tickMs: number;
  private readonly maxBacklogWallS: number;
  private readonly reportEveryMs: number;
  private readonly now: () => number;

  constructor(
    private readonly plant: Steppable,
    private readonly options: ClockOptions,
  ) {
    this.speedValue = checkedSpeed(options.speed);
    this.tickMs = options.tickMs ?? DEFAULT_TICK_MS;
    this.maxBacklogWallS = options.maxBacklogWallS ?? DEFAULT_MAX_BACKLOG_WALL_S;
    this.reportEveryMs = options.reportEveryMs ?? DEFAULT_REPORT_EVERY_MS;
    this.now = options.now ?? (() => performance.now());
  }

  get speed(): number {
    return this.speedValue;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Simulated seconds given up since the start because the steps could not keep up. */
  get droppedS(): number {
    return this.droppedTotalS;
  }

  start(): void {
    if (this.timer) return;
    this.lastWallMs = this.now();
    this.timer = setInterval(() => this.tick(), this.tickMs);
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Changes the speed from now on; the time run so far stays at the old speed. */
  setSpeed(speed: number): void {
    const next = checkedSpeed(speed);
    if (this.timer) this.accrue();
    this.speedValue = next;
  }

  /** One timer tick: runs the whole steps that are due, within the tick's time budget. */
  tick(): void {
    this.accrue();
    this.giveUpBeyondBacklog();
    const stepS = this.plant.stepS;
    const deadline = this.now() + this.tickMs * STEP_BUDGET_SHARE;
    while (this.owedS >= stepS && this.now() < deadline) {
      this.plant.advance(stepS);
      this.owedS -= stepS;
    }
  }

  private accrue(): void {
    const wallMs = this.now();
    this.owedS += (this.speedValue * (wallMs - this.lastWallMs)) / 1000;
    this.lastWallMs = wallMs;
  }

  /** A stalled event loop or an overloaded machine must not leave a backlog that freezes the loop catching up. */
  private giveUpBeyondBacklog(): void {
    const limitS = Math.max(this.plant.stepS, this.speedValue * this.maxBacklogWallS);
    if (this.owedS > limitS) {
      const dropped = this.owedS - limitS;
      this.owedS = limitS;
      this.droppedSinceReportS += dropped;
      this.droppedTotalS += dropped;
    }
    const wallMs = this.now();
    if (this.droppedSinceReportS > 0 && wallMs - this.lastReportMs >= this.reportEveryMs) {
      this.options.onBehind?.({ droppedS: this.droppedSinceReportS, speed: this.speedValue });
      this.droppedSinceReportS = 0;
      this.lastReportMs = wallMs;
    }
  }
}

function checkedSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`speed must be a positive number, got ${speed}`);
  return speed;
}

export interface WarmUp {
  /** Simulated seconds per wall second meanwhile. */
  speed: number;
  /** Simulated hours at that speed. */
  hours: number;
}

/**
 * Runs the clock at the warm-up speed until `hours` of simulated time have passed, then at its
 * normal speed. Someone setting a speed meanwhile (the admin endpoint) ends the warm-up without
 * being overridden. Returns a stop for the watch.
 */
export function warmUp(clock: SimClock, elapsedS: () => number, warmup: WarmUp, onEnd: (speed: number) => void): () => void {
  const normal = clock.speed;
  clock.setSpeed(warmup.speed);
  const watch = setInterval(() => {
    if (clock.speed === warmup.speed && elapsedS() < warmup.hours * 3600) return;
    clearInterval(watch);
    if (clock.speed === warmup.speed) clock.setSpeed(normal);
    onEnd(clock.speed);
  }, DEFAULT_TICK_MS);
  return () => clearInterval(watch);
}
