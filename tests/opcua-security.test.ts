// OPC UA security against the simulator's real server over loopback: SignAndEncrypt and Sign
// sessions with a user name read and write; a wrong password, an anonymous session and an
// unsecured channel are refused; the collector driver connects in SignAndEncrypt, trusts the
// server's certificate on first use, and refuses it when it changes (or, with a trust list,
// when nobody trusted it).

import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AttributeIds,
  DataType,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  UserTokenType,
  type ClientSession,
  type UserIdentityInfo,
} from 'node-opcua';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveDevices } from '../collectors/config.ts';
import { createDriver } from '../collectors/drivers.ts';
import { PINS_FILE } from '../collectors/opcua/server-trust.ts';
import { loadConfig } from '../bin/config.ts';
import type { Driver } from '../model/driver.ts';
import type { Point } from '../model/point.ts';
import { TAGS, type TagName } from '../model/tags.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { Plant } from '../simulators/plant.ts';
import { startOpcuaEndpoint, type OpcuaEndpoint } from '../simulators/servers/opcua-endpoint.ts';
import { UNSECURED_SECTION, checkExposure, clientSecurity, passwordFile, resolveServerSecurity, type OpcuaServerSecurity } from '../simulators/servers/opcua-security.ts';
import { captureLog, type LogLine } from './helpers/capture-log.ts';
import { trustingClientPki, type ClientPki } from './helpers/opcua-client-pki.ts';
import { freePort } from './helpers/ports.ts';

const SOON = { timeout: 15_000, interval: 50 };
const FAST = { reconnect: { initial_delay_ms: 100, max_delay_ms: 1000 } };
const SETPOINT: TagName = 'secondary.supply_temp_setpoint';
const DEFAULT_CONFIG = path.join(import.meta.dirname, '..', 'config', 'default.yaml');

type Mode = 'None' | 'Sign' | 'SignAndEncrypt';
type Policy = 'None' | 'Basic256Sha256' | 'Aes128_Sha256_RsaOaep' | 'Aes256_Sha256_RsaPss';

describe('OPC UA security against the simulator server', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hs-opcua-sec-'));
  let plant: Plant;
  let s0: string;
  let security: OpcuaServerSecurity;
  let password: string;
  let endpoint: OpcuaEndpoint;
  let port: number;
  /** node-opcua's own client needs a PKI too; it is not what is tested here. */
  let rawPki: ClientPki;
  const drivers: Driver[] = [];

  /** A session as any OPC UA client would open it; closed again by the callback's end. */
  async function withSession<T>(mode: Mode, policy: Policy, identity: UserIdentityInfo, use: (session: ClientSession) => Promise<T>): Promise<T> {
    const client = OPCUAClient.create({
      clientCertificateManager: rawPki.manager,
      securityMode: MessageSecurityMode[mode],
      securityPolicy: SecurityPolicy[policy],
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0 },
    });
    try {
      await client.connect(endpoint.url);
      const session = await client.createSession(identity);
      try {
        return await use(session);
      } finally {
        await session.close();
      }
    } finally {
      await client.disconnect();
    }
  }

  const collector = (): UserIdentityInfo => ({ type: UserTokenType.UserName, userName: 'collector', password });
  const node = (tag: TagName) => `ns=2;s=${s0}.${tag}`;

  async function driverFor(entry: object, log = captureLog('info').log): Promise<Driver> {
    const [device] = resolveDevices([{ id: s0, protocol: 'opcua', url: endpoint.url, sampling_interval_ms: 250, ...FAST, ...entry }]);
    const d = createDriver(device!, log);
    drivers.push(d);
    await d.connect();
    return d;
  }

  beforeAll(async () => {
    plant = new Plant(generateCity({ substations: 2, seed: 3 }), { startMs: Date.now() });
    s0 = plant.substationIds[0]!;
    // What the shipped config/default.yaml offers: no None, no anonymous, one user (password made now).
    security = resolveServerSecurity(loadConfig(DEFAULT_CONFIG).simulate.opcua.security, dir);
    expect(security).toMatchObject({ modes: ['Sign', 'SignAndEncrypt'], allowAnonymous: false, users: [{ name: 'collector' }] });
    password = readFileSync(passwordFile(dir, 'collector'), 'utf8').trim();
    port = await freePort();
    endpoint = await startOpcuaEndpoint({ plc: plant, substations: [...plant.substationIds], port, security, pkiDir: path.join(dir, 'pki') });
    rawPki = trustingClientPki(path.join(dir, 'raw-client-pki'));
  });

  // Devices with equal settings share a session: each test starts from none.
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((d) => d.close()));
  });

  afterAll(async () => {
    await endpoint?.close();
    await rawPki?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the collector password at first start, 0600, and keeps it', () => {
    const file = passwordFile(dir, 'collector');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(resolveServerSecurity({ modes: ['Sign'], policies: ['Basic256Sha256'], allow_anonymous: false, users: ['collector'], accept_unknown_clients: true, allow_insecure_on_network: false }, dir).users).toEqual([
      { name: 'collector', password },
    ]);
  });

  it('reads every tag of a PLC and writes a setpoint in a SignAndEncrypt session with a user name', async () => {
    const target = Math.round(((plant.read(s0, SETPOINT) as number) - 5) * 10) / 10;
    const before = plant.read(s0, 'primary.valve_position') as number;
    await withSession('SignAndEncrypt', 'Basic256Sha256', collector(), async (session) => {
      expect(session.endpoint.securityMode).toBe(MessageSecurityMode.SignAndEncrypt);
      expect(session.endpoint.securityPolicyUri).toBe(SecurityPolicy.Basic256Sha256);
      const values = await session.read(TAGS.map((t) => ({ nodeId: node(t.name), attributeId: AttributeIds.Value })));
      values.forEach((v, i) => {
        const tag = TAGS[i]!.name;
        expect(v.statusCode.name, tag).toBe('Good');
        const want = plant.read(s0, tag);
        if (typeof want === 'boolean') expect(v.value.value, tag).toBe(want);
        else expect(Number(v.value.value), tag).toBeCloseTo(want, 6);
      });
      const status = await session.write({ nodeId: node(SETPOINT), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: target } } });
      expect(status.name).toBe('Good');
      const back = await session.read({ nodeId: node(SETPOINT), attributeId: AttributeIds.Value });
      expect(back.value.value).toBeCloseTo(target, 6);
    });
    expect(plant.read(s0, SETPOINT)).toBeCloseTo(target, 6);
    // The PLC's local loop closes the valve for the lower setpoint: the plant moves.
    plant.advance(300);
    expect(plant.read(s0, 'primary.valve_position') as number).toBeLessThan(before - 1);
  });

  it.each([
    ['Sign', 'Basic256Sha256'],
    ['SignAndEncrypt', 'Aes128_Sha256_RsaOaep'],
    ['SignAndEncrypt', 'Aes256_Sha256_RsaPss'],
  ] as const)('reads and writes in %s with %s', async (mode, policy) => {
    const target = Math.round(((plant.read(s0, SETPOINT) as number) + 1) * 10) / 10;
    await withSession(mode, policy, collector(), async (session) => {
      expect(MessageSecurityMode[session.endpoint.securityMode]).toBe(mode);
      const status = await session.write({ nodeId: node(SETPOINT), attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: target } } });
      expect(status.name).toBe('Good');
      const [supply] = await session.read([{ nodeId: node('secondary.supply_temp'), attributeId: AttributeIds.Value }]);
      expect(supply?.statusCode.name).toBe('Good');
    });
    expect(plant.read(s0, SETPOINT)).toBeCloseTo(target, 6);
  });

  it('refuses a wrong password and an anonymous session', async () => {
    const wrong: UserIdentityInfo = { type: UserTokenType.UserName, userName: 'collector', password: `${password}x` };
    await expect(withSession('SignAndEncrypt', 'Basic256Sha256', wrong, async () => undefined)).rejects.toThrow(/BadUserAccessDenied/);
    await expect(withSession('SignAndEncrypt', 'Basic256Sha256', { type: UserTokenType.Anonymous }, async () => undefined)).rejects.toThrow(/ANONYMOUS|BadIdentityToken/);
  });

  it('refuses an unsecured session when the server does not offer None', async () => {
    await expect(withSession('None', 'None', collector(), async () => undefined)).rejects.toThrow(/End point must exist/);
  });

  it('serves unsecured, anonymous sessions only when configured to', async () => {
    const open = resolveServerSecurity({ modes: ['None', 'SignAndEncrypt'], policies: ['Basic256Sha256'], allow_anonymous: true, users: [], accept_unknown_clients: true, allow_insecure_on_network: false }, dir);
    const other = await startOpcuaEndpoint({ plc: plant, substations: [s0], port: await freePort(), security: open, pkiDir: path.join(dir, 'pki') });
    try {
      const client = OPCUAClient.create({ clientCertificateManager: rawPki.manager, securityMode: MessageSecurityMode.None, securityPolicy: SecurityPolicy.None, endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
      await client.connect(other.url);
      const session = await client.createSession();
      const [value] = await session.read([{ nodeId: node('power.ok'), attributeId: AttributeIds.Value }]);
      expect(value?.value.value).toBe(true);
      await session.close();
      await client.disconnect();
    } finally {
      await other.close();
    }
  });

  it('the collector driver connects in SignAndEncrypt with the generated settings, delivers points and writes', async () => {
    const { log, lines } = captureLog('info');
    const generated = clientSecurity(security, dir);
    expect(generated).toEqual({
      security_mode: 'SignAndEncrypt',
      security_policy: 'Basic256Sha256',
      username: 'collector',
      password_file: passwordFile(dir, 'collector'),
      pki_dir: path.join(dir, 'pki', 'opcua-client'),
    });
    const d = await driverFor(generated, log);
    const pkiDir = generated.pki_dir;
    expect(d.state).toBe('connected');

    const points: Point[] = [];
    const stop = await d.subscribe((p) => points.push(...p), 100);
    try {
      await expect.poll(() => new Set(points.map((p) => p.tag)).size, SOON).toBe(TAGS.length);
      expect(points.every((p) => p.quality === 'good')).toBe(true);
      const target = Math.round(((plant.read(s0, SETPOINT) as number) - 1) * 10) / 10;
      const outcome = await d.write(SETPOINT, target);
      expect(outcome).toEqual({ ok: true, readBack: target });
      expect(plant.read(s0, SETPOINT)).toBeCloseTo(target, 6);
    } finally {
      await stop();
    }
    // Trusted on first use: said in the log, kept in the trust list, pinned to the URL.
    expect(lines.some((l) => l.msg === 'opcua server certificate trusted on first use' && l.url === endpoint.url)).toBe(true);
    expect(readdirSync(path.join(pkiDir, 'trusted', 'certs'))).toHaveLength(1);
    const pins = JSON.parse(readFileSync(path.join(pkiDir, PINS_FILE), 'utf8')) as Record<string, { thumbprint: string }>;
    expect(pins[endpoint.url]?.thumbprint).toMatch(/^[0-9a-f]{40}$/);
  });

  it('the driver says why it is refused: wrong password, no None on offer, a server certificate nobody trusted', async () => {
    const secured = { security_mode: 'SignAndEncrypt', security_policy: 'Basic256Sha256', username: 'collector', pki_dir: path.join(dir, 'pki', 'opcua-client') };
    const strictPki = path.join(dir, 'strict-pki');
    const cases = [
      [{ ...secured, password: 'not-the-password' }, 'HS_ERR_OPCUA_USER_DENIED'],
      [{ ...secured, security_mode: 'None', security_policy: 'None', password }, 'HS_ERR_OPCUA_SECURITY_REJECTED'],
      [{ ...secured, password, server_trust: 'trust_list', pki_dir: strictPki }, 'HS_ERR_OPCUA_CERT_UNTRUSTED'],
    ] as const;
    const refusedDrivers = await Promise.all(
      cases.map(async ([entry, code]) => {
        const { log, lines } = captureLog('info');
        const d = await driverFor(entry, log);
        const refused = () => lines.some((l) => l.msg === 'device state' && l.state === 'disconnected' && String(l.reason).includes(code));
        await expect.poll(refused, SOON).toBe(true);
        expect(d.state).toBe('disconnected');
        return d;
      }),
    );
    // Nobody trusted it: the certificate waits in rejected/ until an operator moves it into
    // trusted/certs; the driver, still trying, then connects.
    const [certificate, ...more] = readdirSync(path.join(strictPki, 'rejected'));
    expect(more).toHaveLength(0);
    expect(readdirSync(path.join(strictPki, 'trusted', 'certs'))).toHaveLength(0);
    renameSync(path.join(strictPki, 'rejected', certificate!), path.join(strictPki, 'trusted', 'certs', certificate!));
    await expect.poll(() => refusedDrivers[2]!.state, SOON).toBe('connected');
  });

  it('a server that accepts no unknown client refuses a new collector until an operator trusts its certificate', async () => {
    const strict = { ...security, acceptUnknownClients: false };
    const serverPki = path.join(dir, 'pki');
    const settings = { ...clientSecurity(strict, dir), pki_dir: path.join(dir, 'new-collector-pki') };
    const start = async () => startOpcuaEndpoint({ plc: plant, substations: [s0], port: await freePort(), security: strict, pkiDir: serverPki });
    let guarded = await start();
    try {
      const { log, lines } = captureLog('info');
      const refused = await driverFor({ ...settings, url: guarded.url }, log);
      await expect.poll(() => lines.some((l) => l.msg === 'device state' && String(l.reason).includes('HS_ERR_OPCUA_CLIENT_REJECTED')), SOON).toBe(true);
      expect(refused.state).toBe('disconnected');
      // The operator moves the collector's certificate from rejected/ to trusted/; the PLC restarts
      // on the same port with its new list, and the collector, still trying, gets in.
      const rejected = path.join(serverPki, 'opcua-server', 'rejected');
      const [certificate] = readdirSync(rejected).filter((f) => f.startsWith('HeatSCADA collector'));
      expect(certificate).toBeDefined();
      renameSync(path.join(rejected, certificate!), path.join(serverPki, 'opcua-server', 'trusted', 'certs', certificate!));
      const guardedPort = Number(new URL(guarded.url.replace('opc.tcp:', 'http:')).port);
      await guarded.close();
      guarded = await startOpcuaEndpoint({ plc: plant, substations: [s0], port: guardedPort, security: strict, pkiDir: serverPki });
      await expect.poll(() => refused.state, SOON).toBe('connected');
    } finally {
      await guarded.close();
    }
  });

  it('refuses a server certificate that changed since it was trusted on first use', async () => {
    const settings = clientSecurity(security, dir);
    const running = captureLog('info');
    const d = await driverFor(settings, running.log);
    expect(d.state).toBe('connected');
    await endpoint.close();
    // The same URL, served with another certificate (another PKI): a swapped PLC or an impostor.
    endpoint = await startOpcuaEndpoint({ plc: plant, substations: [s0], port, security, pkiDir: path.join(dir, 'pki-other') });
    const changed = (lines: readonly LogLine[]) => lines.some((l) => l.code === 'HS_ERR_OPCUA_CERT_CHANGED' && String(l.error).includes(endpoint.url));
    // The connection that was up does not come back: its reconnection is refused.
    await expect.poll(() => changed(running.lines), SOON).toBe(true);
    expect(d.state).toBe('disconnected');
    // Nor does a new one; the new certificate is kept in rejected/ for an operator to look at.
    await d.close();
    const fresh = captureLog('info');
    const again = await driverFor(settings, fresh.log);
    expect(again.state).toBe('disconnected');
    expect(changed(fresh.lines)).toBe(true);
    expect(readdirSync(path.join(settings.pki_dir, 'rejected'))).toHaveLength(1);
  });
});


describe('OPC UA on a network address', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hs-opcua-bind-'));
  const plant = new Plant(generateCity({ substations: 1, seed: 4 }), { startMs: Date.now() });
  const s0 = plant.substationIds[0]!;
  const clientPki = trustingClientPki(path.join(dir, 'client-pki'));
  /** Every interface: what config/multi-machine.example.yaml binds for collectors on other machines. */
  const ANY = '0.0.0.0';
  const start = async (security: OpcuaServerSecurity | undefined, host = ANY) =>
    startOpcuaEndpoint({ plc: plant, substations: [s0], port: await freePort(), host, pkiDir: path.join(dir, 'pki'), ...(security ? { security } : {}) });
  /** An unsecured, anonymous session over the endpoint's port on loopback; the value of power.ok, or why not. */
  async function readUnsecured(endpoint: OpcuaEndpoint): Promise<unknown> {
    const client = OPCUAClient.create({ clientCertificateManager: clientPki.manager, securityMode: MessageSecurityMode.None, securityPolicy: SecurityPolicy.None, endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
    try {
      await client.connect(`opc.tcp://127.0.0.1:${new URL(endpoint.url.replace('opc.tcp:', 'http:')).port}`);
      const session = await client.createSession();
      const [value] = await session.read([{ nodeId: `ns=2;s=${s0}.power.ok`, attributeId: AttributeIds.Value }]);
      await session.close();
      return value?.value.value;
    } catch (e) {
      return (e as Error).message;
    } finally {
      await client.disconnect();
    }
  }

  afterAll(async () => {
    await clientPki.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to serve None or anonymous sessions on a non-loopback address, naming the field', async () => {
    const anonymousOnly = { ...resolveServerSecurity(undefined, dir), allowAnonymous: true };
    const cases = [
      [undefined, '/simulate/opcua/security/modes'],
      [anonymousOnly, '/simulate/opcua/security/allow_anonymous'],
    ] as const;
    for (const [security, at] of cases) {
      await expect(start(security)).rejects.toMatchObject({ code: 'HS_ERR_CONFIG_INSECURE', path: at, message: expect.stringContaining('allow_insecure_on_network') });
    }
  });

  it('with the security section left out, signs and encrypts with a user name: no unsecured, no anonymous session', async () => {
    const defaults = resolveServerSecurity(undefined, dir);
    expect(defaults).toMatchObject({ modes: ['Sign', 'SignAndEncrypt'], allowAnonymous: false, users: [{ name: 'collector' }], allowInsecureOnNetwork: false });
    const endpoint = await start(defaults);
    try {
      expect(await readUnsecured(endpoint)).toMatch(/End point must exist/);
    } finally {
      await endpoint.close();
    }
  });

  it('serves None and anonymous sessions on the network when the configuration says so explicitly', async () => {
    const endpoint = await start({ ...resolveServerSecurity(UNSECURED_SECTION, dir), allowInsecureOnNetwork: true });
    try {
      expect(await readUnsecured(endpoint)).toBe(true);
    } finally {
      await endpoint.close();
    }
  });

  it('config/multi-machine.example.yaml binds every interface secured', () => {
    const { simulate } = loadConfig(path.join(import.meta.dirname, '..', 'config', 'multi-machine.example.yaml'));
    const security = resolveServerSecurity(simulate.opcua.security, dir);
    expect(simulate.host).toBe(ANY);
    expect(security).toMatchObject({ modes: ['SignAndEncrypt'], allowAnonymous: false, allowInsecureOnNetwork: false });
    expect(() => checkExposure(security, simulate.host)).not.toThrow();
  });
});
