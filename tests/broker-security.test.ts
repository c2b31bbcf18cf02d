// The broker's security over real sockets: aedes with the platform's BrokerAuth (Argon2id
// credentials, topic ACL per principal) and a TLS listener with a generated self-signed pair,
// mqtt.js clients over loopback, and the data path (edge node → broker → historian, control's
// DCMD back to the edge node) running with a login per role.

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLiveFeed, type LiveFeed } from '../api/live/live-feed.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { validateDocument } from '../model/validate.ts';
import { BrokerConfigSchema } from '../broker/config-schema.ts';
import { mqttUser } from '../broker/mqtt-user-command.ts';
import { principalAuth } from '../broker/principal-auth.ts';
import { startConfiguredBroker } from '../broker/start.ts';
import { ensureSelfSignedTls, readTlsFiles } from '../broker/tls.ts';
import { resolveEdgeNodeConfig } from '../collectors/sparkplug/edge-node-config.ts';
import { EdgeNode } from '../collectors/sparkplug/edge-node.ts';
import { DcmdActuator } from '../control/dcmd.ts';
import { decodePayload, edgeTopic, encodePayload, REBIRTH, stateTopic } from '../model/sparkplug.ts';
import { Plant } from '../simulators/plant.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { startHistorian, type Historian } from '../store/historian/historian.ts';
import { captureLog } from './helpers/capture-log.ts';
import { MemoryStore } from './helpers/memory-store.ts';
import { PlantDriver } from './helpers/plant-driver.ts';
import { freePort } from './helpers/ports.ts';
import { closed, credentialed, principalClients, ROLE_PASSWORDS, rolePrincipals } from './helpers/mqtt-principals.ts';
import { grantedCodes } from './helpers/suback.ts';
import { nodeBirth } from './helpers/sparkplug-messages.ts';

const GROUP = 'city';
const HOST_ID = 'hist';
const PASSWORD = ROLE_PASSWORDS;

const logs = captureLog('info');
const log = logs.log;
let dir: string;
let broker: Broker;
let tlsCa: Buffer;
const { login, connect, endAll } = principalClients(PASSWORD);

/** Every message a client receives, as topic → count. */
function received(c: MqttClient): { topic: string; payload: Buffer }[] {
  const got: { topic: string; payload: Buffer }[] = [];
  c.on('message', (topic, payload) => got.push({ topic, payload }));
  return got;
}

const refusalsOf = (clientId: string) => broker.stats().refusals.find((r) => r.clientId === clientId);
const nbirth = () => encodePayload(nodeBirth(0));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'heatscada-broker-security-'));
  const principals = await credentialed(rolePrincipals(GROUP, HOST_ID), PASSWORD);
  const tls = { port: 0, cert_file: path.join(dir, 'tls', 'broker.crt'), key_file: path.join(dir, 'tls', 'broker.key') };
  expect(await ensureSelfSignedTls(tls)).toBe(true);
  tlsCa = readFileSync(tls.cert_file);
  broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, tls: { ...readTlsFiles(tls), port: await freePort() }, auth: principalAuth(principals, log), logger: log });
});

afterAll(async () => {
  await endAll();
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('broker authentication', () => {
  it('refuses an anonymous client and a wrong password, logging client id and address but never the password', async () => {
    await expect(connect(broker.tcpUrl, { clientId: 'anon' })).rejects.toThrow(/Bad username or password/i);
    await expect(connect(broker.tcpUrl, { clientId: 'no-password', username: 'c1' })).rejects.toThrow(/Bad username or password/i);
    await expect(connect(broker.tcpUrl, { clientId: 'guesser', username: 'c1', password: 'not-the-password' })).rejects.toThrow(/Bad username or password/i);
    await expect(connect(broker.tcpUrl, { clientId: 'stranger', username: 'nobody', password: PASSWORD.c1 })).rejects.toThrow(/Bad username or password/i);
    // The right password of another principal is still the wrong one.
    await expect(connect(broker.tcpUrl, { clientId: 'swapped', username: 'c1', password: PASSWORD.c2 })).rejects.toThrow(/Bad username or password/i);

    const line = logs.lines.find((l) => l.clientId === 'guesser');
    expect(line).toMatchObject({ code: 'HS_ERR_BROKER_AUTH', username: 'c1', remoteAddress: '127.0.0.1' });
    expect(JSON.stringify(logs.lines)).not.toContain('not-the-password');
    expect(refusalsOf('anon')).toMatchObject({ connect: 1, publish: 0 });
    // The right password gets in.
    await connect(broker.tcpUrl, { clientId: 'c1-ok', ...login('c1') });
  });

  it('refuses a CONNECT whose will is outside the principal\'s topics', async () => {
    const will = { topic: edgeTopic(GROUP, 'NDEATH', 'c2'), payload: Buffer.from('x'), qos: 1 as const, retain: false };
    await expect(connect(broker.tcpUrl, { clientId: 'c1-bad-will', ...login('c1'), will })).rejects.toThrow(/Not authorized/i);
    expect(logs.lines.find((l) => l.clientId === 'c1-bad-will')).toMatchObject({ code: 'HS_ERR_BROKER_ACL', topic: will.topic });
    await connect(broker.tcpUrl, { clientId: 'c1-good-will', ...login('c1'), will: { ...will, topic: edgeTopic(GROUP, 'NDEATH', 'c1') } });
  });

  it('keeps a client id to the principal using it: no knocking the historian off with its id', async () => {
    const holder = await connect(broker.tcpUrl, { clientId: 'historian-held', ...login('historian') });
    await expect(connect(broker.tcpUrl, { clientId: 'historian-held', ...login('c2') })).rejects.toThrow(/Bad username or password/i);
    expect(holder.connected).toBe(true);
    expect(logs.lines.find((l) => l.clientId === 'historian-held' && l.reservedTo === 'historian')).toMatchObject({ code: 'HS_ERR_BROKER_AUTH', username: 'c2' });
    // Its own principal may take its session over (a reconnect); a free id stays its own.
    const gone = closed(holder);
    const again = await connect(broker.tcpUrl, { clientId: 'historian-held', ...login('historian') });
    await gone;
    await again.endAsync();
    await vi.waitFor(() => expect(broker.stats().clients.map((c) => c.clientId)).not.toContain('historian-held'));
    await expect(connect(broker.tcpUrl, { clientId: 'historian-held', ...login('c2') })).rejects.toThrow(/Bad username or password/i);
    await connect(broker.tcpUrl, { clientId: 'c2-held', ...login('c2') });
  });
});

describe('broker topic ACL', () => {
  it('drops an edge node publishing as another edge id; nothing of it reaches a subscriber', async () => {
    const watcher = await connect(broker.tcpUrl, { clientId: 'historian-watch-1', ...login('historian') });
    const got = received(watcher);
    await watcher.subscribeAsync('spBv1.0/#', { qos: 1 });

    for (const [clientId, topic] of [
      ['c1-as-c2-nbirth', edgeTopic(GROUP, 'NBIRTH', 'c2')],
      ['c1-as-c2-ddata', edgeTopic(GROUP, 'DDATA', 'c2', 'S001')],
      ['c1-other-group', edgeTopic('town', 'NDATA', 'c1')],
    ]) {
      const c1 = await connect(broker.tcpUrl, { clientId, ...login('c1') });
      const gone = closed(c1);
      c1.publish(topic, nbirth(), { qos: 1 });
      await gone;
      expect(refusalsOf(clientId), clientId).toMatchObject({ publish: 1, lastTopic: topic });
    }
    // Its own topics pass, and after them the watcher has seen nothing forged.
    const honest = await connect(broker.tcpUrl, { clientId: 'c1-honest', ...login('c1') });
    await honest.publishAsync(edgeTopic(GROUP, 'NBIRTH', 'c1'), nbirth(), { qos: 1 });
    await honest.publishAsync(edgeTopic(GROUP, 'DDATA', 'c1', 'S001'), nbirth(), { qos: 1 });
    await vi.waitFor(() => expect(got.map((m) => m.topic)).toEqual([edgeTopic(GROUP, 'NBIRTH', 'c1'), edgeTopic(GROUP, 'DDATA', 'c1', 'S001')]));
    expect(logs.lines.find((l) => l.clientId === 'c1-as-c2-nbirth' && l.code === 'HS_ERR_BROKER_ACL')).toMatchObject({ topic: edgeTopic(GROUP, 'NBIRTH', 'c2') });
  });

  it('takes a DCMD only from control; historian, alarms, api and edge nodes are dropped for one', async () => {
    const edge = await connect(broker.tcpUrl, { clientId: 'c1-commands', ...login('c1') });
    const got = received(edge);
    await edge.subscribeAsync([edgeTopic(GROUP, 'DCMD', 'c1', '+'), edgeTopic(GROUP, 'NCMD', 'c1')], { qos: 1 });
    const dcmd = edgeTopic(GROUP, 'DCMD', 'c1', 'S001');
    const command = encodePayload({ timestamp: 1, metrics: [{ name: 'primary.valve_setpoint', datatype: 'Double', value: 40 }] });

    for (const who of ['historian', 'alarms', 'api', 'c2', 'c1']) {
      const sender = await connect(broker.tcpUrl, { clientId: `${who}-dcmd`, ...login(who) });
      const gone = closed(sender);
      sender.publish(dcmd, command, { qos: 1 });
      await gone;
      expect(refusalsOf(`${who}-dcmd`)?.publish, who).toBe(1);
    }
    // A setpoint in an NCMD is a command too; a bare rebirth request is not.
    const historian = await connect(broker.tcpUrl, { clientId: 'historian-ncmd', ...login('historian') });
    const rebirth = encodePayload({ timestamp: 1, metrics: [{ name: REBIRTH, datatype: 'Boolean', value: true }] });
    await historian.publishAsync(edgeTopic(GROUP, 'NCMD', 'c1'), rebirth, { qos: 1 });
    const gone = closed(historian);
    historian.publish(edgeTopic(GROUP, 'NCMD', 'c1'), command, { qos: 1 });
    await gone;

    const control = await connect(broker.tcpUrl, { clientId: 'control-dcmd', ...login('control') });
    await control.publishAsync(dcmd, command, { qos: 1 });
    await vi.waitFor(() => expect(got.map((m) => m.topic)).toEqual([edgeTopic(GROUP, 'NCMD', 'c1'), dcmd]));
    // The request arrives stamped with who asked (broker/actor-stamp.ts), as a rebirth request still.
    expect(decodePayload(got[0].payload).metrics).toMatchObject([{ name: REBIRTH, value: true, properties: { actor: { value: 'historian' }, actorKind: { value: 'historian' } } }]);
  });

  it('grants 0x80 to each filter outside the ACL, shared subscriptions included', async () => {
    const edge = await connect(broker.tcpUrl, { clientId: 'c1-subs', ...login('c1') });
    expect(
      await grantedCodes(edge, [edgeTopic(GROUP, 'DCMD', 'c1', '+'), edgeTopic(GROUP, 'DCMD', 'c2', '+'), 'spBv1.0/#', '#', stateTopic(HOST_ID), '$share/g/spBv1.0/city/DDATA/#', '$SYS/#']),
    ).toEqual([0, 128, 128, 128, 0, 128, 128]);
    const alarms = await connect(broker.tcpUrl, { clientId: 'alarms-subs', ...login('alarms') });
    expect(await grantedCodes(alarms, ['spBv1.0/+/DDATA/#', '$share/alarms/spBv1.0/+/NDATA/#', 'other/#', '#'])).toEqual([0, 0, 128, 128]);
    expect(refusalsOf('c1-subs')).toMatchObject({ subscribe: 5, publish: 0 });
  });
});

describe('broker TLS', () => {
  it('generated a key only its owner reads, and keeps the pair across restarts', async () => {
    const tls = { port: 0, cert_file: path.join(dir, 'tls', 'broker.crt'), key_file: path.join(dir, 'tls', 'broker.key') };
    expect(statSync(tls.key_file).mode & 0o777).toBe(0o600);
    expect(await ensureSelfSignedTls(tls)).toBe(false);
    expect(readFileSync(tls.cert_file).equals(tlsCa)).toBe(true);
    // Half a pair is not silently replaced.
    const half = { ...tls, key_file: path.join(dir, 'tls', 'missing.key') };
    await expect(ensureSelfSignedTls(half)).rejects.toThrow(/HS_ERR_CONFIG_READ.*\/broker\/tls\/key_file/);
  });

  it('logs in over mqtts:// trusting the generated CA; refuses a client without it and a plaintext client', async () => {
    expect(broker.tlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const secure = await connect(broker.tlsUrl!, { clientId: 'api-tls', ...login('api'), ca: tlsCa, servername: 'localhost' });
    await secure.publishAsync(edgeTopic(GROUP, 'NCMD', 'c1'), encodePayload({ timestamp: 1, metrics: [{ name: REBIRTH, datatype: 'Boolean', value: true }] }), { qos: 1 });
    expect(broker.stats().clients.find((c) => c.clientId === 'api-tls')?.transport).toBe('tls');
    // TLS still asks for a password.
    await expect(connect(broker.tlsUrl!, { clientId: 'tls-anon', ca: tlsCa })).rejects.toThrow(/Bad username or password/i);
    await expect(connect(broker.tlsUrl!, { clientId: 'tls-untrusting', ...login('api') })).rejects.toThrow(/self[- ]signed/i);
    const plainToTls = broker.tlsUrl!.replace('mqtts:', 'mqtt:');
    await expect(connect(plainToTls, { clientId: 'plain-to-tls', ...login('api'), connectTimeout: 3000 })).rejects.toThrow();
    expect(broker.stats().clients.map((c) => c.clientId)).not.toContain('plain-to-tls');
  });
});

describe('data path with a login per role', () => {
  let plant: Plant;
  let drivers: PlantDriver[];
  let edge: EdgeNode;
  let historian: Historian;
  let feed: LiveFeed;
  let actuator: DcmdActuator;
  const store = new MemoryStore();

  beforeAll(async () => {
    plant = new Plant(generateCity({ substations: 2, seed: 5 }), { startMs: Date.now(), stepS: 1, warmUpS: 600 });
    drivers = plant.substationIds.map((s) => new PlantDriver(plant, s));
    await Promise.all(drivers.map((d) => d.connect()));
    historian = await startHistorian({ mqttUrl: broker.tcpUrl, mqttLogin: { username: 'historian', password: PASSWORD.historian }, hostId: HOST_ID, store, batchMaxPoints: 100, batchMaxMs: 20, logger: log });
    // The collector logs in over TLS with its password in a file, as a remote site would.
    const passwordFile = path.join(dir, 'c1.password');
    writeFileSync(passwordFile, `${PASSWORD.c1}\n`, { mode: 0o600 });
    const config = resolveEdgeNodeConfig({
      mqtt: { url: broker.tlsUrl, username: 'c1', password_file: passwordFile, ca_file: path.join(dir, 'tls', 'broker.crt'), keepalive_s: 5, reconnect_s: 0.2 },
      group_id: GROUP,
      edge_node_id: 'c1',
      primary_host_id: HOST_ID,
      data_dir: dir,
      poll_interval_s: 0.1,
      command_min_interval_s: { default: 0 },
    });
    // Followers first: the plant stands still, so after the births only a rebirth would repeat them.
    feed = await startLiveFeed({ mqttUrl: broker.tcpUrl, mqttLogin: { username: 'alarms', password: PASSWORD.alarms }, clientId: 'alarms-feed', store, staleAfterMs: 10_000, logger: log });
    actuator = await DcmdActuator.connect({ mqttUrl: broker.tcpUrl, mqttLogin: { username: 'control', password: PASSWORD.control }, group: GROUP, clientId: 'control', ackTimeoutS: 10, logger: log });
    edge = new EdgeNode(config, drivers, log);
    await edge.start();
  });

  afterAll(async () => {
    await actuator?.close();
    await feed?.close();
    await edge?.stop();
    await historian?.stop();
    await Promise.all(drivers.map((d) => d.close()));
  });

  it('edge node → broker → historian writes points; the live feed follows; control\'s DCMD reaches the edge node and is acknowledged', async () => {
    const [first] = plant.substationIds;
    await vi.waitFor(() => expect(new Set(store.points.map((p) => p.substation))).toEqual(new Set(plant.substationIds)), { timeout: 15_000, interval: 100 });
    await vi.waitFor(() => expect(feed.table.substations()).toContain(first), { timeout: 15_000, interval: 100 });
    await vi.waitFor(() => expect(actuator.known()).toContain(first), { timeout: 15_000, interval: 100 });
    const outcome = await actuator.send({ requestId: 'r-1', substation: first, tag: 'primary.valve_setpoint', value: 40, actor: 'control' });
    // Accepted or refused by the PLC's mode: either way the edge node got the DCMD and answered.
    expect(outcome.ok ? 'ok' : outcome.code).not.toBe('HS_ERR_CONTROL_ACK_TIMEOUT');
    expect(outcome.requestId).toBe('r-1');
    // None of the roles was refused anything.
    // Each role's client id starts with its user name (model/mqtt-client.ts ownClientId).
    const roles = [`historian-${HOST_ID}`, 'alarms-feed', 'control', `c1-heatscada-${GROUP}-c1`];
    expect(broker.stats().clients.map((c) => c.clientId)).toEqual(expect.arrayContaining(roles));
    expect(broker.stats().refusals.filter((r) => roles.includes(r.clientId))).toEqual([]);
    expect(broker.stats().clients.find((c) => c.clientId === `c1-heatscada-${GROUP}-c1`)?.transport).toBe('tls');
  });
});

describe('a second site (heatscada mqtt-user add, then heatscada broker)', () => {
  it('refuses to start without a credentials file; with the added principal the new collector logs in as itself only', async () => {
    const credentialsFile = path.join(dir, 'site', 'mqtt-credentials.yaml');
    const section = validateDocument(BrokerConfigSchema, { tcp_port: 0, ws_port: 0, credentials_file: credentialsFile }, 'HS_ERR_CONFIG_INVALID');
    await expect(startConfiguredBroker(section, log)).rejects.toThrow(/HS_ERR_CONFIG_READ.*\/broker\/credentials_file.*mqtt-user add/);

    const request = { verb: 'add', username: 'site2', kind: 'edge_node', group: GROUP, edgeNodeId: 'collector-2', devices: 'S201,S202', hostId: undefined, passwordFile: undefined };
    const lines = await mqttUser(credentialsFile, request);
    const password = /password .*: (\S+)$/.exec(lines[1])![1];
    await expect(mqttUser(credentialsFile, { ...request, username: 'h2', kind: 'historian' })).rejects.toThrow(/--host-id/);
    await expect(mqttUser(credentialsFile, { ...request, username: 'site3', devices: undefined })).rejects.toThrow(/--devices/);
    expect(await mqttUser(credentialsFile, { ...request, verb: 'list' })).toEqual([`site2  edge_node  group ${GROUP}, edge node collector-2, devices S201,S202`]);

    const second = await startConfiguredBroker(section, log);
    try {
      await expect(connect(second.tcpUrl, { clientId: 'site2-wrong', username: 'site2', password: 'guess' })).rejects.toThrow(/Bad username or password/i);
      const site2 = await connect(second.tcpUrl, { clientId: 'site2', username: 'site2', password });
      await site2.publishAsync(edgeTopic(GROUP, 'NBIRTH', 'collector-2'), nbirth(), { qos: 1 });
      const gone = closed(site2);
      site2.publish(edgeTopic(GROUP, 'NBIRTH', 'collector-1'), nbirth(), { qos: 1 });
      await gone;
      expect(second.stats().refusals.find((r) => r.clientId === 'site2')).toMatchObject({ publish: 1 });
    } finally {
      await second.close();
    }
  });
});
