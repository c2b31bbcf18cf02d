import { median } from '../view.ts';
import type { RuleFactory } from './rule.ts';

// Deviation from a learned baseline: the tag's median over the last window (make-up flow over
// 24 h is the leak detector). One sample a `sample_s`; samples taken while the alarm is active
// are left out, so a long leak does not teach the baseline that leaking is normal.

export const baselineRule: RuleFactory<'baseline'> = (cfg) => {
  const samples: { at: number; value: number }[] = [];
  const windowMs = cfg.window_h * 3_600_000;
  return {
    aboutLink: false,
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
