import type { CompiledNetwork } from './compile.ts';
import { valveResistance } from './valve.ts';

export interface HydraulicResult {
  /** Flow through the edge into each node, m³/s (node 0: the source total). */
  nodeFlowM3s: Float64Array;
  nodeSupplyPa: Float64Array;
  nodeReturnPa: Float64Array;
}

interface Scratch {
  sDown: Float64Array;
  invSqrt: Float64Array;
  dp: Float64Array;
}
const scratchOf = new WeakMap<CompiledNetwork, Scratch>();

/** Resistance of a substation's primary side (valve + exchanger + fittings) at opening h. */
export function substationResistance(net: CompiledNetwork, i: number, h: number): number {
  return net.fixedS[i] + valveResistance(net.valveKvs[i], h);
}

/**
 * Solves the primary tree exactly against the source pump curve Δp = H₀ − a·Q²: resistances
 * combine from the leaves up (series add, parallel S = (Σ S_i^−½)^−2), the pump fixes the total
 * flow, and the flows split from the source down (Q_i = √(Δp/S_i)). Writes into `out`.
 */
export function solveHydraulics(net: CompiledNetwork, valve: Float64Array, out: HydraulicResult, pumpOn = true): void {
  let scratch = scratchOf.get(net);
  if (!scratch) {
    const size = net.nodeCount;
    scratch = { sDown: new Float64Array(size), invSqrt: new Float64Array(size), dp: new Float64Array(size) };
    scratchOf.set(net, scratch);
  }
  const { sDown, invSqrt, dp } = scratch;
  const { parent, pipeS, nodeSubstation, nodeCount } = net;
  invSqrt.fill(0);
  for (let k = nodeCount - 1; k >= 1; k--) {
    const sub = nodeSubstation[k];
    if (sub >= 0) sDown[k] = substationResistance(net, sub, valve[sub]);
    else sDown[k] = invSqrt[k] > 0 ? 1 / (invSqrt[k] * invSqrt[k]) : Infinity;
    invSqrt[parent[k]] += 1 / Math.sqrt(pipeS[k] + sDown[k]);
  }
  const sNetwork = invSqrt[0] > 0 ? 1 / (invSqrt[0] * invSqrt[0]) : Infinity;
  const h0 = pumpOn ? net.source.h0 : 0;
  const q0 = Number.isFinite(sNetwork) ? Math.sqrt(h0 / (sNetwork + net.source.a)) : 0;
  const { nodeFlowM3s, nodeSupplyPa, nodeReturnPa } = out;
  dp[0] = Number.isFinite(sNetwork) ? sNetwork * q0 * q0 : 0;
  nodeFlowM3s[0] = q0;
  nodeReturnPa[0] = net.source.returnPa;
  nodeSupplyPa[0] = net.source.returnPa + dp[0];
  for (let k = 1; k < nodeCount; k++) {
    const p = parent[k];
    const sEdge = pipeS[k] + sDown[k];
    const q = Number.isFinite(sEdge) ? Math.sqrt(dp[p] / sEdge) : 0;
    const pipeDrop = pipeS[k] * q * q;
    nodeFlowM3s[k] = q;
    dp[k] = dp[p] - pipeDrop;
    // The pair's drop splits evenly between the supply and the return pipe.
    nodeSupplyPa[k] = nodeSupplyPa[p] - pipeDrop / 2;
    nodeReturnPa[k] = nodeReturnPa[p] + pipeDrop / 2;
  }
}
