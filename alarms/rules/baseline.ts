import { median } from '../view.ts';
import type { RuleFactory, Sample } from './rule.ts';

// Deviation from a learned baseline: the tag's median over the last window (make-up flow over
// 24 h is the leak detector). One sample a `sample_s`; samples taken while the alarm is active
// are left out, so a long leak does not teach the baseline that leaking is normal. At start it
// learns the window's past from the store (the engine reads it), so a restart is not blind to a
// leak for min_samples × sample_s (10 minutes by default).

export const baselineRule: RuleFactory<'baseline'> = (cfg) => {
  const samples: Sample[] = [];
  const windowMs = cfg.window_h * 3_600_000;
  return {
    aboutLink: false,
    learnsFrom: { tag: cfg.tag, windowMs, stepMs: cfg.sample_s * 1000 },
    learn(past) {
      const firstOwn = samples[0]?.at ?? Number.POSITIVE_INFINITY;
      samples.unshift(...past.filter((s) => s.at < firstOwn));
    },
    evaluate({ view, now, active }) {
      const v = view.number(cfg.tag);
      if (v === undefined) return null;
      const base = median(samples.map((s) => s.value));
      if (!active && (samples.length === 0 || now - samples[samples.length - 1].at >= cfg.sample_s * 1000)) {
        samples.push({ at: now, value: v });
        while (samples.length > 0 && samples[0].at < now - windowMs) samples.shift();
      }
      if (base === undefined || samples.length < cfg.min_samples) return null;
      return v > cfg.floor && v > cfg.factor * base;
    },
  };
};
