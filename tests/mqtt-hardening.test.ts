// Issue 16, findings 3, 4, 7, 10 and 11, over real sockets: aedes with the platform's
// BrokerAuth, mqtt.js clients logged in as each principal, a real edge node serving a simulated
// plant, the historian, the API's live feed and control's DCMD actuator.
//
//   3  commands only from control, the sender's principal stamped into them by the broker, and
//      every plant write in the edge node's own hash-chained audit trail;
//   4  an edge node publishes for the devices of its list only, and the hosts refuse a device
//      that turns up on another edge node until an operator moves it;
//   7  no retained commands at the broker, none obeyed at the edge;
//   10 share groups bound to principals;
//   11 client ids prefixed per principal, failed CONNECTs throttled per address.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLiveFeed, type LiveFeed } from '../api/live/live-feed.ts';
import type { MqttPrincipal } from '../broker/acl.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { principalAuth, type PrincipalAuth } from '../broker/principal-auth.ts';
import { resolveEdgeNodeConfig } from '../collectors/sparkplug/edge-node-config.ts';
import { EdgeNode } from '../collectors/sparkplug/edge-node.ts';
import { DcmdActuator } from '../control/dcmd.ts';
import { ACTOR_KIND_PROPERTY, ACTOR_PROPERTY, edgeTopic, encodePayload, REQUEST_ID_PROPERTY, type Metric } from '../model/sparkplug.ts';
import { Plant } from '../simulators/plant.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { startHistorian, type Historian } from '../store/historian/historian.ts';
import { moveDevice } from '../store/historian/owners.ts';
import { captureLog } from './helpers/capture-log.ts';
import { MemoryStore } from './helpers/memory-store.ts';
import { PlantDriver } from './helpers/plant-driver.ts';
import { deviceBirth, nodeBirth } from './helpers/sparkplug-messages.ts';
import { closed, credentialed, principalClients, ROLE_PASSWORDS, rolePrincipals } from './helpers/mqtt-principals.ts';
import { grantedCodes } from './helpers/suback.ts';

const GROUP = 'city';
const HOST_ID = 'hist';
const SETPOINT = 'pump.frequency_setpoint';
const PASSWORD: Record<string, string> = { ...ROLE_PASSWORDS, c3: 'pw-edge-three-789' };
const PRINCIPALS: MqttPrincipal[] = [
  // c1 carries the plant's two substations, S001 and S002 (generateCity).
  ...rolePrincipals(GROUP, HOST_ID),
  // A collector whose credentials were made with the wrong list: only the hosts stand in its way.
  { username: 'c3', kind: 'edge_node', group: GROUP, edgeNodeId: 'c3', devices: ['S001'] },
];
const CONTROL = PRINCIPALS.find((p) => p.username === 'control')!;

const logs = captureLog('info');
const log = logs.log;
let dir: string;
let broker: Broker;
let auth: PrincipalAuth;
const { login, connect, endAll } = principalClients(PASSWORD);

const refusalsOf = (b: Broker, clientId: string) => b.stats().refusals.find((r) => r.clientId === clientId);

/** A DCMD metric as control's actuator builds it, claiming whatever actor the sender likes. */
const command = (requestId: string, value: number, actor: string, extra: Metric['properties'] = {}): Buffer =>
  encodePayload({
    timestamp: Date.now(),
    metrics: [
      {
        name: SETPOINT,
        datatype: 'Double',
        value,
        properties: { [REQUEST_ID_PROPERTY]: { type: 'String', value: requestId }, [ACTOR_PROPERTY]: { type: 'String', value: actor }, ...extra },
      },
    ],
  });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'heatscada-mqtt-hardening-'));
  auth = principalAuth(await credentialed(PRINCIPALS, PASSWORD), log);
  broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, auth, logger: log });
});

afterAll(async () => {
  await endAll();
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the plant behind the secured broker', () => {
  let plant: Plant;
  let drivers: PlantDriver[];
  let edge: EdgeNode;
  let historian: Historian;
  let feed: LiveFeed;
  let actuator: DcmdActuator;
  const store = new MemoryStore();
  const ownersFile = () => path.join(dir, 'device-owners.json');

  beforeAll(async () => {
    plant = new Plant(generateCity({ substations: 2, seed: 5 }), { startMs: Date.now(), stepS: 1, warmUpS: 600 });
    drivers = plant.substationIds.map((s) => new PlantDriver(plant, s));
    await Promise.all(drivers.map((d) => d.connect()));
    historian = await startHistorian({
      mqttUrl: broker.tcpUrl,
      mqttLogin: { username: 'historian', password: PASSWORD.historian },
      hostId: HOST_ID,
      store,
      batchMaxPoints: 100,
      batchMaxMs: 20,
      deviceOwnersFile: ownersFile(),
      logger: log,
    });
    feed = await startLiveFeed({ mqttUrl: broker.tcpUrl, mqttLogin: { username: 'api', password: PASSWORD.api }, store, staleAfterMs: 60_000, deviceOwnersFile: ownersFile(), logger: log });
    actuator = await DcmdActuator.connect({
      mqttUrl: broker.tcpUrl,
      mqttLogin: { username: 'control', password: PASSWORD.control },
      group: GROUP,
      clientId: 'loop',
      ackTimeoutS: 10,
      deviceOwnersFile: ownersFile(),
      logger: log,
    });
    const config = resolveEdgeNodeConfig({
      mqtt: { url: broker.tcpUrl, username: 'c1', password: PASSWORD.c1, keepalive_s: 5, reconnect_s: 0.2 },
      group_id: GROUP,
      edge_node_id: 'c1',
      data_dir: dir,
      poll_interval_s: 0.1,
      command_min_interval_s: { default: 0 },
    });
    edge = new EdgeNode(config, drivers, log);
    await edge.start();
    await vi.waitFor(() => expect(actuator.known().sort()).toEqual(['S001', 'S002']), { timeout: 15_000, interval: 50 });
    await vi.waitFor(() => expect(feed.table.substations()).toContain('S001'), { timeout: 15_000, interval: 50 });
  });

  afterAll(async () => {
    await actuator?.close();
    await feed?.close();
    await edge?.stop();
    await historian?.stop();
    await Promise.all(drivers.map((d) => d.close()));
  });

  describe('finding 3: commands come from control alone, with who sent them, audited at the edge', () => {
    it('drops the api principal for a DCMD naming actor "control"; nothing reaches the PLC or the edge audit', async () => {
      const before = plant.read('S001', SETPOINT);
      const api = await connect(broker.tcpUrl, { clientId: 'api-forger', ...login('api') });
      const gone = closed(api);
      api.publish(edgeTopic(GROUP, 'DCMD', 'c1', 'S001'), command('forged-1', 33, 'control'), { qos: 1 });
      await gone;
      expect(refusalsOf(broker, 'api-forger')).toMatchObject({ publish: 1 });
      // The edge node's own control traffic goes on; give a forged command time to have arrived.
      await actuator.send({ requestId: 'after-forgery', substation: 'S002', tag: SETPOINT, value: 31, actor: 'control' });
      expect(edge.audit.search({ limit: 1000 }).map((r) => r.detail).join('\n')).not.toContain('forged-1');
      expect(plant.read('S001', SETPOINT)).toBe(before);
    });

    it('stamps the sender\'s principal over whatever actor it claims; the edge audits it, chained', async () => {
      // A control process writing for an operator says so; a raw client may claim anything.
      const outcome = await actuator.send({ requestId: 'for-alice', substation: 'S001', tag: SETPOINT, value: 35, actor: 'alice' });
      expect(outcome).toMatchObject({ requestId: 'for-alice', actor: 'control', onBehalfOf: 'alice' });

      const liar = await connect(broker.tcpUrl, { clientId: 'control-raw', ...login('control') });
      await liar.publishAsync(edgeTopic(GROUP, 'DCMD', 'c1', 'S001'), command('claims-edge', 36, 'c1', { [ACTOR_KIND_PROPERTY]: { type: 'String', value: 'edge_node' } }), { qos: 1 });
      // Refused at the edge (out of range) and still recorded.
      await liar.publishAsync(edgeTopic(GROUP, 'DCMD', 'c1', 'S001'), command('too-high', 1e6, 'control'), { qos: 1 });

      await vi.waitFor(() => expect(edge.audit.search({ target: 'S001/', limit: 1000 }).map((r) => r.detail)).toEqual(expect.arrayContaining([expect.stringContaining('request too-high')])));
      const records = edge.audit.search({ target: 'S001/', limit: 1000 });
      const of = (requestId: string) => records.find((r) => r.detail.includes(`request ${requestId}`));
      expect(of('for-alice')).toMatchObject({ actor: 'control', source: 'mqtt:control', action: 'plant.write', target: `S001/${SETPOINT}`, newValue: '35' });
      expect(of('for-alice')?.detail).toContain('on behalf of alice');
      expect(of('for-alice')?.outcome).not.toBe('refused');
      expect(of('claims-edge')).toMatchObject({ actor: 'control', source: 'mqtt:control' });
      expect(of('claims-edge')?.detail).toContain('on behalf of c1');
      expect(of('too-high')).toMatchObject({ actor: 'control', outcome: 'refused' });
      expect(of('too-high')?.detail).toContain('HS_ERR_OUT_OF_RANGE');
      expect(edge.audit.verify()).toMatchObject({ ok: true });
    });
  });

  describe('finding 7: no retained commands', () => {
    it('drops control for a retained DCMD, and a later subscriber gets nothing retained', async () => {
      const control = await connect(broker.tcpUrl, { clientId: 'control-retainer', ...login('control') });
      const gone = closed(control);
      control.publish(edgeTopic(GROUP, 'DCMD', 'c2', 'S101'), command('retained-1', 30, 'control'), { qos: 1, retain: true });
      await gone;
      expect(refusalsOf(broker, 'control-retainer')).toMatchObject({ publish: 1, lastTopic: edgeTopic(GROUP, 'DCMD', 'c2', 'S101') });

      const late = await connect(broker.tcpUrl, { clientId: 'c2-late', ...login('c2') });
      const got: string[] = [];
      late.on('message', (topic) => got.push(topic));
      await late.subscribeAsync(edgeTopic(GROUP, 'DCMD', 'c2', '+'), { qos: 1 });
      await late.publishAsync(edgeTopic(GROUP, 'NBIRTH', 'c2'), encodePayload(nodeBirth(0)), { qos: 1 });
      expect(got).toEqual([]);
    });

    it('an edge node behind a broker that keeps retained commands ignores them', async () => {
      // Any broker (Mosquitto, a misconfigured one): the edge node's own rule, not the ACL's.
      const open3 = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, logger: log });
      const plc = new PlantDriver(plant, 'S002');
      await plc.connect();
      const node = new EdgeNode(
        resolveEdgeNodeConfig({ mqtt: { url: open3.tcpUrl, reconnect_s: 0.2 }, group_id: GROUP, edge_node_id: 'retained', data_dir: dir, poll_interval_s: 0.1, command_min_interval_s: { default: 0 } }),
        [plc],
        log,
      );
      try {
        const sender = await connect(open3.tcpUrl, { clientId: 'sender' });
        await sender.publishAsync(edgeTopic(GROUP, 'DCMD', 'retained', 'S002'), command('retained-2', 44, 'control'), { qos: 1, retain: true });
        const before = plant.read('S002', SETPOINT);
        await node.start();
        await vi.waitFor(() => expect(node.stats().commandsRetainedIgnored).toBe(1), { timeout: 10_000, interval: 50 });
        expect(node.stats().commandsAccepted + node.stats().commandsRefused).toBe(0);
        expect(node.audit.search({})).toEqual([]);
        expect(plant.read('S002', SETPOINT)).toBe(before);
        expect(logs.lines.some((l) => l.event === 'command_retained_ignored')).toBe(true);
      } finally {
        await node.stop();
        await plc.close();
        await open3.close();
      }
    });
  });

  describe('finding 4: each edge node its own devices', () => {
    it('drops an edge node publishing a DBIRTH or DDATA for a device outside its list', async () => {
      for (const [clientId, type] of [
        ['c2-poses-dbirth', 'DBIRTH'],
        ['c2-poses-ddata', 'DDATA'],
      ] as const) {
        const c2 = await connect(broker.tcpUrl, { clientId, ...login('c2') });
        await c2.publishAsync(edgeTopic(GROUP, 'DBIRTH', 'c2', 'S101'), encodePayload(deviceBirth(0, 1, { [SETPOINT]: 40 })), { qos: 1 });
        const gone = closed(c2);
        c2.publish(edgeTopic(GROUP, type, 'c2', 'S001'), encodePayload(deviceBirth(0, 2, { [SETPOINT]: 12 })), { qos: 1 });
        await gone;
        expect(refusalsOf(broker, clientId), clientId).toMatchObject({ publish: 1, lastTopic: edgeTopic(GROUP, type, 'c2', 'S001') });
      }
    });

    it('the hosts refuse S001 from a second edge node until an operator moves it there', async () => {
      const owned = feed.table.value('S001', SETPOINT)?.value;
      const c3 = await connect(broker.tcpUrl, { clientId: 'c3', ...login('c3') });
      await c3.publishAsync(edgeTopic(GROUP, 'NBIRTH', 'c3'), encodePayload(nodeBirth(0)), { qos: 1 });
      await c3.publishAsync(edgeTopic(GROUP, 'DBIRTH', 'c3', 'S001'), encodePayload(deviceBirth(0, 1, { [SETPOINT]: 12.5 })), { qos: 1 });
      // Historian, live feed and control each said no.
      await vi.waitFor(() => expect(historian.stats().malformed.HS_ERR_SPARKPLUG_DEVICE_OWNER).toBe(1));
      await vi.waitFor(() => expect(logs.lines.filter((l) => l.code === 'HS_ERR_SPARKPLUG_DEVICE_OWNER' && l.edge === 'c3').length).toBeGreaterThanOrEqual(3));
      expect(store.points.some((p) => p.substation === 'S001' && p.value === 12.5)).toBe(false);
      expect(feed.table.value('S001', SETPOINT)?.value).toBe(owned);
      // S001's commands still go to c1, which answers them.
      const outcome = await actuator.send({ requestId: 'still-c1', substation: 'S001', tag: SETPOINT, value: 37, actor: 'control' });
      expect(outcome.ok ? 'ok' : outcome.code).not.toBe('HS_ERR_CONTROL_ACK_TIMEOUT');
      expect(edge.audit.search({ target: 'S001/' }).some((r) => r.detail.includes('request still-c1'))).toBe(true);

      // The operator says S001 now lives on c3: its next DBIRTH is taken, and c1's are refused.
      expect(moveDevice(ownersFile(), 'S001', GROUP, 'c3')).toContain('S001 pinned to edge node c3');
      await c3.publishAsync(edgeTopic(GROUP, 'DBIRTH', 'c3', 'S001'), encodePayload(deviceBirth(0, 2, { [SETPOINT]: 12.5 })), { qos: 1 });
      await vi.waitFor(() => expect(store.points.some((p) => p.substation === 'S001' && p.value === 12.5)).toBe(true));
      await vi.waitFor(() => expect(feed.table.value('S001', SETPOINT)?.value).toBe(12.5));
      expect(logs.lines.some((l) => l.event === 'device_moved' && l.to === `${GROUP}/c3`)).toBe(true);
    });
  });
});

describe('finding 10: share groups belong to principals', () => {
  it('grants the historian its group and refuses it to the alarms principal (SUBACK 0x80)', async () => {
    const filter = `$share/historian/spBv1.0/${GROUP}/DDATA/#`;
    const alarms = await connect(broker.tcpUrl, { clientId: 'alarms-sharer', ...login('alarms') });
    expect(await grantedCodes(alarms, [filter, `$share/alarms/spBv1.0/${GROUP}/DDATA/#`])).toEqual([128, 0]);
    const historian = await connect(broker.tcpUrl, { clientId: 'historian-sharer', ...login('historian') });
    expect(await grantedCodes(historian, [filter])).toEqual([0]);
    expect(broker.stats().shared.find((g) => g.group === 'historian')?.members.map((m) => m.clientId)).toEqual(['historian-sharer']);
    expect(logs.lines.find((l) => l.clientId === 'alarms-sharer' && l.code === 'HS_ERR_BROKER_ACL')).toMatchObject({ topic: filter });
  });
});

describe('finding 11: client ids and failed CONNECTs', () => {
  it('refuses a principal squatting another\'s client id while that one is away', async () => {
    // c1's collector is away (between two connects); its id is c1's alone.
    await expect(connect(broker.tcpUrl, { clientId: `c1-heatscada-${GROUP}-c1-squat`, ...login('c2') })).rejects.toThrow(/Bad username or password/i);
    await expect(connect(broker.tcpUrl, { clientId: 'historian', ...login('alarms') })).rejects.toThrow(/Bad username or password/i);
    expect(logs.lines.find((l) => l.clientId === 'historian' && l.username === 'alarms')).toMatchObject({ code: 'HS_ERR_BROKER_AUTH', reservedTo: 'historian' });
    // An id of no principal's is refused too: every id names its principal.
    await expect(connect(broker.tcpUrl, { clientId: 'anything', ...login('c2') })).rejects.toThrow(/Bad username or password/i);
    await connect(broker.tcpUrl, { clientId: 'c2-own', ...login('c2') });
  });

  it('makes an address that keeps failing wait, without an Argon2 check for each attempt', async () => {
    const counted = principalAuth(await credentialed([CONTROL], PASSWORD), log);
    const guarded = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, auth: counted, connectBackoff: { freeFailures: 3, baseMs: 60_000, maxMs: 60_000 }, logger: log });
    try {
      for (let i = 0; i < 3; i++) {
        await expect(connect(guarded.tcpUrl, { clientId: `control-guess-${i}`, username: 'control', password: `guess-${i}` })).rejects.toThrow(/Bad username or password/i);
      }
      expect(counted.verifications()).toBe(3);
      // The fourth failure starts the wait; from then on nothing is checked, not even the right password.
      await expect(connect(guarded.tcpUrl, { clientId: 'control-guess-3', username: 'control', password: 'guess-3' })).rejects.toThrow(/Bad username or password/i);
      for (let i = 4; i < 10; i++) {
        await expect(connect(guarded.tcpUrl, { clientId: `control-guess-${i}`, username: 'control', password: `guess-${i}` })).rejects.toThrow(/Not authorized/i);
      }
      await expect(connect(guarded.tcpUrl, { clientId: 'control-right', ...login('control') })).rejects.toThrow(/Not authorized/i);
      expect(counted.verifications()).toBe(4);
      expect(logs.lines.find((l) => l.clientId === 'control-guess-5')).toMatchObject({ code: 'HS_ERR_BROKER_AUTH', remoteAddress: '127.0.0.1' });
      expect(refusalsOf(guarded, 'control-right')).toMatchObject({ connect: 1 });
    } finally {
      await guarded.close();
    }
  });
});
