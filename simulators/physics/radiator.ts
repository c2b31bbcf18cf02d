// Radiators: Q = Q_design·((T_mean − T_in)/ΔT_design)^n with T_mean the mean of supply and
// return, and the return set by the heat given off (DOMAIN.md). Solved for Q by Newton's method.

export const RADIATOR_EXPONENT = 1.3;
export const FLOOR_EXPONENT = 1.1;

export interface RadiatorDesign {
  /** Output at the design mean-to-room difference, W. */
  qDesign: number;
  /** Design mean-to-room temperature difference, K. */
  dtDesign: number;
  exponent: number;
}

/**
 * Heat output (W) of a radiator group fed at supply temperature tSupply with capacity rate c
 * (W/K) into a room at tRoom. `guess` (the last step's answer) makes one or two iterations enough.
 */
export function radiatorOutput(design: RadiatorDesign, c: number, tSupply: number, tRoom: number, guess = 0): number {
  const drive = tSupply - tRoom;
  if (c < 1e-6 || drive <= 0) return 0;
  // The return cannot fall below the room, whatever the arithmetic-mean formula says at low flow.
  const qMax = c * drive;
  const k = design.qDesign / Math.pow(design.dtDesign, design.exponent);
  const n = design.exponent;
  if (k * Math.pow(drive / 2, n) >= qMax) return qMax;
  let q = Math.min(Math.max(guess, 0), qMax);
  for (let i = 0; i < 12; i++) {
    const x = drive - q / (2 * c);
    const px = Math.pow(x, n - 1);
    const f = q - k * px * x;
    const df = 1 + (k * n * px) / (2 * c);
    const next = q - f / df;
    const clamped = next <= 0 ? q / 2 : next >= qMax ? (q + qMax) / 2 : next;
    if (Math.abs(clamped - q) < 1e-3 * (1 + q) * 1e-3) return clamped;
    q = clamped;
  }
  return q;
}
