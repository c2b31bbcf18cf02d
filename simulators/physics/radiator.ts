// Radiators: Q = Q_design·((T_mean − T_in)/ΔT_design)^n with T_mean the mean of supply and
// return, and the return set by the heat given off (DOMAIN.md). Solved for Q by Newton's method.

export const RADIATOR_EXPONENT = 1.3;
export const FLOOR_EXPONENT = 1.1;

/** The radiator law as Q = coefficient·(T_mean − T_in)^exponent. */
export interface RadiatorLaw {
  coefficient: number;
  exponent: number;
}

/** The law of a radiator group giving qDesign (W) at a design mean-to-room difference dtDesign (K). */
export function radiatorLaw(qDesign: number, dtDesign: number, exponent: number): RadiatorLaw {
  return { coefficient: qDesign / Math.pow(dtDesign, exponent), exponent };
}

/**
 * Heat output (W) of a radiator group fed at supply temperature tSupply with capacity rate c
 * (W/K) into a room at tRoom. `guess` (the last step's answer) makes one iteration enough.
 */
export function radiatorOutput(law: RadiatorLaw, c: number, tSupply: number, tRoom: number, guess = 0): number {
  const drive = tSupply - tRoom;
  if (c < 1e-6 || drive <= 0) return 0;
  const { coefficient: k, exponent: n } = law;
  // The return cannot fall below the room, whatever the arithmetic-mean formula says at low flow.
  const qMax = c * drive;
  let q = Math.min(Math.max(guess, 0), qMax);
  for (let i = 0; i < 12; i++) {
    const x = drive - q / (2 * c);
    const px = Math.pow(x, n - 1);
    const f = q - k * px * x;
    if (Math.abs(f) <= 1e-6 * (q + 1)) return q;
    const next = q - f / (1 + (k * n * px) / (2 * c));
    if (next >= qMax) {
      if (k * Math.pow(drive / 2, n) >= qMax) return qMax;
      q = (q + qMax) / 2;
    } else {
      q = next <= 0 ? q / 2 : next;
    }
  }
  return q;
}
