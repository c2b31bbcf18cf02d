import { describe, expect, it } from 'vitest';
import { compileNetwork } from '../physics/compile.ts';
import { generateCity } from './generate.ts';
import { networkTopology } from './topology.ts';

describe('generated city: names and places', () => {
  const city = generateCity({ substations: 1200, seed: 4 });

  it('names every substation in Chinese with an English form, a community and a district, each name unique', () => {
    for (const s of city.substations) {
      expect(s.name).toMatch(/^\p{Script=Han}[\p{Script=Han}\d]*换热站$/u);
      expect(s.name_en).toMatch(/^[A-Z][\w’ .]* Substation$/);
      expect(s.community?.zh).toBeTruthy();
      expect(s.area?.zh).toMatch(/区$/);
    }
    expect(new Set(city.substations.map((s) => s.name)).size).toBe(city.substations.length);
    expect(new Set(city.substations.map((s) => s.name_en)).size).toBe(city.substations.length);
  });

  it('numbers the substations of one estate as its phases', () => {
    const phased = city.substations.filter((s) => /期换热站$/.test(s.name));
    expect(phased.length).toBeGreaterThan(0);
    const estate = phased[0].community!.zh;
    const phases = city.substations.filter((s) => s.community?.zh === estate).map((s) => s.name);
    expect(phases).toContain(`${estate}一期换热站`);
    expect(phases).toContain(`${estate}二期换热站`);
  });

  it('is the same city for the same seed, names and physics alike; naming leaves the pipes as they were', () => {
    expect(generateCity({ substations: 1200, seed: 4 })).toEqual(city);
    const other = generateCity({ substations: 1200, seed: 5 });
    expect(other.substations.map((s) => s.name)).not.toEqual(city.substations.map((s) => s.name));
    // The tree still compiles: every parent named, the same way as before names existed.
    expect(compileNetwork(city).n).toBe(1200);
  });

  it('places the source and every junction: the mains radiate from the source, a kilometre a junction', () => {
    const src = city.source.location!;
    expect(src).toEqual({ lat: 41.8, lon: 123.43 });
    const at = new Map([[city.source.id, src], ...city.junctions.map((j) => [j.id, j.location!] as const)]);
    for (const j of city.junctions) {
      const from = at.get(j.parent)!;
      const to = j.location!;
      const km = Math.hypot((to.lat - from.lat) * 111, (to.lon - from.lon) * 111 * Math.cos((from.lat * Math.PI) / 180));
      expect(km).toBeCloseTo(1, 1);
    }
  });

  it('gives the picture its tree without the physics', () => {
    const topology = networkTopology(city);
    expect(topology.source).toEqual({ id: 'SRC', location: city.source.location });
    expect(topology.junctions[0]).toEqual({ id: 'T1-1', parent: 'SRC', diameter_mm: city.junctions[0].diameter_mm, location: city.junctions[0].location });
    const s = city.substations[0];
    expect(topology.substations[0]).toEqual({ id: s.id, parent: s.parent, diameter_mm: s.diameter_mm, location: s.location, name: s.name, name_en: s.name_en, community: s.community, area: s.area });
  });
});
