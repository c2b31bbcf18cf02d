// Equal-percentage control valve, Kv(h) = Kvs·R^(h−1) (DOMAIN.md), with the inherent
// characteristic bent to reach the stated closed leakage at h = 0 instead of Kvs/R.

export const RANGEABILITY = 30;
export const CLOSED_LEAK = 0.0005; // share of Kvs that passes a closed valve

/** Flow coefficient, m³/h at 1 bar, for an opening h in 0..1. */
export function valveKv(kvs: number, h: number): number {
  const opening = Math.min(1, Math.max(0, h));
  const equalPercentage = Math.pow(RANGEABILITY, opening - 1) - (1 - opening) / RANGEABILITY;
  return kvs * (CLOSED_LEAK + (1 - CLOSED_LEAK) * equalPercentage);
}

/** Hydraulic resistance S in Pa/(m³/s)²: Δp[bar] = (Q[m³/h]/Kv)² rewritten in SI. */
export function valveResistance(kvs: number, h: number): number {
  const kv = valveKv(kvs, h);
  return (1e5 * 3600 * 3600) / (kv * kv);
}
