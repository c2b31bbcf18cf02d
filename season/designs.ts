import type { Network } from '../simulators/network/schema.ts';
import type { SubstationDesign } from './watcher.ts';

// The design figures the judges compare telemetry with, from a network description (the
// simulated city, or a real network's file): the loop's static pressure and water volume, and its
// design flow — the circulation pump's rated flow, what it moves at design head.

export function designsOf(network: Pick<Network, 'substations'>): Map<string, SubstationDesign> {
  return new Map(network.substations.map((s) => [s.id, { staticMpa: s.loop.static_pressure_mpa, volumeM3: s.loop.volume_m3, designFlowM3h: s.pump.rated_flow_m3h }]));
}
