import { Type, type Static } from '@sinclair/typebox';
import type { ApiOptions } from './server.ts';

// The `serve:` section of the configuration document (model/config.ts). Field reference: api/README.md.

export const ServeConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address the HTTP server binds' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'HTTP port (REST, socket.io, web); 0 picks a free one' }),
    mqtt_url: Type.String({ minLength: 1, default: 'mqtt://127.0.0.1:1883', description: 'broker the live feed subscribes to' }),
    group: Type.Optional(Type.String({ minLength: 1, pattern: '^[^/+#]+$', description: 'Sparkplug group to follow; every group when absent' })),
    web_dir: Type.String({ minLength: 1, default: './web/dist', description: 'the built web app, served with SPA fallback to index.html' }),
    sites_file: Type.Optional(Type.String({ minLength: 1, description: 'JSON with substations [{ id, name?, location: { lat, lon } }], e.g. ./data/sim-endpoints.json' })),
    stale_after_s: Type.Number({ exclusiveMinimum: 0, maximum: 86_400, default: 10, description: 'a substation heard nothing from this long is stale' }),
    overview_interval_ms: Type.Integer({ minimum: 10, maximum: 10_000, default: 250, description: 'overview frames are coalesced to at most one per this' }),
  },
  { additionalProperties: false, default: {} },
);

export type ServeConfig = Static<typeof ServeConfigSchema>;

/** The options of a validated section; the caller opens the store (section `store:`). */
export function serveOptions(config: ServeConfig): Omit<ApiOptions, 'store' | 'logger' | 'sites'> {
  const options: Omit<ApiOptions, 'store' | 'logger' | 'sites'> = {
    host: config.host,
    port: config.port,
    mqttUrl: config.mqtt_url,
    webDir: config.web_dir,
    staleAfterS: config.stale_after_s,
    overviewIntervalMs: config.overview_interval_ms,
  };
  if (config.group !== undefined) options.group = config.group;
  if (config.sites_file !== undefined) options.sitesFile = config.sites_file;
  return options;
}
