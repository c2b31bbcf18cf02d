// What a judge says about one phase of one substation, on the curves it was given. `code` is
// stable (the board and the web translate it); `reason` is the same thing in words, with figures.

export type VerdictState = 'running' | 'passed' | 'failed';

export interface Verdict {
  state: VerdictState;
  code: string;
  reason: string;
  /** The window judged, ms UTC: the evidence's bounds. */
  from: number;
  to: number;
  /** The figures the verdict rests on (drop_mpa, held_min, flow_ratio …). */
  figures: Record<string, number>;
}

export const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** The make-up a tight loop may need, m³/h: the fixed limit, or a share of its volume where that is more. */
export const makeupLimitM3h = (params: { max_makeup_m3h: number; max_makeup_share_per_h: number }, volumeM3: number | undefined): number =>
  Math.max(params.max_makeup_m3h, (volumeM3 ?? 0) * params.max_makeup_share_per_h);
