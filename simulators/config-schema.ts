import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { HeatScadaError } from '../model/errors.ts';
import { CONTROL_MODES, type ControlModeName } from '../model/tags.ts';
import { OpcuaServerSecuritySchema } from './servers/opcua-security-config.ts';

// The `simulate:` section of the configuration document (composed in bin/config.ts).

const Port = (description: string, defaultPort: number) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: defaultPort, description });

const SPEED = { exclusiveMinimum: 0, maximum: 10_000, description: 'simulated seconds per wall second: 1 real time, 60 a minute a second' };
/** A speed without a default: the admin endpoint checks a requested speed against the same limits. */
export const SpeedSchema = Type.Number(SPEED);

export const DEFAULT_GENERATE = { substations: 24, seed: 1 } as const;

export const GenerateSchema = Type.Object(
  {
    substations: Type.Integer({ minimum: 1, maximum: 10_000, default: DEFAULT_GENERATE.substations }),
    seed: Type.Integer({ minimum: 0, maximum: 0xffff_ffff, default: DEFAULT_GENERATE.seed }),
  },
  { additionalProperties: false },
);

export const SimulateConfigSchema = Type.Object(
  {
    network: Type.Optional(Type.String({ minLength: 1, description: 'YAML network file; or give generate' })),
    generate: Type.Optional(GenerateSchema),
    scenario: Type.Optional(Type.String({ minLength: 1, description: 'YAML fault timeline' })),
    season_start: Type.Boolean({
      default: false,
      description: 'play the season start (scenarios/season-start.yaml): every loop empty, filled area by area, pressure-tested, run cold, then heated',
    }),
    speed: Type.Number({ ...SPEED, default: 1 }),
    warmup: Type.Optional(
      Type.Object(
        {
          speed: SpeedSchema,
          hours: Type.Number({ exclusiveMinimum: 0, maximum: 240, description: 'simulated hours run at the warm-up speed' }),
        },
        { additionalProperties: false, description: 'run the first simulated hours faster, then fall to speed (the admin endpoint setting a speed ends it)' },
      ),
    ),
    step_s: Type.Number({ exclusiveMinimum: 0, maximum: 60, default: 1, description: 'fixed physics step, simulated seconds' }),
    start: Type.Optional(Type.String({ format: 'date-time', description: 'simulated time at the start; now if absent' })),
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address the OPC UA and Modbus servers bind' }),
    opcua: Type.Object(
      {
        base_port: Port('first OPC UA endpoint port; the next endpoints take the ports after it', 4840),
        plcs_per_endpoint: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
        security: Type.Optional(OpcuaServerSecuritySchema),
      },
      { additionalProperties: false, default: {} },
    ),
    modbus: Type.Object(
      {
        base_port: Port('first Modbus TCP endpoint port; the next endpoints take the ports after it', 5020),
        units_per_endpoint: Type.Integer({ minimum: 1, maximum: 247, default: 1, description: 'unit ids 1…n behind one endpoint' }),
      },
      { additionalProperties: false, default: {} },
    ),
    admin_port: Type.Integer({ minimum: 0, maximum: 65535, default: 8091, description: 'loopback-only admin HTTP; 0 picks a free port' }),
    data_dir: Type.String({ minLength: 1, default: './data', description: 'where the endpoint manifest and generated collector config go' }),
    ledger_file: Type.Optional(Type.String({ minLength: 1, description: 'record every heartbeat served and every write answered here (simulators/served-ledger.ts; the soak reconciles the store against it)' })),
    // An enum rather than a union of literals: a bad value gets one error listing the allowed ones.
    initial_mode: Type.Unsafe<ControlModeName>(
      Type.String({ enum: [...CONTROL_MODES], default: 'local', description: 'control mode every PLC starts in' }),
    ),
  },
  { additionalProperties: false, default: {} },
);

export type SimulateConfig = Static<typeof SimulateConfigSchema>;
export type GenerateConfig = Static<typeof GenerateSchema>;

/** Where the simulated network comes from: exactly one of a file and a generated city. */
export type NetworkSource = { kind: 'file'; file: string } | ({ kind: 'generate' } & GenerateConfig);

export function networkSource(cfg: SimulateConfig): NetworkSource {
  if (cfg.network !== undefined && cfg.generate !== undefined) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'give network or generate, not both', '/simulate/generate');
  }
  return cfg.network !== undefined ? { kind: 'file', file: cfg.network } : { kind: 'generate', ...(cfg.generate ?? DEFAULT_GENERATE) };
}

/** The season start shipped with the simulator (a generated city's, area by area). */
export const SEASON_START_SCENARIO = fileURLToPath(new URL('./scenarios/season-start.yaml', import.meta.url));

/** The scenario file to play: the one named, or the season start; never both. */
export function scenarioFile(cfg: SimulateConfig): string | undefined {
  if (cfg.season_start && cfg.scenario !== undefined) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'give scenario or season_start, not both', '/simulate/season_start');
  }
  return cfg.season_start ? SEASON_START_SCENARIO : cfg.scenario;
}
