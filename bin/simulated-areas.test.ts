import { describe, expect, it } from 'vitest';
import { resolveAlarmsConfig } from '../alarms/config-schema.ts';
import type { NetworkTopology } from '../model/topology.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { networkTopology } from '../simulators/network/topology.ts';
import { areasForSimulatedCity, simulatedAreas } from './simulated-areas.ts';

describe('areas and crews for the simulated city', () => {
  const city = networkTopology(generateCity({ substations: 24, seed: 1 }));

  it('puts every substation of the generated city in the area of its district, once, with one crew per area', () => {
    const { groups, crews } = simulatedAreas(city);
    const members = Object.values(groups).flat();
    expect(members.sort()).toEqual(city.substations.map((s) => s.id).sort());
    expect(Object.keys(groups).length).toBeGreaterThan(1);
    for (const s of city.substations) expect(groups[s.area!.zh]).toContain(s.id);
    expect(crews.map((c) => c.groups)).toEqual(Object.keys(groups).map((g) => [g]));
    expect(crews[0].id).toBe('crew-1');
    expect(new Set(crews.map((c) => c.id)).size).toBe(crews.length);
  });

  it('groups a network without district names by the branch leaving the source', () => {
    const plain: NetworkTopology = {
      source: { id: 'SRC' },
      junctions: [
        { id: 'N1', parent: 'SRC' },
        { id: 'N2', parent: 'N1' },
        { id: 'E1', parent: 'SRC' },
      ],
      substations: [
        { id: 'A', parent: 'N2' },
        { id: 'B', parent: 'N1' },
        { id: 'C', parent: 'E1' },
        { id: 'D', parent: 'SRC' },
      ],
    };
    expect(simulatedAreas(plain).groups).toEqual({ N1: ['A', 'B'], E1: ['C'], D: ['D'] });
  });

  it('keeps configured areas or crews, and leaves a plant that is not simulated alone', () => {
    const configured = resolveAlarmsConfig({ groups: { north: ['S001'] } });
    expect(areasForSimulatedCity(configured, city)).toBeUndefined();
    expect(areasForSimulatedCity(resolveAlarmsConfig({ crews: [{ id: 'c', name: 'C' }] }), city)).toBeUndefined();
    const empty = resolveAlarmsConfig({});
    expect(areasForSimulatedCity(empty, undefined)).toBeUndefined();
    expect(areasForSimulatedCity(empty, city)).toEqual(simulatedAreas(city));
  });
});
