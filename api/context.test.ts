import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateCity } from '../simulators/network/generate.ts';
import { saveNetwork } from '../simulators/network/load.ts';
import { networkTopology } from '../simulators/network/topology.ts';
import { loadSiteFile } from './context.ts';

const loadSites = (file: string) => loadSiteFile(file).sites;

describe('loadSites', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sites-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads id, name and location from the simulator manifest', () => {
    const file = path.join(dir, 'sim-endpoints.json');
    writeFileSync(file, JSON.stringify({ substations: [{ id: 'S001', protocol: 'opcua', location: { lat: 41.8, lon: 123.4 } }, { id: 'S002', name: 'Depot' }] }));
    expect(loadSites(file)).toEqual([{ id: 'S001', location: { lat: 41.8, lon: 123.4 } }, { id: 'S002', name: 'Depot' }]);
  });

  it('names the heat source apart, so it is not counted as a substation', () => {
    const file = path.join(dir, 'sim-endpoints.json');
    writeFileSync(file, JSON.stringify({ substations: [{ id: 'S001' }], source: { id: 'SRC', protocol: 'opcua' } }));
    expect(loadSites(file)).toEqual([{ id: 'SRC', name: 'heat source', kind: 'source' }, { id: 'S001' }]);
  });

  it('a file without substations, or a substation without id, fails with where', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ substations: [{ name: 'x' }] }));
    expect(() => loadSites(file)).toThrow(/HS_ERR_CONFIG_INVALID.*substations\[0\]\.id/);
    expect(() => loadSites(path.join(dir, 'missing.json'))).toThrow(/HS_ERR_CONFIG_READ/);
  });
});

describe('loadSiteFile: names and the tree from a network description', () => {
  let dir: string;
  const city = generateCity({ substations: 5, seed: 2 });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sites-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const expectNamed = (loaded: ReturnType<typeof loadSiteFile>) => {
    const s = city.substations[0];
    expect(loaded.sites.find((x) => x.id === s.id)).toMatchObject({ name: s.name, name_en: s.name_en, location: s.location, initials: expect.stringMatching(/^[a-z0-9]+hrz$/) });
    expect(loaded.topology?.junctions.map((j) => j.id)).toEqual(city.junctions.map((j) => j.id));
    expect(loaded.topology?.source.location).toEqual(city.source.location);
  };

  it('reads the manifest, whose network section is the tree with the names', () => {
    const file = path.join(dir, 'sim-endpoints.json');
    const rows = city.substations.map((s) => ({ id: s.id, protocol: s.protocol, location: s.location }));
    writeFileSync(file, JSON.stringify({ substations: rows, source: { id: 'SRC' }, network: networkTopology(city) }));
    expectNamed(loadSiteFile(file));
  });

  it('reads the description file a company keeps for its plant (YAML), the heat source apart', () => {
    const file = path.join(dir, 'network.yaml');
    saveNetwork(city, file);
    const loaded = loadSiteFile(file);
    expectNamed(loaded);
    expect(loaded.sites[0]).toEqual({ id: 'SRC', name: 'heat source', kind: 'source' });
  });

  it('a tree with a node without parent fails with the path of the field', () => {
    const file = path.join(dir, 'sim-endpoints.json');
    const network = networkTopology(city) as { substations: Record<string, unknown>[] };
    delete network.substations[3].parent;
    writeFileSync(file, JSON.stringify({ substations: [], network }));
    expect(() => loadSiteFile(file)).toThrow(expect.objectContaining({ code: 'HS_ERR_CONFIG_INVALID', path: '/network/substations/3/parent' }));
  });
});
