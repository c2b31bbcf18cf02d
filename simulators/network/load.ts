import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Document, isMap, isScalar, visit } from 'yaml';
import { networkSource, type SimulateConfig } from '../config-schema.ts';
import { loadDocument } from '../../model/validate.ts';
import { ScenarioSchema, type Scenario } from '../faults/schema.ts';
import { compileNetwork } from '../physics/compile.ts';
import { generateCity } from './generate.ts';
import { NetworkSchema, type Network } from './schema.ts';

/**
 * Reads a network file and checks it all the way: the schema first (the JSON path of a bad
 * field), then the tree (unknown parents, loops, duplicate ids), so nothing fails later.
 */
export function loadNetwork(file: string): Network {
  const network = loadDocument(NetworkSchema, file, 'HS_ERR_NETWORK_INVALID');
  compileNetwork(network);
  return network;
}

/** The network a simulator configuration names: read from its file, or generated from size and seed. */
export function simulatedNetwork(cfg: SimulateConfig): Network {
  const source = networkSource(cfg);
  return source.kind === 'file' ? loadNetwork(source.file) : generateCity({ substations: source.substations, seed: source.seed });
}

/** Reads a fault timeline. Its substations are checked against the network when the plant starts. */
export function loadScenario(file: string): Scenario {
  return loadDocument(ScenarioSchema, file, 'HS_ERR_SCENARIO_INVALID');
}

/** Writes a network as YAML that loadNetwork reads back unchanged, fields in schema order. */
export function saveNetwork(network: Network, file: string): void {
  const doc = new Document(inSchemaOrder(NetworkSchema, network));
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'location' && isMap(pair.value)) pair.value.flow = true;
    },
  });
  doc.commentBefore = ` HeatSCADA network: ${network.name}\n Schema and units: simulators/network/schema.ts`;
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
}

type SchemaShape = { properties?: Record<string, TSchema>; items?: TSchema };

/** A copy of a valid document with every object's keys in the order its schema lists them. */
function inSchemaOrder(schema: TSchema, value: unknown): unknown {
  const { properties, items } = schema as SchemaShape;
  if (Array.isArray(value)) return items ? value.map((v: unknown) => inSchemaOrder(items, v)) : value;
  if (properties && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(properties).filter((k) => k in record).map((k) => [k, inSchemaOrder(properties[k], record[k])]));
  }
  return value;
}
