import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { HeatScadaError, type ErrorCode } from '../../model/errors.ts';
import { Plant } from '../plant.ts';
import { generateCity } from './generate.ts';
import { loadNetwork, loadScenario, saveNetwork } from './load.ts';
import type { Network } from './schema.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'hs-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SMALL_CITY = path.join(import.meta.dirname, 'examples', 'small-city.yaml');
const WINTER_FAULTS = path.join(import.meta.dirname, '..', 'scenarios', 'winter-faults.yaml');

let files = 0;
function fileWith(doc: unknown): string {
  const file = path.join(dir, `doc-${++files}.yaml`);
  writeFileSync(file, typeof doc === 'string' ? doc : stringify(doc));
  return file;
}

/** A generated network, changed by `edit` as a careless hand would change the file. */
function networkFile(edit: (n: Network & Record<string, unknown>) => void): string {
  const network = structuredClone(generateCity({ substations: 6, seed: 1 })) as Network & Record<string, unknown>;
  edit(network);
  return fileWith(network);
}

function failure(load: () => unknown): HeatScadaError {
  try {
    load();
  } catch (e) {
    if (e instanceof HeatScadaError) return e;
    throw e;
  }
  throw new Error('expected the load to fail');
}

function expectFailure(load: () => unknown, code: ErrorCode, at: string, why?: RegExp): void {
  const error = failure(load);
  expect(error.code).toBe(code);
  expect(error.path).toBe(at);
  if (why) expect(error.message).toMatch(why);
}

describe('loadNetwork', () => {
  it('names the bad field of a schema violation by its JSON path', () => {
    expectFailure(() => loadNetwork(networkFile((n) => (n.substations[1].length_m = -5))), 'HS_ERR_NETWORK_INVALID', '/substations/1/length_m', /must be > 0/);
    expectFailure(
      () => loadNetwork(networkFile((n) => delete (n.source as Partial<Network['source']>).max_power_mw)),
      'HS_ERR_NETWORK_INVALID',
      '/source/max_power_mw',
      /is required/,
    );
    expectFailure(() => loadNetwork(networkFile((n) => (n.colour = 'blue'))), 'HS_ERR_NETWORK_INVALID', '/colour', /not a known field/);
  });

  it('finds tree errors at load: an unknown parent, a loop, an id used twice', () => {
    expectFailure(() => loadNetwork(networkFile((n) => (n.substations[0].parent = 'NOWHERE'))), 'HS_ERR_NETWORK_INVALID', '/substations/0/parent', /names no junction/);
    expectFailure(
      () =>
        loadNetwork(
          networkFile((n) => {
            // T1-1 hangs off T1-2, which hangs off T1-1.
            const first = n.junctions.findIndex((j) => j.id === 'T1-1');
            n.junctions[first].parent = 'T1-2';
          }),
        ),
      'HS_ERR_NETWORK_INVALID',
      '/junctions/0/parent',
      /loop/,
    );
    expectFailure(() => loadNetwork(networkFile((n) => (n.substations[2].id = n.substations[0].id))), 'HS_ERR_NETWORK_INVALID', '/substations/2/id', /already used/);
  });

  it('reports a YAML syntax error with the line, and an unreadable file', () => {
    expectFailure(() => loadNetwork(fileWith('name: [unclosed\n')), 'HS_ERR_NETWORK_INVALID', '/', /line/);
    expectFailure(() => loadNetwork(path.join(dir, 'missing.yaml')), 'HS_ERR_CONFIG_READ', path.join(dir, 'missing.yaml'));
  });

  it('reads back what saveNetwork wrote', () => {
    const network = generateCity({ substations: 5, seed: 3 });
    const file = path.join(dir, 'nested', 'saved.yaml');
    saveNetwork(network, file);
    expect(loadNetwork(file)).toEqual(network);
  });
});

describe('loadScenario', () => {
  it('names the bad field', () => {
    expectFailure(() => loadScenario(fileWith({ faults: [{ at_s: 0, kind: 'meteor', substation: 'S001' }] })), 'HS_ERR_SCENARIO_INVALID', '/faults/0/kind');
    expectFailure(
      () => loadScenario(fileWith({ faults: [{ at_s: 0, kind: 'leak', substation: 'S001' }, { at_s: -1, kind: 'leak', substation: 'S001' }] })),
      'HS_ERR_SCENARIO_INVALID',
      '/faults/1/at_s',
    );
    expectFailure(() => loadScenario(fileWith({ faults: [{ kind: 'pump_trip', substation: 'S001' }] })), 'HS_ERR_SCENARIO_INVALID', '/faults/0/at_s', /is required/);
    expectFailure(() => loadScenario(fileWith({ faults: [{ at_s: 5, kind: 'leak', substation: 'S001', severity: 3 }] })), 'HS_ERR_SCENARIO_INVALID', '/faults/0/severity');
  });

  it('fills defaults', () => {
    expect(loadScenario(fileWith({ faults: [{ at_s: 5, kind: 'pump_trip', substation: 'S001' }] })).faults[0].severity).toBe(1);
  });
});

describe('the example files', () => {
  it('load, and the winter faults fit the small city and the default generated city', () => {
    const city = loadNetwork(SMALL_CITY);
    expect(city.substations).toHaveLength(6);
    const scenario = loadScenario(WINTER_FAULTS);
    expect(new Set(scenario.faults.map((f) => f.kind)).size).toBeGreaterThanOrEqual(8);
    const startMs = Date.UTC(2026, 0, 15);
    for (const network of [city, generateCity({ substations: 24, seed: 1 })]) {
      const plant = new Plant(network, { startMs, scenario, warmUpS: 0 });
      plant.advance(4000);
      expect(plant.faults.list().map((f) => f.kind).sort()).toEqual(['leak', 'sensor_drift']);
    }
  });
});
