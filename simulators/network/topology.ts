import type { NetworkTopology } from '../../model/topology.ts';
import type { Network } from './schema.ts';

/** The part of a network description a picture of it needs (model/topology.ts): no physics. */
export function networkTopology(network: Network): NetworkTopology {
  const { source } = network;
  return {
    name: network.name,
    source: { id: source.id, ...(source.location ? { location: source.location } : {}) },
    junctions: network.junctions.map((j) => ({ id: j.id, parent: j.parent, diameter_mm: j.diameter_mm, ...(j.location ? { location: j.location } : {}) })),
    substations: network.substations.map((s) => ({
      id: s.id,
      parent: s.parent,
      diameter_mm: s.diameter_mm,
      location: s.location,
      name: s.name,
      ...(s.name_en ? { name_en: s.name_en } : {}),
      ...(s.community ? { community: s.community } : {}),
      ...(s.area ? { area: s.area } : {}),
    })),
  };
}
