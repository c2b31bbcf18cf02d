// Water properties and unit conversions: the physics works in SI (Pa, m³/s, kg/s, W, K);
// the tag table speaks °C, MPa, m³/h, kW, GJ.

export const RHO = 975; // kg/m³, hot water
export const CP = 4190; // J/(kg·K)

export const m3hToM3s = (q: number): number => q / 3600;
export const m3sToM3h = (q: number): number => q * 3600;
export const mpaToPa = (p: number): number => p * 1e6;
export const paToMpa = (p: number): number => p / 1e6;
export const kpaToPa = (p: number): number => p * 1e3;

/** Heat capacity flow (W/K) of a volume flow in m³/s. */
export const capacityRate = (qM3s: number): number => qM3s * RHO * CP;

/** Resistance S (Pa per (m³/s)²) that gives a pressure drop dp (Pa) at flow q (m³/s). */
export const resistanceFor = (dpPa: number, qM3s: number): number => dpPa / (qM3s * qM3s);
