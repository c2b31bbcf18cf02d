import type { Heating } from './config-schema.ts';

// The emitter type per substation (control.heating) for a loop beside the simulator: the simulated
// network knows each substation's emitters, so the all-in-one need not repeat them in the
// configuration. An entry the configuration has wins.

/** control.heating completed from the substations' own emitter types; the configured entries win. */
export function heatingWithDefaults(configured: Readonly<Record<string, Heating>>, substations: readonly { id: string; heating: Heating }[]): Record<string, Heating> {
  return { ...Object.fromEntries(substations.map((s) => [s.id, s.heating])), ...configured };
}
