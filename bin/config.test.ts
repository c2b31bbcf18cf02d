import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkSource } from '../simulators/config-schema.ts';
import { defaultStartMode, loadConfig, readConfigDocument, resolveConfig } from './config.ts';
import { HeatScadaError } from '../model/errors.ts';

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

  it('starts the loop in auto on the simulated plant, advisory against real PLCs, unless the document says', () => {
    const startMode = (doc: Record<string, unknown>, plant: 'simulator' | 'plc') => {
      defaultStartMode(doc, plant);
      return resolveConfig(doc).control.start_mode;
    };
    expect(startMode({}, 'simulator')).toBe('auto');
    expect(startMode({ control: { enabled: true } }, 'plc')).toBe('advisory');
    expect(startMode({ control: { start_mode: 'advisory' } }, 'simulator')).toBe('advisory');
    expect(startMode({ control: { start_mode: 'auto' } }, 'plc')).toBe('auto');
    // A section that is not a mapping is left for validation to name.
    expect(pathOf(() => startMode({ control: 'on' }, 'simulator'))).toBe('/control');
  });

  it('takes a warm-up speed within the simulator speed limits', () => {
    expect(resolveConfig({ simulate: { warmup: { speed: 60, hours: 24 } } }).simulate.warmup).toEqual({ speed: 60, hours: 24 });
    expect(pathOf(() => resolveConfig({ simulate: { warmup: { speed: 20_000, hours: 24 } } }))).toBe('/simulate/warmup/speed');
    expect(pathOf(() => resolveConfig({ simulate: { warmup: { speed: 60 } } }))).toBe('/simulate/warmup/hours');
  });

  it('ships sample files that load', () => {
    const all = loadConfig(path.join(CONFIG_DIR, 'default.yaml'));
    expect(networkSource(all.simulate)).toEqual({ kind: 'generate', substations: 24, seed: 1 });
    // No start mode in the shipped file: the command decides it by the plant it steers.
    expect((readConfigDocument(path.join(CONFIG_DIR, 'default.yaml')) as { control: object }).control).not.toHaveProperty('start_mode');
    expect(loadConfig(path.join(CONFIG_DIR, 'multi-machine.example.yaml')).simulate.host).toBe('0.0.0.0');
  });

  it('ships a cluster example per machine kind, every one valid, each naming the sections its role reads', () => {
    const load = (name: string) => loadConfig(path.join(CONFIG_DIR, 'cluster', `${name}.yaml`));
    expect(load('broker').broker.cluster).toMatchObject({ node_id: 'core-1', redis_url: expect.stringMatching(/^redis:/) });
    expect(load('collector').collect.mqtt.url).toHaveLength(2);
    const historian = load('historian');
    expect(historian.historian.shared).toBe('historian');
    expect(historian.store.clickhouse?.urls).toHaveLength(4);
    expect(load('api').serve.cluster?.redis_url).toMatch(/^redis:/);
    expect(load('control').control.standby?.instance_id).toBe('ctl-1');
    expect(load('alarms').alarms.standby?.instance_id).toBe('alm-1');
  });
});
