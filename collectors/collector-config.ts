import { Type, type Static } from '@sinclair/typebox';
import { validateDocument } from '../model/validate.ts';
import { DevicesSchema } from './config.ts';
import { EdgeNodeConfigSchema } from './sparkplug/edge-node-config.ts';

// The `collect` section of the configuration: one Sparkplug B edge node (its fields:
// collectors/sparkplug/edge-node-config.ts) serving the substation PLCs listed under `devices`
// (their fields: collectors/config.ts and each protocol folder). Reference and sample:
// collectors/sparkplug/README.md.

export const CollectConfigSchema = Type.Object({ ...EdgeNodeConfigSchema.properties, devices: DevicesSchema }, { additionalProperties: false });
export type CollectConfig = Static<typeof CollectConfigSchema>;

/** Validates a `collect` section, filling defaults; a bad field fails at start with its path. */
export function resolveCollectConfig(doc: unknown): CollectConfig {
  return validateDocument(CollectConfigSchema, doc ?? {}, 'HS_ERR_CONFIG_INVALID', 'collect');
}
