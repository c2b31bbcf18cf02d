// Counter-flow plate heat exchanger by effectiveness–NTU (DOMAIN.md).

/** Effectiveness of a counter-flow exchanger for the given NTU and capacity ratio. */
export function counterFlowEffectiveness(ntu: number, cr: number): number {
  if (ntu <= 0) return 0;
  if (cr > 0.999999) return ntu / (1 + ntu);
  const e = Math.exp(-ntu * (1 - cr));
  return (1 - e) / (1 - cr * e);
}

/** NTU that gives effectiveness eps at capacity ratio cr: sizes an exchanger for a design duty. */
export function ntuForEffectiveness(eps: number, cr: number): number {
  if (!(eps > 0 && eps < 1)) throw new RangeError(`effectiveness ${eps} must lie in (0, 1)`);
  if (cr > 0.999999) return eps / (1 - eps);
  if (eps * cr >= 1) throw new RangeError(`effectiveness ${eps} is unreachable at Cr ${cr}`);
  return Math.log((1 - eps * cr) / (1 - eps)) / (1 - cr);
}

export interface ExchangerResult {
  /** Heat moved from primary to secondary, W. */
  q: number;
  primaryOut: number;
  secondaryOut: number;
}

/**
 * Heat transfer given the capacity rates (W/K) and inlet temperatures; never moves heat from
 * cold to hot and never heats the secondary above the primary inlet.
 */
export function exchange(ua: number, c1: number, c2: number, t1in: number, t2in: number): ExchangerResult {
  const cmin = Math.min(c1, c2);
  if (cmin < 1e-6 || t1in <= t2in) {
    return { q: 0, primaryOut: t1in, secondaryOut: t2in };
  }
  const cmax = Math.max(c1, c2);
  const eps = counterFlowEffectiveness(ua / cmin, cmin / cmax);
  const q = eps * cmin * (t1in - t2in);
  return { q, primaryOut: t1in - q / c1, secondaryOut: t2in + q / c2 };
}
