import type { Network } from './schema.ts';

// A season start in hours rather than days: the make-up pump alone takes up to 2.5 days to fill
// the biggest loops (volume / make-up capacity), so a test or a benchmark gives every loop a
// fill connection (a hydrant or the primary network's fill line) that fills it in about half an
// hour, within the schema's fill_flow_m3h limit.

const MAX_FILL_FLOW_M3H = 200;

/** The network with every loop's fill flow set to fill it in about 30 minutes (at most 200 m³/h). */
export function withFillConnections(network: Network): Network {
  return {
    ...network,
    substations: network.substations.map((s) => ({ ...s, loop: { ...s.loop, fill_flow_m3h: Math.min(MAX_FILL_FLOW_M3H, 2 * s.loop.volume_m3) } })),
  };
}
