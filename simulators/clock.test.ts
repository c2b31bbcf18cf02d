import { describe, expect, it, vi } from 'vitest';
import { SimClock, warmUp, type BehindReport, type Steppable } from './clock.ts';

/** A plant that counts its steps and a wall clock moved by hand (each step may cost wall time). */
function rig(stepS: number, stepCostMs = 0) {
  const wall = { ms: 0 };
  const plant: Steppable & { steps: number } = {
    stepS,
    steps: 0,
    advance(seconds) {
      expect(seconds).toBe(stepS);
      plant.steps++;
      wall.ms += stepCostMs;
    },
  };
  return { wall, plant, now: () => wall.ms };
}

describe('SimClock', () => {
  it('runs whole fixed steps for speed × wall time, carrying the remainder', () => {
    const { wall, plant, now } = rig(1);
    const clock = new SimClock(plant, { speed: 2.5, now });
    clock.start();
    clock.stop();
    for (let k = 0; k < 10; k++) {
      wall.ms += 100;
      clock.tick();
    }
    expect(plant.steps).toBe(2); // 2.5 s due: two steps run, half a step carried
    wall.ms += 200;
    clock.tick();
    expect(plant.steps).toBe(3);
  });

  it('keeps the time run so far at the old speed when the speed changes', () => {
    const { wall, plant, now } = rig(1);
    const clock = new SimClock(plant, { speed: 10, now, maxBacklogWallS: 100 });
    clock.start();
    wall.ms += 1000;
    clock.setSpeed(60);
    wall.ms += 1000;
    clock.tick();
    clock.stop();
    expect(plant.steps).toBe(70);
    expect(() => clock.setSpeed(0)).toThrow(RangeError);
  });

  it('gives up time after a stall instead of freezing to catch up, and says so', () => {
    const { wall, plant, now } = rig(1);
    const reports: BehindReport[] = [];
    const clock = new SimClock(plant, { speed: 10, now, maxBacklogWallS: 2, onBehind: (r) => reports.push(r) });
    clock.start();
    clock.stop();
    wall.ms += 60_000;
    clock.tick();
    expect(plant.steps).toBe(20);
    expect(clock.droppedS).toBeCloseTo(580, 6);
    expect(reports).toEqual([{ droppedS: expect.closeTo(580, 6), speed: 10 }]);
  });

  it('uses at most part of a tick for steps, so the servers still answer', () => {
    const { wall, plant, now } = rig(1, 30);
    const clock = new SimClock(plant, { speed: 100, now, tickMs: 100, reportEveryMs: 0 });
    clock.start();
    clock.stop();
    wall.ms += 100;
    clock.tick();
    expect(plant.steps).toBe(3); // 30 ms a step, 80 ms of budget
  });
});

describe('warmUp', () => {
  it('runs the first hours at the warm-up speed, then at the normal speed', () => {
    vi.useFakeTimers();
    try {
      const clock = new SimClock(rig(1).plant, { speed: 1 });
      const elapsed = { s: 0 };
      const ends: number[] = [];
      warmUp(clock, () => elapsed.s, { speed: 60, hours: 2 }, (speed) => ends.push(speed));
      expect(clock.speed).toBe(60);
      elapsed.s = 2 * 3600 - 1;
      vi.advanceTimersByTime(500);
      expect(clock.speed).toBe(60);
      elapsed.s = 2 * 3600;
      vi.advanceTimersByTime(500);
      expect(clock.speed).toBe(1);
      expect(ends).toEqual([1]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends early, without overriding it, when someone sets a speed meanwhile', () => {
    vi.useFakeTimers();
    try {
      const clock = new SimClock(rig(1).plant, { speed: 1 });
      const ends: number[] = [];
      warmUp(clock, () => 0, { speed: 60, hours: 2 }, (speed) => ends.push(speed));
      clock.setSpeed(10);
      vi.advanceTimersByTime(500);
      expect(clock.speed).toBe(10);
      expect(ends).toEqual([10]);
    } finally {
      vi.useRealTimers();
    }
  });
});
