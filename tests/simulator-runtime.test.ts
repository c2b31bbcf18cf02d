// The simulator process as `heatscada simulate` runs it: a small generated city on free ports,
// its manifest and collector config, the admin endpoint, the clock, and a clean stop.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import modbusSerial from 'modbus-serial';
import { AttributeIds, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadDevices } from '../collectors/config.ts';
import { resolveConfig } from '../bin/config.ts';
import { TAGS, tagDefinition } from '../model/tags.ts';
import { MAX_BODY_BYTES } from '../simulators/admin-http.ts';
import { isLoopback } from '../simulators/loopback.ts';
import { planEndpoints, type CollectorConfig, type Manifest } from '../simulators/manifest.ts';
import { runSimulator, type LogFields, type SimulatorHandle } from '../simulators/run.ts';
import { SOURCE_PLC_TAGS } from '../simulators/source-plc.ts';
import { UNSECURED_SECTION } from '../simulators/servers/opcua-security.ts';
import { decodeFromBlock } from '../simulators/servers/register-map.ts';
import { freePort } from './helpers/ports.ts';

const START = '2026-01-15T00:00:00+08:00';
const dataDir = mkdtempSync(path.join(tmpdir(), 'hs-sim-'));
const logged: { event: string; fields?: LogFields }[] = [];
let sim: SimulatorHandle;
let ports: number[];

beforeAll(async () => {
  ports = [await freePort(), await freePort(), await freePort()];
  const [opcua, modbus, admin] = ports;
  // Four substations, generated with seed 1: S001 and S003 on OPC UA, S002 and S004 on Modbus.
  const { simulate } = resolveConfig({
    simulate: {
      generate: { substations: 4, seed: 1 },
      start: START,
      // Loopback, and not about security (tests/opcua-security.test.ts is): unsecured, anonymous.
      opcua: { base_port: opcua, plcs_per_endpoint: 2, security: UNSECURED_SECTION },
      modbus: { base_port: modbus, units_per_endpoint: 2 },
      admin_port: admin,
      data_dir: dataDir,
    },
  });
  sim = await runSimulator(simulate, (event, fields) => logged.push({ event, fields }));
});

afterAll(async () => {
  await sim?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, route: string, body?: unknown): Promise<Answer> {
  const authorization = `Bearer ${readFileSync(sim.admin.tokenFile, 'utf8').trim()}`;
  const response = await fetch(`${sim.admin.url}${route}`, {
    method,
    ...(body === undefined
      ? { headers: { authorization } }
      : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { authorization, 'content-type': 'application/json' } }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('the endpoint manifest', () => {
  it('says where the admin endpoint and its token file are, never the token, which is 0600', () => {
    const text = readFileSync(path.join(dataDir, 'sim-endpoints.json'), 'utf8');
    const token = readFileSync(sim.admin.tokenFile, 'utf8').trim();
    expect((JSON.parse(text) as Manifest).admin).toEqual({ url: sim.admin.url, token_file: path.join(dataDir, 'secrets', 'sim-admin.token') });
    expect(statSync(sim.admin.tokenFile).mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(text).not.toContain(token);
    expect(readFileSync(sim.collectorConfigFile, 'utf8')).not.toContain(token);
  });

  it('lists every substation at a reachable URL; the summary says so in one line per protocol', async () => {
    const manifest = JSON.parse(readFileSync(path.join(dataDir, 'sim-endpoints.json'), 'utf8')) as Manifest;
    expect(manifest.substations.map((s) => s.id)).toEqual(['S001', 'S002', 'S003', 'S004']);
    expect(manifest.substations.map((s) => s.protocol)).toEqual(['opcua', 'modbus', 'opcua', 'modbus']);
    // Each substation's emitters, as the network has them: the all-in-one's balancing loop follows them.
    expect(manifest.substations.map((s) => [s.id, s.heating])).toEqual(sim.plant.spec.substations.map((s) => [s.id, s.heating]));
    for (const s of manifest.substations) {
      expect(await reachable(s.url), s.url).toBe(true);
      expect(s.location.lat).toBeGreaterThan(40);
    }
    const [s1, s2, s3, s4] = manifest.substations;
    expect(s1.url).toBe(s3.url);
    expect(s2.url).toBe(s4.url);
    expect([s2, s4].map((s) => s.protocol === 'modbus' && s.unit_id)).toEqual([1, 2]);
    expect(s1.protocol === 'opcua' && s1.node_prefix).toBe('ns=2;s=S001.');
    expect(sim.summary).toEqual([
      expect.stringContaining('4 substations (2 OPC UA, 2 Modbus TCP)'),
      `  opcua    opc.tcp://127.0.0.1:${ports[0]}  (2 PLCs on 1 endpoint)`,
      `  modbus   modbus-tcp://127.0.0.1:${ports[1]}  (2 units on 1 endpoint)`,
      expect.stringContaining(sim.admin.url),
      expect.stringContaining('sim-endpoints.json'),
    ]);
  });

  it('addresses each PLC as its protocol server does', async () => {
    const manifest = JSON.parse(readFileSync(sim.manifestFile, 'utf8')) as Manifest;
    const opc = manifest.substations.find((s) => s.id === 'S003');
    const mb = manifest.substations.find((s) => s.id === 'S004');
    if (opc?.protocol !== 'opcua' || mb?.protocol !== 'modbus') throw new Error('unexpected protocols');

    const pki = new OPCUACertificateManager({ rootFolder: path.resolve('data', 'pki', 'opcua-runtime-test-client'), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
    const client = OPCUAClient.create({
      endpointMustExist: false,
      clientCertificateManager: pki,
      securityMode: MessageSecurityMode.None,
      securityPolicy: SecurityPolicy.None,
      connectionStrategy: { maxRetry: 0 },
    });
    try {
      await client.connect(opc.url);
      const session = await client.createSession();
      expect((await session.readNamespaceArray())[2]).toBe(opc.namespace_uri);
      const value = await session.read({ nodeId: `${opc.node_prefix}power.ok`, attributeId: AttributeIds.Value });
      expect(value.value.value).toBe(true);
      await session.close();
    } finally {
      await client.disconnect();
      pki.referenceCounter = 0;
      await pki.dispose();
    }

    const modbus = new modbusSerial.default();
    try {
      const { port } = new URL(mb.url);
      await modbus.connectTCP('127.0.0.1', { port: Number(port) });
      modbus.setID(mb.unit_id);
      const status = tagDefinition('power.ok').modbus.address;
      const { data } = await modbus.readHoldingRegisters(status, 1);
      expect(decodeFromBlock(tagDefinition('power.ok'), data, status)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => modbus.close(() => resolve()));
    }
  });

  it('comes with a collector configuration mapping every tag of every device, valid as it stands', () => {
    // The substations, then the heat source's PLC (its few tags, over OPC UA).
    expect(loadDevices(sim.collectorConfigFile).map((d) => d.id)).toEqual(['S001', 'S002', 'S003', 'S004', 'SRC']);
    const { collect } = parseYaml(readFileSync(sim.collectorConfigFile, 'utf8')) as CollectorConfig;
    const [source, ...substations] = [collect.devices.at(-1)!, ...collect.devices.slice(0, -1)];
    expect(Object.keys(source.tags).sort()).toEqual([...SOURCE_PLC_TAGS].sort());
    expect(source).toMatchObject({ protocol: 'opcua', tags: { 'source.supply_offset_setpoint': { node_id: 'ns=2;s=SRC.source.supply_offset_setpoint' } } });
    for (const device of substations) {
      expect(Object.keys(device.tags).sort()).toEqual(TAGS.map((t) => t.name).sort());
      if (device.protocol === 'opcua') {
        expect(device.tags['heat.energy']!.node_id).toBe(`ns=2;s=${device.id}.heat.energy`);
      } else {
        expect(device.tags['heat.energy']).toEqual({ register: 16, type: 'uint32', scale: 10 });
        expect(device.tags['power.ok']).toEqual({ register: 21, type: 'uint16', scale: 1, bit: 3 });
      }
    }
  });
});

describe('the admin endpoint', () => {
  it('reports the plant, the speed and the endpoints', async () => {
    const { status, body } = await call('GET', '/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({ substations: 4, answering: 4, speed: 1 });
    expect(body.endpoints).toHaveLength(2);
    expect(Date.parse(String(body.time))).toBeGreaterThanOrEqual(Date.parse(START));
  });

  it('injects a power loss that the substation tags show, and clears it', async () => {
    const injected = await call('POST', '/faults', { kind: 'power_loss', substation: 'S002' });
    expect(injected.status).toBe(201);
    expect(injected.body).toMatchObject({ kind: 'power_loss', substation: 'S002', severity: 1 });

    const s2 = await call('GET', '/substations/S002');
    expect(s2.status).toBe(200);
    expect(s2.body).toMatchObject({ id: 'S002', protocol: 'modbus', answers: false });
    expect((s2.body.values as Record<string, unknown>)['power.ok']).toBe(false);
    expect(Object.keys(s2.body.values as object)).toHaveLength(TAGS.length);

    expect((await call('GET', '/faults')).body).toEqual([expect.objectContaining({ id: injected.body.id })]);
    expect((await call('DELETE', `/faults/${String(injected.body.id)}`)).status).toBe(200);
    expect((await call('GET', '/faults')).body).toEqual([]);
    expect(((await call('GET', '/substations/S002')).body.values as Record<string, unknown>)['power.ok']).toBe(true);
    expect(logged.map((l) => l.event)).toEqual(expect.arrayContaining(['fault injected', 'fault cleared']));
  });

  it('answers bad requests with a code and the path of the bad field', async () => {
    const cases: [string, string, unknown, number, string, string | undefined][] = [
      ['POST', '/faults', '{"kind": "leak",', 400, 'HS_ERR_BAD_REQUEST', '/'],
      ['POST', '/faults', { kind: 'meteor', substation: 'S001' }, 400, 'HS_ERR_FAULT_INVALID', '/kind'],
      ['POST', '/faults', { kind: 'leak', substation: 'S001', severity: 2 }, 400, 'HS_ERR_FAULT_INVALID', '/severity'],
      ['POST', '/faults', { kind: 'leak', substation: 'S001', colour: 'red' }, 400, 'HS_ERR_FAULT_INVALID', '/colour'],
      ['POST', '/faults', { kind: 'leak' }, 400, 'HS_ERR_FAULT_INVALID', '/substation'],
      ['POST', '/faults', { kind: 'leak', substation: 'S999' }, 404, 'HS_ERR_UNKNOWN_SUBSTATION', '/substation'],
      ['POST', '/faults', [1, 2], 400, 'HS_ERR_FAULT_INVALID', '/'],
      ['POST', '/faults', 'x'.repeat(MAX_BODY_BYTES + 1), 400, 'HS_ERR_BAD_REQUEST', '/'],
      ['POST', '/speed', { speed: -1 }, 400, 'HS_ERR_BAD_REQUEST', '/speed'],
      ['POST', '/speed', {}, 400, 'HS_ERR_BAD_REQUEST', '/speed'],
      ['GET', '/substations/S999', undefined, 404, 'HS_ERR_UNKNOWN_SUBSTATION', '/id'],
      ['DELETE', '/faults/999', undefined, 404, 'HS_ERR_NOT_FOUND', undefined],
      ['PUT', '/faults', undefined, 404, 'HS_ERR_NOT_FOUND', undefined],
    ];
    for (const [method, route, body, status, code, at] of cases) {
      const answer = await call(method, route, body);
      expect({ route, status: answer.status, code: answer.body.code, path: answer.body.path }).toEqual({ route, status, code, path: at });
      expect(answer.body.message).toEqual(expect.stringContaining(code));
    }
    expect((await call('GET', '/faults')).body).toEqual([]);
  });

  it('takes loopback peers only', () => {
    expect(['127.0.0.1', '127.4.5.6', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['10.0.0.1', '::ffff:192.168.1.2', 'fe80::1', undefined].map(isLoopback)).toEqual([false, false, false, false]);
  });
});

describe('the clock', () => {
  it('advances simulated time at the speed set through the admin endpoint', async () => {
    expect((await call('POST', '/speed', { speed: 40 })).body).toEqual({ speed: 40 });
    const wall0 = performance.now();
    const sim0 = sim.plant.elapsedS;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const rate = (sim.plant.elapsedS - sim0) / ((performance.now() - wall0) / 1000);
    expect(rate).toBeGreaterThan(25);
    expect(rate).toBeLessThan(50);
    expect(Number.isInteger(sim.plant.elapsedS)).toBe(true); // whole 1 s steps only
  });
});

describe('stop()', () => {
  it('frees every port', async () => {
    await sim.stop();
    for (const port of ports) expect(await listenable(port), `port ${port}`).toBe(true);
  });
});

describe('planEndpoints', () => {
  const subs = ['opcua', 'modbus', 'opcua', 'opcua', 'modbus', 'opcua', 'opcua'].map((protocol, k) => ({
    id: `S${k + 1}`,
    protocol: protocol as 'opcua' | 'modbus',
  }));
  const cfg = { host: '127.0.0.1', opcua: { base_port: 4840, plcs_per_endpoint: 2 }, modbus: { base_port: 5020, units_per_endpoint: 1 }, admin_port: 8091 };

  it('groups substations per protocol on consecutive ports', () => {
    expect(planEndpoints(subs, cfg)).toEqual([
      { protocol: 'opcua', port: 4840, substations: ['S1', 'S3'] },
      { protocol: 'opcua', port: 4841, substations: ['S4', 'S6'] },
      { protocol: 'opcua', port: 4842, substations: ['S7'] },
      { protocol: 'modbus', port: 5020, substations: ['S2'] },
      { protocol: 'modbus', port: 5021, substations: ['S5'] },
    ]);
  });

  it('refuses port ranges that collide, naming the field', () => {
    const clash = (change: object): string | undefined => {
      try {
        planEndpoints(subs, { ...cfg, ...change });
      } catch (e) {
        return (e as { path?: string }).path;
      }
      return 'no error';
    };
    expect(clash({ modbus: { base_port: 4842, units_per_endpoint: 1 } })).toBe('/simulate/modbus/base_port');
    expect(clash({ admin_port: 4841 })).toBe('/simulate/admin_port');
    expect(clash({ opcua: { base_port: 65535, plcs_per_endpoint: 1 } })).toBe('/simulate/opcua/base_port');
  });
});
