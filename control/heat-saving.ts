// The heat the balancing saves against the curve alone, estimated from the loop's own figures
// while it runs (the benchmark measures it: bench/balance.ts, run (b) against (c)). Without
// balancing every substation gets one common curve, and it must be raised until the most
// demanding substation's coldest home is warm enough: a common trim equal to the largest
// indoor need (the trim without the return bias). A trim shifts the outdoor temperature the
// curve sees, so a substation's heat goes with (t_n + trim − t_out), the loss of a building held
// `trim` warmer; heat with the loop over heat with the curve alone is then
// Σ (t_n + trim_i − t_out_i) / Σ (t_n + T − t_out_i), T = max need_i. Substations weigh alike
// (the loop reads no heat meters) and the hydraulic imbalance of unbalanced valves is left out,
// which in the benchmark costs more heat still: a lower bound of the saving.

export interface SavingInput {
  outdoorC: number;
  /** The trim the loop gives the substation, K. */
  trimK: number;
  /** Its indoor need alone, K (trimK less the return bias). */
  needK: number;
}

export interface HeatSaving {
  /** Saved against the curve alone, % of the curve alone's heat (negative: the loop sends more). */
  savedPct: number;
  /** The common trim the curve alone would need, K. */
  curveTrimK: number;
  substations: number;
}

export function heatSaving(indoorC: number, subs: readonly SavingInput[]): HeatSaving | null {
  if (subs.length === 0) return null;
  const curveTrimK = Math.max(...subs.map((s) => s.needK));
  // A building needs no heat at or above the indoor temperature: no negative loads.
  const load = (trimK: number, outdoorC: number) => Math.max(0, indoorC + trimK - outdoorC);
  const alone = subs.reduce((sum, s) => sum + load(curveTrimK, s.outdoorC), 0);
  if (alone <= 0) return null;
  const loop = subs.reduce((sum, s) => sum + load(s.trimK, s.outdoorC), 0);
  return { savedPct: (100 * (alone - loop)) / alone, curveTrimK, substations: subs.length };
}
