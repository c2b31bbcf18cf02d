import { describe, expect, it } from 'vitest';
import { generateCity } from '../simulators/network/generate.ts';
import { parseAddressBookCsv, parseAddressBookYaml } from './address-book.ts';
import { demoBuildings } from './demo-address-book.ts';

describe('address book', () => {
  const csv = 'community,building,substation,loop,area_m2,households\n阳光花园,1号楼,S1,,6000,60\n阳光花园,2号楼,S1,L1,4000,40\n';

  it('reads a CSV and finds a building, its substation and loop; completion by words', () => {
    const book = parseAddressBookCsv(csv, 'book.csv', ['S1']);
    expect(book.find(' 阳光花园 ', '2号楼')).toEqual({ community: '阳光花园', building: '2号楼', substation: 'S1', loop: 'L1', areaM2: 4000, households: 40 });
    expect(book.find('阳光花园', '1号楼')?.loop).toBeUndefined();
    expect(book.search('阳光 2号').map((b) => b.building)).toEqual(['2号楼']);
    expect(book.atSubstation('S1')).toHaveLength(2);
  });

  it('names every bad row and column of a CSV and loads nothing', () => {
    const bad = `${csv}幸福家园,,S1,,5000,50\n幸福家园,3号楼,S9,,-1,2.5\n阳光花园,1号楼,S1,,10,1\n`;
    let message = '';
    try {
      parseAddressBookCsv(bad, 'book.csv', ['S1']);
    } catch (e) {
      message = (e as Error).message;
      expect(e).toMatchObject({ code: 'HS_ERR_SERVICE_ADDRESS', path: 'book.csv:row 4, column building' });
    }
    expect(message).toContain('book.csv:row 4, column building: is empty');
    expect(message).toContain('book.csv:row 5, column area_m2: not a number above 0: -1');
    expect(message).toContain('book.csv:row 5, column households: not a whole number above 0: 2.5');
    expect(message).toContain('book.csv:row 5, column substation: no substation S9');
    expect(message).toContain('book.csv:row 6, column building: 阳光花园 1号楼 is already listed at row 2');
    expect(() => parseAddressBookCsv('community,building\nA,1\n', 'x.csv')).toThrow(/row 1, column substation: column missing/);
  });

  it('reads YAML with the same checks', () => {
    const book = parseAddressBookYaml('buildings:\n  - { community: 幸福家园, building: 5号楼, substation: S2, area_m2: 10000, households: 100 }\n', 'b.yaml');
    expect(book.size).toBe(1);
    expect(() => parseAddressBookYaml('buildings:\n  - { community: 幸福家园, building: 5号楼, substation: S2, area_m2: big, households: 100, floor: 3 }\n', 'b.yaml')).toThrow(
      /b\.yaml:row 1, column floor: is not a known field; b\.yaml:row 1, column area_m2: not a number above 0: big/,
    );
  });

  it('generates the simulated city: 2–6 buildings a substation, its whole floor area, ~90 m² a household, the same every time', () => {
    const city = generateCity({ substations: 12, seed: 7 });
    const buildings = demoBuildings(city.substations);
    expect(demoBuildings(city.substations)).toEqual(buildings);
    for (const s of city.substations) {
      const own = buildings.filter((b) => b.substation === s.id);
      expect(own.length).toBeGreaterThanOrEqual(2);
      expect(own.length).toBeLessThanOrEqual(6);
      expect(new Set(own.map((b) => b.community)).size).toBeLessThanOrEqual(2);
      expect(own[0].community).toBe(s.name.replace(/换热站$/, ''));
      const area = s.buildings.reduce((t, b) => t + b.floor_area_m2, 0);
      expect(Math.abs(own.reduce((t, b) => t + b.areaM2, 0) - area)).toBeLessThanOrEqual(own.length);
      for (const b of own) expect(Math.abs(b.households - b.areaM2 / 90)).toBeLessThanOrEqual(0.5);
    }
  });
});
