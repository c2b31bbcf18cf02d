import { describe, expect, it } from 'vitest';
import { validateDocument } from '../model/validate.ts';
import { serveOptions, ServeConfigSchema } from './config-schema.ts';

const resolve = (doc: unknown) => validateDocument(ServeConfigSchema, doc, 'HS_ERR_CONFIG_INVALID', 'serve');

describe('serve: section', () => {
  it('fills the defaults and maps to startApi options', () => {
    const config = resolve({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8080, web_dir: './web/dist', stale_after_s: 10, overview_interval_ms: 250 });
    expect(config.auth).toMatchObject({ access_token_s: 900, refresh_token_s: 43_200, cors_origins: [], metrics_token_env: 'HEATSCADA_METRICS_TOKEN' });
    expect(serveOptions({ ...config, group: 'city', sites_file: './data/sim-endpoints.json' }, { HEATSCADA_METRICS_TOKEN: 'scrape-me' })).toEqual({
      host: '127.0.0.1',
      port: 8080,
      mqttUrl: 'mqtt://127.0.0.1:1883',
      mqttLogin: {},
      webDir: './web/dist',
      staleAfterS: 10,
      overviewIntervalMs: 250,
      group: 'city',
      sitesFile: './data/sim-endpoints.json',
      bodyLimitBytes: 256 * 1024,
      trustProxy: false,
      corsOrigins: [],
      auth: { accessTokenS: 900, refreshTokenS: 43_200, throttle: { perAddress: 20, perUser: 5, perUserTotal: 50, windowS: 900 }, sessionOrigins: [] },
      metricsToken: 'scrape-me',
    });
    expect(serveOptions(resolve({ auth: { database: './data/users.db' } }), {})).toMatchObject({ authDatabaseFile: './data/users.db' });
    expect(serveOptions(config, {})).not.toHaveProperty('metricsToken');
  });

  it('trust_proxy: false by default, true, or a list of proxies', () => {
    expect(serveOptions(resolve({ trust_proxy: true }), {})).toMatchObject({ trustProxy: true });
    expect(serveOptions(resolve({ trust_proxy: ['10.0.0.0/8', 'loopback'] }), {})).toMatchObject({ trustProxy: ['10.0.0.0/8', 'loopback'] });
    expect(() => resolve({ trust_proxy: [] })).toThrow(/at \/trust_proxy/);
    expect(() => resolve({ trust_proxy: '10.0.0.1' })).toThrow(/at \/trust_proxy/);
  });

  it('cluster: absent for one node; a Redis URL and an optional shared key file for several', () => {
    expect(serveOptions(resolve({}), {})).not.toHaveProperty('cluster');
    expect(serveOptions(resolve({ cluster: { redis_url: 'redis://10.0.0.5:6379' } }), {})).toMatchObject({ cluster: { redisUrl: 'redis://10.0.0.5:6379' } });
    expect(serveOptions(resolve({ cluster: { redis_url: 'redis://r:6379', signing_key_file: '/etc/heatscada/api.key' } }), {}).cluster).toEqual({ redisUrl: 'redis://r:6379', signingKeyFile: '/etc/heatscada/api.key' });
    expect(() => resolve({ cluster: { redis_url: 'http://r:6379' } })).toThrow(/at \/cluster\/redis_url/);
    expect(() => resolve({ cluster: {} })).toThrow(/cluster/);
  });

  it('a bad field fails with its path', () => {
    expect(() => resolve({ port: 70000 })).toThrow(/at \/port/);
    expect(() => resolve({ colour: 'red' })).toThrow(/HS_ERR_CONFIG_INVALID/);
    expect(() => resolve({ auth: { cors_origins: ['https://ok.example/path'] } })).toThrow(/at \/auth\/cors_origins\/0/);
    expect(() => resolve({ auth: { session_origins: ['scada.example'] } })).toThrow(/at \/auth\/session_origins\/0/);
    expect(() => resolve({ auth: { access_token_s: 5 } })).toThrow(/at \/auth\/access_token_s/);
  });
});
