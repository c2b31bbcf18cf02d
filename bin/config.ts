import { Type, type Static } from '@sinclair/typebox';
import { loadDocument, validateDocument } from '../model/validate.ts';
import { AlarmsConfigSchema } from '../alarms/config-schema.ts';
import { ServeConfigSchema } from '../api/config-schema.ts';
import { BrokerConfigSchema } from '../broker/config-schema.ts';
import { CollectConfigSchema } from '../collectors/collector-config.ts';
import { ControlConfigSchema } from '../control/config-schema.ts';
import { networkSource, SimulateConfigSchema } from '../simulators/config-schema.ts';
import { StoreConfigSchema } from '../store/config-schema.ts';
import { HistorianConfigSchema } from '../store/historian/config-schema.ts';
import { ServiceConfigSchema } from '../service/config-schema.ts';
import { checkSeasonPlan, SeasonConfigSchema } from '../season/config-schema.ts';
import { HealthConfigSchema } from './process-health.ts';
import { checkTimeZone, DisplayConfigSchema } from '../model/time-zone.ts';

// The platform's one configuration document: a section per role, each role's schema kept
// beside its code and composed here, at the composition root, so that model/ depends on no role.
// Relative paths in it are taken from the working directory (where `heatscada` runs), not from
// the file's folder.

export const ConfigSchema = Type.Object(
  {
    simulate: SimulateConfigSchema,
    broker: BrokerConfigSchema,
    // Every collect field has a default; in the all-in-one its devices come from the simulator.
    collect: Type.Object(CollectConfigSchema.properties, { additionalProperties: false, default: {} }),
    store: StoreConfigSchema,
    historian: HistorianConfigSchema,
    control: ControlConfigSchema,
    alarms: AlarmsConfigSchema,
    serve: ServeConfigSchema,
    service: ServiceConfigSchema,
    season: SeasonConfigSchema,
    // Every role process logs its own health (memory, descriptors, event-loop delay).
    health: HealthConfigSchema,
    // The zone times are shown in to people; every stored time is UTC.
    display: DisplayConfigSchema,
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

/** Validates a parsed document, fills defaults (in place) and checks what the schema cannot. */
export function resolveConfig(doc: unknown, source = ''): Config {
  // An empty YAML file parses to null: it means "all defaults".
  const config = validateDocument(ConfigSchema, doc ?? {}, 'HS_ERR_CONFIG_INVALID', source);
  networkSource(config.simulate);
  checkSeasonPlan(config.season, '/season');
  checkTimeZone(config.display.time_zone, '/display/time_zone');
  return config;
}

/** Reads a YAML (or JSON) file without checking it, so command-line options can amend it first. */
export function readConfigDocument(file: string): unknown {
  return loadDocument(Type.Unknown(), file, 'HS_ERR_CONFIG_INVALID');
}

/** The configuration in a file (all defaults without one), validated with the path of any bad field. */
export function loadConfig(file?: string): Config {
  return file === undefined ? resolveConfig({}) : resolveConfig(readConfigDocument(file), file);
}

/** Where the plant the loop steers is: the all-in-one's own simulator, or real PLCs behind collectors. */
export type PlantKind = 'simulator' | 'plc';

/**
 * The loop's start mode when the document names none: auto on the all-in-one's own simulated
 * plant (so a first start warms the demo city), advisory against real PLCs (letting it write is
 * an engineer's choice). A value in the document wins; a non-mapping is left for validation.
 */
export function defaultStartMode(doc: Record<string, unknown>, plant: PlantKind): void {
  const control = (doc.control ??= {});
  if (typeof control === 'object' && control !== null && !Array.isArray(control)) {
    (control as Record<string, unknown>).start_mode ??= plant === 'simulator' ? 'auto' : 'advisory';
  }
}
