import type { SubstationSpec } from '../simulators/network/schema.ts';
import { seededRandom } from '../simulators/network/random.ts';
import type { BuildingEntry } from '../model/service.ts';
import { AddressBook } from './address-book.ts';

// The address book of the simulated city, generated from the simulator's network: each
// substation's heated floor area split over 2–6 residential buildings (1号楼 …) in one or two
// communities named after the substation, about one household per 90 m². Deterministic: the same
// network gives the same book, so a test can name a building.

const M2_PER_HOUSEHOLD = 90;

/** The estate a substation heats, as its name says it (阳光花园二期换热站 → 阳光花园二期). */
const estateOf = (s: Pick<SubstationSpec, 'name'>): string => s.name.replace(/换热站$/, '') || s.name;

/** A seed from the substation id, so one substation's buildings do not depend on the others'. */
function seedOf(id: string): number {
  let h = 2166136261;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

export function demoBuildings(substations: readonly Pick<SubstationSpec, 'id' | 'name' | 'buildings'>[]): BuildingEntry[] {
  return substations.flatMap((s) => {
    const rnd = seededRandom(seedOf(s.id));
    const totalM2 = s.buildings.reduce((sum, b) => sum + b.floor_area_m2, 0);
    const count = 2 + Math.floor(rnd() * 5);
    const estate = estateOf(s);
    // A second community (东区) beside the estate for about a third of the substations.
    const communities = rnd() < 1 / 3 ? [estate, `${estate}东区`] : [estate];
    const weights = Array.from({ length: count }, () => 0.6 + rnd());
    const weightSum = weights.reduce((a, b) => a + b, 0);
    return weights.map((w, k) => {
      const areaM2 = Math.round((totalM2 * w) / weightSum);
      const community = communities[k % communities.length];
      const number = Math.floor(k / communities.length) + 1;
      return { community, building: `${number}号楼`, substation: s.id, areaM2, households: Math.max(1, Math.round(areaM2 / M2_PER_HOUSEHOLD)) };
    });
  });
}

export const demoAddressBook = (substations: readonly Pick<SubstationSpec, 'id' | 'name' | 'buildings'>[]): AddressBook => new AddressBook(demoBuildings(substations));
