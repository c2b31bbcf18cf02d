import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scaledRules } from './platform-config.ts';

const RULES = `
alarms:
  - id: a
    settle_s: 1200
    rules:
      - { kind: limit, tag: t, threshold: 1, on_delay_s: 600, off_delay_s: 60 }
      - { kind: rate, tag: t, direction: fall, per_min: 0.3, window_s: 600 }
      - { kind: baseline, tag: t, factor: 3, window_h: 24, floor: 1 }
      - { kind: frozen, tags: [t], digits: 2, for_s: 1800 }
      - { kind: comm-loss, polls: 3 }
      - { kind: baseline, tag: t, factor: 3 }
`;

describe('alarm rules scaled to the simulator speed', () => {
  const [alarm] = (parse(scaledRules(RULES, 600)) as { alarms: { settle_s: number; rules: Record<string, unknown>[] }[] }).alarms;

  it('divides delays and windows by the speed, windows no shorter than a few polls', () => {
    expect(alarm.settle_s).toBe(2);
    expect(alarm.rules[0]).toMatchObject({ on_delay_s: 1, off_delay_s: 0.1 });
    expect(alarm.rules[1]).toMatchObject({ window_s: 5 });
    expect(alarm.rules[2].window_h).toBeCloseTo(144 / 3600, 9);
    expect(alarm.rules[3]).toMatchObject({ for_s: 5 });
  });

  it('scales the times a rule leaves to their defaults', () => {
    expect(alarm.rules[5]).toMatchObject({ sample_s: 0.1, min_samples: 10 });
    expect(alarm.rules[5].window_h).toBeCloseTo(144 / 3600, 9);
  });

  it('keeps a rate per simulated minute and leaves counts alone', () => {
    expect(alarm.rules[1].per_min).toBeCloseTo(180, 9);
    expect(alarm.rules[4]).toEqual({ kind: 'comm-loss', polls: 3 });
  });
});
