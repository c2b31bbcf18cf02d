// The platform roles' retained statuses reach the control room without the alarm engine: aedes
// with the platform's logins and topic rules, each role publishing its own status as itself, and
// the API following them as principal `api` over its live feed's connection. A status retained
// before the API started is served at once; each change after it reaches a signed-in socket.io
// client as the `platform` event and GET /api/platform/status; a bad message changes nothing; an
// empty retained message takes the instance off.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformStatusReport } from '../api/live/platform-status.ts';
import { UserStore } from '../api/auth/user-store.ts';
import { startApi, type Api } from '../api/server.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { principalAuth } from '../broker/principal-auth.ts';
import { collectorInstance, encodeRoleStatus, roleStatusTopic, type RoleStatus } from '../model/role-status.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { bearer, loginToken, seedTestUsers } from './helpers/auth.ts';
import { captureLog } from './helpers/capture-log.ts';
import { eventually } from './helpers/eventually.ts';
import { credentialed, principalClients, ROLE_PASSWORDS, rolePrincipals } from './helpers/mqtt-principals.ts';

const GROUP = 'city';
const HOST_ID = 'heatscada-historian';

const full: RoleStatus = { role: 'historian', instance: HOST_ID, status: 'disk_full', detail: 'store full: holding 5000 points, retrying', path: '/data/heatscada.db', at: 1000 };
const writable: RoleStatus = { role: 'historian', instance: HOST_ID, status: 'ok', detail: 'store writable: every held point written', at: 2000 };
const buffer: RoleStatus = { role: 'collector', instance: collectorInstance(GROUP, 'c1'), status: 'ok', detail: 'buffer writable', at: 1500 };
const topicOf = (s: RoleStatus) => roleStatusTopic(s.role, s.instance);

describe('platform status: the roles’ retained words, served and pushed by the API', () => {
  const logs = captureLog('info');
  const { login, connect, endAll } = principalClients(ROLE_PASSWORDS);
  let dir: string;
  let broker: Broker;
  let store: SqliteStore;
  let api: Api;
  let historian: MqttClient;
  let collector: MqttClient;
  let socket: Socket;
  let token: string;
  const pushed: PlatformStatusReport[] = [];

  const retain = (client: MqttClient, topic: string, payload: Buffer) => client.publishAsync(topic, payload, { qos: 1, retain: true });
  const served = async (): Promise<PlatformStatusReport> => {
    const res = await fetch(`${api.url}/api/platform/status`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    return (await res.json()) as PlatformStatusReport;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'heatscada-platform-status-'));
    broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, auth: principalAuth(await credentialed(rolePrincipals(GROUP, HOST_ID), ROLE_PASSWORDS), logs.log), logger: logs.log });
    historian = await connect(broker.tcpUrl, { ...login('historian'), clientId: `historian-${HOST_ID}` });
    collector = await connect(broker.tcpUrl, { ...login('c1'), clientId: 'c1-status' });
    // Before the API starts: it must learn this from the broker's retained message.
    await retain(historian, topicOf(full), encodeRoleStatus(full));
    store = openSqliteStore({ file: path.join(dir, 'store.db') });
    await seedTestUsers(new UserStore(store.database));
    api = await startApi({ host: '127.0.0.1', port: 0, store, mqttUrl: broker.tcpUrl, mqttLogin: { username: 'api', password: ROLE_PASSWORDS.api }, logger: logs.log });
    token = await loginToken(api.url, 'viewer');
    socket = connectSocket(api.url, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { token } });
    socket.on('platform', (report: PlatformStatusReport) => pushed.push(report));
    await eventually(() => expect(socket.connected).toBe(true), 10_000);
  }, 30_000);

  afterAll(async () => {
    socket?.close();
    await endAll();
    await api?.close();
    await broker?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a status retained before the API started, to a viewer; not without a token', async () => {
    await eventually(async () => expect(await served()).toEqual({ roles: [full] }), 10_000);
    expect((await fetch(`${api.url}/api/platform/status`)).status).toBe(401);
    // The broker refused the API nothing (its topic rules let it follow the statuses).
    expect(broker.stats().refusals).toEqual([]);
  });

  it('pushes each change to the signed-in client, the whole list by role and instance, and serves the same', async () => {
    const from = pushed.length;
    await retain(collector, topicOf(buffer), encodeRoleStatus(buffer));
    await eventually(() => expect(pushed.slice(from)).toEqual([{ roles: [buffer, full] }]), 10_000);
    expect(await served()).toEqual({ roles: [buffer, full] });
  });

  it('a bad message is logged with its topic and reason and changes nothing', async () => {
    const from = pushed.length;
    await retain(collector, topicOf(buffer), Buffer.from('{"status":"melting"}'));
    await eventually(() => expect(logs.lines.filter((l) => l.code === 'HS_ERR_ROLE_STATUS_INVALID' && l.topic === topicOf(buffer))).toHaveLength(1), 10_000);
    expect(logs.lines.find((l) => l.topic === topicOf(buffer))).toMatchObject({ level: 40, reason: expect.stringContaining('role status: ') });
    // Then a good word elsewhere: the bad one made no event before it, and the collector's last good word stands.
    await retain(historian, topicOf(writable), encodeRoleStatus(writable));
    await eventually(() => expect(pushed.slice(from)).toEqual([{ roles: [buffer, writable] }]), 10_000);
    expect(await served()).toEqual({ roles: [buffer, writable] });
  });

  it('an empty retained message takes the instance off', async () => {
    const from = pushed.length;
    await retain(historian, topicOf(writable), Buffer.alloc(0));
    await eventually(() => expect(pushed.slice(from)).toEqual([{ roles: [buffer] }]), 10_000);
    expect(await served()).toEqual({ roles: [buffer] });
  });
});
