import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSites } from './context.ts';

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
