// The OPC UA face of one substation PLC, or of a group of them behind one endpoint. Every tag
// of the catalogue is a variable bound to PlcAccess: a read calls plc.read, a write calls
// plc.write; the server keeps no plant state and runs no polling loop of its own.

import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { format } from 'node:util';
import {
  DataType,
  OPCUAServer,
  StatusCodes,
  UserTokenType,
  Variant,
  type OPCUACertificateManager,
  makeEUInformation,
  setErrorLogger,
  setWarningLogger,
  standardUnits,
  type EUInformation,
  type Namespace,
  type StatusCode,
  type UAObject,
} from 'node-opcua';
import { HeatScadaError, type ErrorCode } from '../../model/errors.ts';
import { TAGS, inRange, tagDefinition, type TagDefinition, type TagName } from '../../model/tags.ts';
import type { PlcAccess } from '../plc-access.ts';
import { followAnswering, serverLog, type ServerLog } from './answering.ts';
import { acquireServerPki } from './opcua-pki.ts';
import { UNSECURED, checkExposure, offeredUserTokenTypes, serverSecurityOptions, type OpcuaServerSecurity } from './opcua-security.ts';

export const OPCUA_NAMESPACE_URI = 'urn:heatscada:plc';
/** One application for every simulated PLC in the process: they share one certificate. */
const APPLICATION_URI = 'urn:heatscada:plc-simulator';
/** How often a subscription may sample a tag; the plant moves on a seconds scale. */
const MIN_SAMPLING_INTERVAL_MS = 250;

export interface OpcuaEndpointOptions {
  plc: PlcAccess;
  substations: string[];
  port: number;
  /** Address to bind and advertise; 127.0.0.1 unless given. */
  host?: string;
  /** What the endpoint offers; no security, anonymous, unless given (then only on loopback). */
  security?: OpcuaServerSecurity;
  /** Root of the PKI folders (opcua-server, opcua-user); ./data/pki unless given. */
  pkiDir?: string;
  /** The tags each PLC serves; the whole catalogue unless given (the heat source's PLC serves a few). */
  tags?: readonly TagName[];
}

export interface OpcuaEndpoint {
  url: string;
  substations: string[];
  close(): Promise<void>;
}

const STATUS_BY_ERROR: Partial<Record<ErrorCode, StatusCode>> = {
  HS_ERR_OUT_OF_RANGE: StatusCodes.BadOutOfRange,
  HS_ERR_WRONG_TYPE: StatusCodes.BadTypeMismatch,
  HS_ERR_PLC_MODE: StatusCodes.BadInvalidState,
  HS_ERR_NOT_WRITABLE: StatusCodes.BadNotWritable,
  HS_ERR_PLC_OFFLINE: StatusCodes.BadNoCommunication,
  HS_ERR_UNKNOWN_TAG: StatusCodes.BadNodeIdUnknown,
  HS_ERR_UNKNOWN_SUBSTATION: StatusCodes.BadNodeIdUnknown,
};

/** Catalogue unit → UNECE-coded EUInformation (node-opcua has no gigajoule: GV is its code). */
const EU_BY_UNIT: Readonly<Record<string, EUInformation>> = {
  '°C': standardUnits.degree_celsius,
  K: standardUnits.kelvin,
  MPa: standardUnits.megapascal,
  'm³/h': standardUnits.cubic_metre_per_hour,
  '%': standardUnits.percent,
  Hz: standardUnits.hertz,
  kW: standardUnits.kilowatt,
  GJ: makeEUInformation('GV', 'GJ', 'gigajoule'),
  m: standardUnits.metre,
  kPa: standardUnits.kilopascal,
};

type NodeShape =
  | { kind: 'analog'; dataType: DataType.Double; eu: EUInformation }
  | { kind: 'plain'; dataType: DataType.Boolean | DataType.UInt16 | DataType.UInt32 };

/**
 * Measurements and setpoints with a physical unit are AnalogItemType Doubles; status bits are
 * Booleans; the heartbeat counter and the control modes are plain UInt16 (integers on the PLC),
 * the PLC's clock (whole seconds since 1970) a plain UInt32.
 */
function shapeOf(def: TagDefinition): NodeShape {
  if (def.valueType === 'boolean') return { kind: 'plain', dataType: DataType.Boolean };
  if (def.unit === 's') return { kind: 'plain', dataType: DataType.UInt32 };
  if (def.valueType === 'enum' || def.unit === 'count') return { kind: 'plain', dataType: DataType.UInt16 };
  const eu = EU_BY_UNIT[def.unit];
  if (!eu) throw new Error(`no OPC UA engineering unit for '${def.unit}' (${def.name})`);
  return { kind: 'analog', dataType: DataType.Double, eu };
}

const log = serverLog('opcua-server');

// node-opcua prints colourised multi-line warnings on stdout, one even from an environment
// check it runs at import. Warnings are dropped; errors become one structured line.
setWarningLogger(() => undefined);
setErrorLogger((...args: unknown[]) => log('node-opcua error', { message: format(...args).split('\n')[0]?.slice(0, 200) }));

export async function startOpcuaEndpoint(opts: OpcuaEndpointOptions): Promise<OpcuaEndpoint> {
  const { plc, port } = opts;
  const substations = [...opts.substations];
  const served = opts.tags ? opts.tags.map(tagDefinition) : TAGS;
  const host = opts.host ?? '127.0.0.1';
  validate(plc, substations);

  const security = opts.security ?? UNSECURED;
  checkExposure(security, host);
  const pki = await acquireServerPki(opts.pkiDir ?? path.resolve('data', 'pki'), security.acceptUnknownClients);
  /** A server on the port with the address space of these PLCs, with its own certificate unless given another. */
  const build = async (certificate?: ServerCertificate): Promise<OPCUAServer> => {
    const built = new OPCUAServer({
      port,
      host,
      // A wildcard bind advertises the machine's name instead.
      hostname: host === '0.0.0.0' || host === '::' ? undefined : host,
      serverCertificateManager: pki.server,
      userCertificateManager: pki.user,
      ...(certificate ?? {}),
      serverInfo: {
        applicationUri: APPLICATION_URI,
        productUri: 'urn:heatscada',
        applicationName: { text: `HeatSCADA PLC ${substations.join(',')}`.slice(0, 64), locale: 'en' },
      },
      buildInfo: { productName: 'HeatSCADA PLC simulator', manufacturerName: 'HeatSCADA' },
      ...serverSecurityOptions(security),
    });
    try {
      await built.initialize();
      offerOnly(built, offeredUserTokenTypes(security));
      const addressSpace = built.engine.addressSpace;
      if (!addressSpace) throw new Error('OPC UA address space missing after initialize');
      const namespace = addressSpace.registerNamespace(OPCUA_NAMESPACE_URI);
      for (const substation of substations) {
        const folder = namespace.addFolder(addressSpace.rootFolder.objects, { browseName: substation, nodeId: `s=${substation}` });
        for (const def of served) addTagVariable(namespace, folder, plc, substation, def);
      }
      await built.start();
    } catch (err) {
      await built.shutdown().catch(() => undefined);
      throw err;
    }
    return built;
  };

  let server: OPCUAServer;
  try {
    server = await build();
  } catch (err) {
    await pki.release();
    throw err;
  }

  const url = server.getEndpointUrl();
  const single = substations.length === 1;
  const stopFollowing = single
    ? await followAnswering(
        plc,
        substations[0],
        { silence: () => silence(server), revive: () => server.resumeEndPoints() },
        (event, fields) => log(event, { ...fields, url }),
      )
    : undefined;

  // Faults of the server itself (simulators/faults): a restart with a new certificate while
  // one lasts (and with its own again after), sessions dropped when one starts.
  let newCertificate: ServerCertificate | undefined;
  let restarts = Promise.resolve();
  const restart = async (withNew: boolean): Promise<void> => {
    const previous = newCertificate;
    newCertificate = withNew ? await freshCertificate(pki.server, port) : undefined;
    pki.reuse();
    await server.shutdown();
    server = await build(newCertificate);
    if (previous) rmSync(previous.certificateFile, { force: true });
    if (single && !plc.answers(substations[0])) await silence(server);
    log(withNew ? 'restarted with a new certificate' : 'restarted with its own certificate', { url, substations: substations.join(',') });
  };
  const stopFaults = plc.onServerFault?.((change) => {
    if (!substations.includes(change.substation)) return;
    if (change.kind === 'opcua_session_drop') {
      if (change.active) dropSessions(server, (event, fields) => log(event, { ...fields, url }));
      return;
    }
    restarts = restarts.then(() => restart(change.active)).catch((err: unknown) => log('restart failed', { url, error: String(err) }));
  });

  let closed: Promise<void> | undefined;
  return {
    url,
    substations,
    close: () => {
      closed ??= (async () => {
        stopFaults?.();
        await restarts;
        await stopFollowing?.();
        await server.shutdown();
        if (newCertificate) rmSync(newCertificate.certificateFile, { force: true });
        await pki.release();
      })();
      return closed;
    },
  };
}

interface ServerCertificate {
  certificateFile: string;
  privateKeyFile: string;
}

/** Another self-signed certificate for the same application and key: what a re-imaged PLC presents. */
async function freshCertificate(manager: OPCUACertificateManager, port: number): Promise<ServerCertificate> {
  const certificateFile = path.join(manager.rootDir, 'own', 'certs', `replaced-${port}-${Date.now()}.pem`);
  await manager.createSelfSignedCertificate({
    outputFile: certificateFile,
    subject: `/CN=HeatSCADA PLC simulator (new certificate)`,
    applicationUri: APPLICATION_URI,
    dns: [hostname()],
    startDate: new Date(Date.now() - 60_000),
    validity: 365,
  });
  return { certificateFile, privateKeyFile: manager.privateKey };
}

/** Closes every session of the server, as a server that lost its session table: clients make new ones. */
function dropSessions(server: OPCUAServer, logEvent: ServerLog): void {
  const sessions = server.engine.getSessions();
  for (const session of sessions) server.engine.closeSession(session.authenticationToken, true, 'Terminated');
  logEvent('sessions dropped', { sessions: sessions.length });
}

/**
 * OPCUAServer does not hand userTokenTypes on to its endpoints (a TODO in node-opcua 2.182), so
 * each description offers X509 user tokens too; the server checks every token against these
 * lists, so trimming them is what refuses a token type.
 */
function offerOnly(server: OPCUAServer, tokenTypes: readonly UserTokenType[]): void {
  for (const endpoint of server.endpoints) {
    for (const description of endpoint.endpointDescriptions()) {
      description.userIdentityTokens = (description.userIdentityTokens ?? []).filter((t) => tokenTypes.includes(t.tokenType));
    }
  }
}

function validate(plc: PlcAccess, substations: readonly string[]): void {
  if (substations.length === 0) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'an endpoint serves at least one substation', 'substations');
  substations.forEach((sub, i) => {
    if (!plc.substationIds.includes(sub)) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', sub, `substations[${i}]`);
    if (substations.indexOf(sub) !== i) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `${sub} listed twice`, `substations[${i}]`);
  });
}

function addTagVariable(namespace: Namespace, folder: UAObject, plc: PlcAccess, substation: string, def: TagDefinition): void {
  const shape = shapeOf(def);
  const variable = {
    organizedBy: folder,
    browseName: def.name,
    nodeId: `s=${substation}.${def.name}`,
    description: def.description,
    accessLevel: def.writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
    userAccessLevel: def.writable ? 'CurrentRead | CurrentWrite' : 'CurrentRead',
    minimumSamplingInterval: MIN_SAMPLING_INTERVAL_MS,
    value: {
      get: (): Variant | StatusCode => {
        if (!plc.answers(substation)) return StatusCodes.BadNoCommunication;
        if (plc.badStatus?.(substation, def.name)) return StatusCodes.BadSensorFailure;
        const value = plc.read(substation, def.name);
        return new Variant({ dataType: shape.dataType, value: toVariantValue(shape.dataType, value) });
      },
      ...(def.writable ? { set: (variant: Variant): StatusCode => writeTag(plc, substation, def, variant) } : {}),
    },
  };
  if (shape.kind === 'analog') {
    namespace.addAnalogDataItem({
      ...variable,
      dataType: 'Double',
      engineeringUnitsRange: { low: def.min, high: def.max },
      engineeringUnits: shape.eu,
    });
  } else {
    namespace.addVariable({ ...variable, dataType: DataType[shape.dataType] });
  }
}

function toVariantValue(dataType: NodeShape['dataType'], value: number | boolean): number | boolean {
  if (dataType === DataType.Boolean) return Boolean(value);
  // The wire type would truncate a fractional count; round it as the PLC's integer would be.
  return dataType === DataType.Double ? Number(value) : Math.round(Number(value));
}

function writeTag(plc: PlcAccess, substation: string, def: TagDefinition, variant: Variant): StatusCode {
  if (!plc.answers(substation)) return StatusCodes.BadNoCommunication;
  const value: unknown = variant.value;
  // The EURange is the catalogue range; checked here so a refused value never reaches the PLC.
  if (typeof value !== 'number' || !inRange(def, value)) return StatusCodes.BadOutOfRange;
  const result = plc.write(substation, def.name, value);
  return result.ok ? StatusCodes.Good : (STATUS_BY_ERROR[result.code] ?? StatusCodes.BadInternalError);
}

/**
 * A single-PLC endpoint goes silent with its PLC, as a powered-off PLC does: the listener
 * closes (new connections are refused), open channels are cut and sessions dropped. The
 * address space stays loaded, so resumeEndPoints brings it back on the same port at once.
 */
async function silence(server: OPCUAServer): Promise<void> {
  const suspended = server.suspendEndPoints();
  for (const session of server.engine.getSessions()) {
    server.engine.closeSession(session.authenticationToken, true, 'Terminated');
  }
  for (const endpoint of server.endpoints) endpoint.abruptlyInterruptChannels();
  await suspended;
}
