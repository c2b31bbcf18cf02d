import { describe, expect, it } from 'vitest';
import { validateDocument } from '../model/validate.ts';
import { serveOptions, ServeConfigSchema } from './config-schema.ts';

const resolve = (doc: unknown) => validateDocument(ServeConfigSchema, doc, 'HS_ERR_CONFIG_INVALID', 'serve');

describe('serve: section', () => {
  it('fills the defaults and maps to startApi options', () => {
    const config = resolve({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, web_dir: './web/dist', stale_after_s: 10, overview_interval_ms: 250 });
    expect(serveOptions({ ...config, group: 'city', sites_file: './data/sim-endpoints.json' })).toEqual({
      host: '127.0.0.1',
      port: 8080,
      mqttUrl: 'mqtt://127.0.0.1:1883',
      webDir: './web/dist',
      staleAfterS: 10,
      overviewIntervalMs: 250,
      group: 'city',
      sitesFile: './data/sim-endpoints.json',
    });
  });

  it('a bad field fails with its path', () => {
    expect(() => resolve({ port: 70000 })).toThrow(/at \/port/);
    expect(() => resolve({ colour: 'red' })).toThrow(/HS_ERR_CONFIG_INVALID/);
  });
});
