import type { AlarmsConfig } from '../alarms/config-schema.ts';
import type { NetworkTopology } from '../model/topology.ts';

// The all-in-one's simulated city comes without areas or crews, so a complaint or a cold-homes
// order would reach nobody. Given none, the city gets one area per district — the generated city
// runs one trunk main through each, and names it on every substation — or, for a network without
// district names, per branch (the pipe leaving the heat source that feeds it), and one crew per area.

export type Areas = Pick<AlarmsConfig, 'groups' | 'crews'>;

/** The node under the source a substation hangs from: its branch of the network. */
function branchOf(topology: NetworkTopology, id: string): string {
  const parentOf = new Map<string, string>([...topology.junctions, ...topology.substations].map((n) => [n.id, n.parent]));
  let node = id;
  // Bounded by the node count, so a cycle in a hand-written file cannot hang the start.
  for (let hops = 0; hops <= parentOf.size; hops++) {
    const parent = parentOf.get(node);
    if (parent === undefined || parent === topology.source.id) return node;
    node = parent;
  }
  return node;
}

/** Areas by district (else by branch), in network order, and crews crew-1 … crew-N, one per area. */
export function simulatedAreas(topology: NetworkTopology): Areas {
  const groups: Record<string, string[]> = {};
  for (const s of topology.substations) {
    const area = s.area?.zh ?? branchOf(topology, s.id);
    (groups[area] ??= []).push(s.id);
  }
  const crews = Object.keys(groups).map((area, i) => ({ id: `crew-${i + 1}`, name: `${area}抢修队`, groups: [area] }));
  return { groups, crews };
}

/** The simulated city's areas and crews when the configuration has none (neither groups nor crews); undefined otherwise. */
export function areasForSimulatedCity(alarms: AlarmsConfig, topology: NetworkTopology | undefined): Areas | undefined {
  const configured = Object.keys(alarms.groups).length > 0 || alarms.crews.length > 0;
  return configured || topology === undefined ? undefined : simulatedAreas(topology);
}
