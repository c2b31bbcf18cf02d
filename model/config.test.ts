import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, networkSource, resolveConfig } from './config.ts';
import { HeatScadaError } from './errors.ts';

const CONFIG_DIR = path.join(import.meta.dirname, '..', 'config');

function pathOf(load: () => unknown): string | undefined {
  try {
    load();
  } catch (e) {
    if (e instanceof HeatScadaError && e.code === 'HS_ERR_CONFIG_INVALID') return e.path;
    throw e;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('fills every default, and generates 24 substations with seed 1 when no network is named', () => {
    const { simulate } = loadConfig();
    expect(simulate).toMatchObject({
      speed: 1,
      step_s: 1,
      host: '127.0.0.1',
      opcua: { base_port: 4840, plcs_per_endpoint: 1 },
      modbus: { base_port: 5020, units_per_endpoint: 1 },
      admin_port: 8091,
      data_dir: './data',
      initial_mode: 'local',
    });
    expect(networkSource(simulate)).toEqual({ kind: 'generate', substations: 24, seed: 1 });
    expect(networkSource(resolveConfig({ simulate: { network: 'city.yaml' } }).simulate)).toEqual({ kind: 'file', file: 'city.yaml' });
  });

  it('takes a network file or a generated city, not both', () => {
    expect(pathOf(() => resolveConfig({ simulate: { network: 'city.yaml', generate: { substations: 3 } } }))).toBe('/simulate/generate');
  });

  it('names the path of a bad field', () => {
    expect(pathOf(() => resolveConfig({ simulate: { speed: 0 } }))).toBe('/simulate/speed');
    expect(pathOf(() => resolveConfig({ simulate: { modbus: { units_per_endpoint: 248 } } }))).toBe('/simulate/modbus/units_per_endpoint');
    expect(pathOf(() => resolveConfig({ simulate: { start: 'yesterday' } }))).toBe('/simulate/start');
    expect(pathOf(() => resolveConfig({ simulate: { initial_mode: 'auto' } }))).toBe('/simulate/initial_mode');
    expect(pathOf(() => resolveConfig({ simualte: {} }))).toBe('/simualte');
  });

  it('ships sample files that load', () => {
    const all = loadConfig(path.join(CONFIG_DIR, 'default.yaml'));
    expect(networkSource(all.simulate)).toEqual({ kind: 'generate', substations: 24, seed: 1 });
    expect(loadConfig(path.join(CONFIG_DIR, 'multi-machine.example.yaml')).simulate.host).toBe('0.0.0.0');
  });
});
