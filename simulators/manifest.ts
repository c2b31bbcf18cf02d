// Puts the plant's substations behind OPC UA and Modbus TCP endpoints as the configuration
// groups them, and writes down where each one is: the manifest (data/sim-endpoints.json) and
// a collector configuration generated from it and the tag catalogue.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Document } from 'yaml';
import type { SimulateConfig } from './config-schema.ts';
import { HeatScadaError } from '../model/errors.ts';
import { TAGS, type ModbusRegisterType, type TagName } from '../model/tags.ts';
import type { NetworkTopology } from '../model/topology.ts';
import type { SubstationSpec } from './network/schema.ts';
import { networkTopology } from './network/topology.ts';
import type { Plant } from './plant.ts';
import type { PlcAccess, SubstationProtocol } from './plc-access.ts';
import { SOURCE_PLC_TAGS, SourcePlc } from './source-plc.ts';
import { startModbusEndpoint } from './servers/modbus-endpoint.ts';
import { OPCUA_NAMESPACE_URI, startOpcuaEndpoint } from './servers/opcua-endpoint.ts';
import { clientSecurity, resolveServerSecurity, type OpcuaClientSecurity, type OpcuaServerSecurity } from './servers/opcua-security.ts';

export const MANIFEST_FILE = 'sim-endpoints.json';
export const COLLECTOR_CONFIG_FILE = 'collectors.generated.yaml';
/** node-opcua numbers namespaces 0 (OPC UA), 1 (the server's own), then registered ones: ours is 2. */
export const OPCUA_NAMESPACE_INDEX = 2;
/** Endpoints started at once: node-opcua servers take a while each, hundreds of them add up. */
const START_CONCURRENCY = 8;

export interface Location {
  lat: number;
  lon: number;
}

/** Where a substation is, and its emitters (the balancing loop's curve follows them). */
interface SubstationSite {
  location: Location;
  heating: SubstationSpec['heating'];
}

export type SubstationEndpoint =
  | ({ id: string; protocol: 'opcua'; url: string; namespace_uri: string; node_prefix: string; security: OpcuaClientSecurity } & SubstationSite)
  | ({ id: string; protocol: 'modbus'; url: string; unit_id: number } & SubstationSite);

/** One server: one port, one or more substations behind it. */
export interface EndpointGroup {
  protocol: SubstationProtocol;
  port: number;
  url: string;
  substations: string[];
}

/** Where the heat source's PLC answers (OPC UA, the tags of SOURCE_PLC_TAGS). */
export interface SourceEndpoint {
  id: string;
  protocol: 'opcua';
  url: string;
  namespace_uri: string;
  node_prefix: string;
  security: OpcuaClientSecurity;
}

export interface SimEndpoints {
  groups: EndpointGroup[];
  /** Every substation, in network order. */
  substations: SubstationEndpoint[];
  /** The heat source's PLC; absent when planned without it. */
  source?: SourceEndpoint;
  /** The network's tree, places and names, for the API's picture of it. */
  network?: NetworkTopology;
  close(): Promise<void>;
}

export interface EndpointPlan {
  protocol: SubstationProtocol;
  port: number;
  substations: string[];
  /** The heat source's PLC rather than substations. */
  source?: true;
}

/** Without data_dir the OPC UA PKI and passwords are under ./data; without opcua.security, the schema's secure defaults. */
type EndpointsConfig = Pick<SimulateConfig, 'host' | 'opcua' | 'modbus' | 'admin_port'> & Partial<Pick<SimulateConfig, 'data_dir'>>;

/**
 * Groups substations by protocol, in network order, so many to an endpoint as the config says;
 * each protocol's endpoints take consecutive ports from its base port. Port ranges that
 * collide (with each other or the admin port) are a configuration error. With `sourceId` the
 * heat source's PLC takes the OPC UA port after the substations'.
 */
export function planEndpoints(substations: readonly { id: string; protocol: SubstationProtocol }[], cfg: EndpointsConfig, sourceId?: string): EndpointPlan[] {
  const settings = {
    opcua: { basePort: cfg.opcua.base_port, perEndpoint: cfg.opcua.plcs_per_endpoint, path: '/simulate/opcua/base_port' },
    modbus: { basePort: cfg.modbus.base_port, perEndpoint: cfg.modbus.units_per_endpoint, path: '/simulate/modbus/base_port' },
  } as const;
  const plans: EndpointPlan[] = [];
  const ranges: { protocol: SubstationProtocol; from: number; to: number }[] = [];
  for (const protocol of ['opcua', 'modbus'] as const) {
    const { basePort, perEndpoint, path: at } = settings[protocol];
    const ids = substations.filter((s) => s.protocol === protocol).map((s) => s.id);
    const withSource = protocol === 'opcua' && sourceId !== undefined;
    const substationEndpoints = Math.ceil(ids.length / perEndpoint);
    const count = substationEndpoints + (withSource ? 1 : 0);
    if (count === 0) continue;
    const range = { protocol, from: basePort, to: basePort + count - 1 };
    if (range.to > 65535) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `${count} ${protocol} endpoints from port ${basePort} run past 65535`, at);
    for (const other of ranges) {
      if (range.from <= other.to && other.from <= range.to) {
        throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `${protocol} ports ${portRange(range)} overlap ${other.protocol} ports ${portRange(other)}`, at);
      }
    }
    if (cfg.admin_port >= range.from && cfg.admin_port <= range.to) {
      throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `admin port ${cfg.admin_port} is inside the ${protocol} ports ${portRange(range)}`, '/simulate/admin_port');
    }
    ranges.push(range);
    for (let k = 0; k < substationEndpoints; k++) {
      plans.push({ protocol, port: basePort + k, substations: ids.slice(k * perEndpoint, (k + 1) * perEndpoint) });
    }
    if (withSource) plans.push({ protocol, port: basePort + substationEndpoints, substations: [sourceId], source: true });
  }
  return plans;
}

function portRange(range: { from: number; to: number }): string {
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}

/** Starts every planned endpoint; if one fails, closes those already up and rethrows. */
export async function startEndpoints(
  plant: Plant,
  cfg: EndpointsConfig,
  onProgress?: (started: number, total: number) => void,
  plc: PlcAccess = plant,
): Promise<SimEndpoints> {
  const plans = planEndpoints(plant.spec.substations, cfg, plant.spec.source.id);
  const dataDir = path.resolve(cfg.data_dir ?? 'data');
  const opcua: OpcuaServing = { security: resolveServerSecurity(cfg.opcua.security, dataDir), pkiDir: path.join(dataDir, 'pki') };
  const opcuaClients = clientSecurity(opcua.security, dataDir);
  const started = await startAll(plans, (plan) => startOne(plant, plc, plan, cfg.host, opcua), onProgress);
  const sites = new Map(plant.spec.substations.map((s): [string, SubstationSite] => [s.id, { location: s.location, heating: s.heating }]));
  const byId = new Map<string, SubstationEndpoint>();
  let source: SourceEndpoint | undefined;
  for (const { group, plan } of started) {
    if (plan.source) {
      const id = group.substations[0];
      source = { id, protocol: 'opcua', url: group.url, namespace_uri: OPCUA_NAMESPACE_URI, node_prefix: `ns=${OPCUA_NAMESPACE_INDEX};s=${id}.`, security: opcuaClients };
      continue;
    }
    group.substations.forEach((id, k) => {
      const site = sites.get(id)!;
      byId.set(
        id,
        group.protocol === 'opcua'
          ? { id, protocol: 'opcua', url: group.url, namespace_uri: OPCUA_NAMESPACE_URI, node_prefix: `ns=${OPCUA_NAMESPACE_INDEX};s=${id}.`, security: opcuaClients, ...site }
          : { id, protocol: 'modbus', url: group.url, unit_id: k + 1, ...site },
      );
    });
  }
  return {
    // The substations' servers; the heat source's PLC is `source` (and in the manifest).
    groups: started.filter((s) => !s.plan.source).map((s) => s.group),
    substations: plant.substationIds.map((id) => byId.get(id)!),
    ...(source ? { source } : {}),
    network: networkTopology(plant.spec),
    close: async () => {
      await Promise.all(started.map((s) => s.close()));
    },
  };
}

interface StartedEndpoint {
  plan: EndpointPlan;
  group: EndpointGroup;
  close(): Promise<void>;
}

/** What every OPC UA endpoint of the process shares: the offer and the PKI. */
interface OpcuaServing {
  security: OpcuaServerSecurity;
  pkiDir: string;
}

/** `plc` is what the substations' servers answer from: the plant, or a recording view of it. */
async function startOne(plant: Plant, plc: PlcAccess, plan: EndpointPlan, host: string, opcua: OpcuaServing): Promise<StartedEndpoint> {
  try {
    const endpoint = plan.source
      ? await startOpcuaEndpoint({ plc: new SourcePlc(plant), substations: plan.substations, tags: SOURCE_PLC_TAGS, port: plan.port, host, ...opcua })
      : plan.protocol === 'opcua'
        ? await startOpcuaEndpoint({ plc, substations: plan.substations, port: plan.port, host, ...opcua })
        : await startModbusEndpoint({ plc, units: plan.substations.map((substation, k) => ({ substation, unitId: k + 1 })), port: plan.port, host });
    return { plan, group: { protocol: plan.protocol, port: plan.port, substations: plan.substations, url: endpoint.url }, close: () => endpoint.close() };
  } catch (e) {
    throw listenError(e, plan, host);
  }
}

/** A port taken or an address not on this machine is a configuration problem: say which field. */
function listenError(e: unknown, plan: EndpointPlan, host: string): unknown {
  const message = e instanceof Error ? e.message : String(e);
  if (/EADDRINUSE|EACCES/.test(message)) {
    return new HeatScadaError('HS_ERR_CONFIG_INVALID', `${plan.protocol} port ${plan.port} cannot be used: ${message}`, `/simulate/${plan.protocol}/base_port`);
  }
  if (/EADDRNOTAVAIL|ENOTFOUND/.test(message)) {
    return new HeatScadaError('HS_ERR_CONFIG_INVALID', `cannot listen on ${host}: ${message}`, '/simulate/host');
  }
  return e;
}

async function startAll(
  plans: readonly EndpointPlan[],
  start: (plan: EndpointPlan) => Promise<StartedEndpoint>,
  onProgress?: (started: number, total: number) => void,
): Promise<StartedEndpoint[]> {
  const started: StartedEndpoint[] = new Array(plans.length);
  let next = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < plans.length) {
      const k = next++;
      try {
        started[k] = await start(plans[k]);
        onProgress?.(++done, plans.length);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, plans.length) }, worker));
  if (failure) {
    await Promise.all(started.filter(Boolean).map((s) => s.close()));
    throw failure.error;
  }
  return started;
}

/** Where the admin endpoint answers and where its token is kept (never the token itself: this file is not secret). */
export interface AdminLocation {
  url: string;
  token_file: string;
}

export interface Manifest {
  generated_at: string;
  substations: SubstationEndpoint[];
  source?: SourceEndpoint;
  network?: NetworkTopology;
  admin?: AdminLocation;
}

/** data/sim-endpoints.json: where every substation answers, and how to address it there. */
export function writeManifest(
  dataDir: string,
  endpoints: Pick<SimEndpoints, 'substations' | 'source' | 'network'>,
  admin?: AdminLocation,
): { file: string; manifest: Manifest } {
  const manifest: Manifest = {
    generated_at: new Date().toISOString(),
    substations: endpoints.substations,
    ...(endpoints.source ? { source: endpoints.source } : {}),
    ...(endpoints.network ? { network: endpoints.network } : {}),
    ...(admin ? { admin } : {}),
  };
  const file = path.join(dataDir, MANIFEST_FILE);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  return { file, manifest };
}

export interface ModbusTagLocation {
  register: number;
  type: ModbusRegisterType;
  scale: number;
  bit?: number;
}

export type CollectorDevice =
  | ({ id: string; protocol: 'opcua'; url: string; namespace_uri: string } & OpcuaClientSecurity & { tags: Partial<Record<TagName, { node_id: string }>> })
  | { id: string; protocol: 'modbus'; url: string; unit_id: number; registers: 'holding'; byte_order: 'ABCD'; tags: Record<TagName, ModbusTagLocation> };

export interface CollectorConfig {
  collect: { devices: CollectorDevice[] };
}

/** Every simulated PLC has the catalogue's register layout: one map, shared by every Modbus device. */
const MODBUS_TAGS = Object.fromEntries(
  TAGS.map((t) => [t.name, { register: t.modbus.address, type: t.modbus.type, scale: t.modbus.scale, ...(t.modbus.bit === undefined ? {} : { bit: t.modbus.bit }) }]),
) as Record<TagName, ModbusTagLocation>;

function opcuaTags(nodePrefix: string, tags: readonly TagName[] = TAGS.map((t) => t.name)): Partial<Record<TagName, { node_id: string }>> {
  return Object.fromEntries(tags.map((t) => [t, { node_id: `${nodePrefix}${t}` }]));
}

const COLLECTOR_HEADER = `Generated by \`heatscada simulate\` from ${MANIFEST_FILE} and the tag catalogue (model/tags.ts);
rewritten at every simulator start. OPC UA node ids use namespace index ${OPCUA_NAMESPACE_INDEX}: resolve
namespace_uri against the server's namespace array rather than trusting the index. OPC UA
devices connect as the simulator offers (simulate.opcua.security): its strongest mode and first
policy, as its first user, whose password is in password_file (made at first start, 0600). Modbus:
holding registers, big-endian, high word first; raw register = value × scale; bit = a status
bit of the register.`;

/** data/collectors.generated.yaml: a collector configuration that needs no hand editing. */
export function writeCollectorConfig(dataDir: string, manifest: Manifest): { file: string; config: CollectorConfig } {
  const devices = manifest.substations.map((s): CollectorDevice =>
    s.protocol === 'opcua'
      ? { id: s.id, protocol: 'opcua', url: s.url, namespace_uri: s.namespace_uri, ...s.security, tags: opcuaTags(s.node_prefix) }
      : { id: s.id, protocol: 'modbus', url: s.url, unit_id: s.unit_id, registers: 'holding', byte_order: 'ABCD', tags: MODBUS_TAGS },
  );
  const { source } = manifest;
  if (source) devices.push({ id: source.id, protocol: 'opcua', url: source.url, namespace_uri: source.namespace_uri, ...source.security, tags: opcuaTags(source.node_prefix, SOURCE_PLC_TAGS) });
  const config: CollectorConfig = { collect: { devices } };
  // The shared Modbus map becomes one YAML anchor and an alias per device.
  const doc = new Document(config);
  doc.commentBefore = COLLECTOR_HEADER.split('\n').map((line) => ` ${line}`).join('\n');
  const file = path.join(dataDir, COLLECTOR_CONFIG_FILE);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
  return { file, config };
}
