// The residents' service over the real plant: simulated PLCs on Modbus TCP → collector → aedes →
// alarm engine, the plant at 60× real time. A cold spell at one substation (its circulation pump
// trips: the homes cool while the PLC goes on reporting) and three complaints from its buildings
// raise complaint_cluster there once; a fourth raises no second. The complaints come as the
// service role sends them: first straight over MQTT through the `service` login, which the broker
// holds to its topic rules, then through the hotline's REST API, whose complaint view shows the
// substation's live indoor figures beside the standing cluster.

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmRecord } from '../alarms/alarm-store.ts';
import { resolveAlarmsConfig } from '../alarms/config-schema.ts';
import type { BrokerAuth, BrokerClient } from '../broker/auth.ts';
import { principalAuth } from '../broker/principal-auth.ts';
import { allInOnePrincipals } from '../broker/role-logins.ts';
import { complaintTopic, type Category, type Complaint, type ComplaintEvent, type ComplaintInput } from '../model/service.ts';
import { bearer, loginToken, TEST_CREW } from './helpers/auth.ts';
import { DATA_PATH_GROUP } from './helpers/data-path.ts';
import { eventually } from './helpers/eventually.ts';
import { closed, credentialed, principalClients, type PrincipalClients } from './helpers/mqtt-principals.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
const SPEED = 60;
/** The collectors poll every 0.25 s wall: 15 simulated seconds. */
const POLL_S = 0.25 * SPEED;
const CLUSTER = 'complaint_cluster';
/** The service principal the all-in-one makes, and a test password for it. */
const SERVICE = allInOnePrincipals({ group: DATA_PATH_GROUP, edgeNodeId: 'unused', hostId: 'unused', devices: [] }).service;
const PASSWORDS = { [SERVICE.username]: 'pw-service-test-901' };

/**
 * The broker's logins for the `service` principal, held to its topic rules; the platform's own
 * roles (collector, historian, alarms, API) connect without a name, as they do in every test.
 */
async function serviceLoginOrAnonymous(): Promise<BrokerAuth> {
  const logins = principalAuth(await credentialed([SERVICE], PASSWORDS), log);
  const anonymous = new WeakSet<BrokerClient>();
  return {
    authenticate(client, username, password) {
      if (username !== undefined) return logins.authenticate(client, username, password);
      anonymous.add(client);
      return true;
    },
    authorizePublish: (client, topic, payload, retain) => anonymous.has(client) || logins.authorizePublish(client, topic, payload, retain),
    authorizeSubscribe: (client, topic) => anonymous.has(client) || logins.authorizeSubscribe(client, topic),
    disconnected(client) {
      anonymous.delete(client);
      logins.disconnected?.(client);
    },
  };
}

describe('complaint clusters over the real plant and broker', () => {
  let platform: TestPlatform;
  let clients: PrincipalClients;
  /** 0: sentinel of the API part, 1: cold spell heard over MQTT, 2: cold spell through the API, 3: sentinel of the MQTT part. */
  let ids: readonly string[];
  /** indoor.temp_avg of each substation when the pumps tripped. */
  const warmAvg = new Map<string, number>();

  const clustersAt = (substation: string): AlarmRecord[] => platform.alarms.alarms.query({ substation }).filter((r) => r.alarm === CLUSTER);
  const activations = (substation: string): string[] => clustersAt(substation).flatMap((r) => platform.alarms.alarms.journal(r.id).map((j) => j.event));
  const standing = (substation: string) => expect(clustersAt(substation).map((r) => r.state)).toEqual(['unack_active']);

  beforeAll(async () => {
    ids = [];
    clients = principalClients(PASSWORDS);
    platform = await startTestPlatform({
      substations: 4,
      seed: 7,
      speed: SPEED,
      brokerAuth: await serviceLoginOrAnonymous(),
      alarms: resolveAlarmsConfig({ poll_period_s: POLL_S, evaluate_every_s: 0.1, crews: [{ id: TEST_CREW, name: 'Crew 1', groups: [] }] }),
      service: {},
    });
    ids = platform.plant.substationIds;
    // Both cold spells start now; the API part needs the homes to have cooled by the time it runs.
    for (const substation of [ids[1], ids[2]]) {
      warmAvg.set(substation, platform.plant.read(substation, 'indoor.temp_avg') as number);
      platform.plant.injectFault({ kind: 'pump_trip', substation });
    }
    // Every substation born and in the store.
    await eventually(async () => expect((await platform.store.latest({ tags: ['plc.heartbeat'] })).map((p) => p.substation)).toEqual(expect.arrayContaining([...ids])));
  }, 60_000);

  afterAll(async () => {
    await clients?.endAll();
    await platform?.stop();
  });

  it('three complaints through the service login raise the cluster once at the cold substation; a fourth raises no second', async () => {
    const cold = ids[1];
    const service = await clients.connect(platform.brokerUrl, { ...clients.login(SERVICE.username), clientId: 'service-plant-test' });
    let complaint = 1000;
    const send = (substation: string, category: Category) => {
      const event: ComplaintEvent = { complaint: ++complaint, substation, category, channel: '12345', receivedAt: platform.plant.timeMs };
      return service.publishAsync(complaintTopic(DATA_PATH_GROUP, substation), JSON.stringify(event), { qos: 1 });
    };

    // The login is held to its rules: a retained complaint (it would count again for every later subscriber) ends the connection.
    const rogue = await clients.connect(platform.brokerUrl, { ...clients.login(SERVICE.username), clientId: 'service-plant-rogue' });
    rogue.publish(complaintTopic(DATA_PATH_GROUP, cold), JSON.stringify({ complaint: 999, substation: cold, category: 'no_heat', channel: '12345', receivedAt: platform.plant.timeMs }), { qos: 1, retain: true });
    await closed(rogue);

    await send(cold, 'no_heat');
    await send(cold, 'cold_home');
    await send(cold, 'cold_home');
    await eventually(() => standing(cold));
    // The cold spell is real: the homes there are cooling.
    expect(platform.plant.read(cold, 'indoor.temp_avg')).toBeLessThan(warmAvg.get(cold)!);

    // The fourth, then a cluster elsewhere: once that one stands, the engine has heard the fourth too.
    await send(cold, 'no_heat');
    for (let k = 0; k < 3; k++) await send(ids[3], 'air_lock');
    await eventually(() => standing(ids[3]));
    expect(activations(cold)).toEqual(['activate']);
    expect(clustersAt(ids[0])).toEqual([]);
    expect(clustersAt(ids[2])).toEqual([]);
  }, 60_000);

  it("three complaints through the hotline's API raise it once more at their cold substation, whose live indoor figures the complaint view shows", async () => {
    const cold = ids[2];
    const hotline = bearer(await loginToken(platform.apiUrl, 'hotline'));
    const buildings = platform.service!.addressBook.atSubstation(cold);
    expect(buildings.length).toBeGreaterThan(0);
    let room = 100;
    const take = async (substation: string, category: Category): Promise<Complaint> => {
      const [entry] = substation === cold ? [buildings[room % buildings.length]] : platform.service!.addressBook.atSubstation(substation);
      const input: ComplaintInput = { channel: 'hotline', address: { community: entry.community, building: entry.building, unit: '1', room: String(++room) }, phone: '13812345678', category, words: '暖气不热' };
      const res = await fetch(`${platform.apiUrl}/api/service/complaints`, { method: 'POST', headers: { ...hotline, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      expect(res.status, await res.clone().text()).toBe(200);
      const created = (await res.json()) as Complaint;
      expect(created.substation).toBe(substation);
      return created;
    };

    const first = await take(cold, 'cold_home');
    await take(cold, 'no_heat');
    expect(clustersAt(cold)).toEqual([]);
    await take(cold, 'cold_home');
    await eventually(() => standing(cold));
    await take(cold, 'cold_home');
    for (let k = 0; k < 3; k++) await take(ids[0], 'leak');
    await eventually(() => standing(ids[0]));
    expect(activations(cold)).toEqual(['activate']);

    // Within a poll: the Modbus registers' 0.1 K steps and a poll's 15 s of cooling (~0.003 K). Once the
    // homes have cooled by 0.3 K, a value from before the spell would be off by more than that.
    await eventually(() => expect(platform.plant.read(cold, 'indoor.temp_avg')).toBeLessThan(warmAvg.get(cold)! - 0.3), 90_000);
    await eventually(async () => {
      const res = await fetch(`${platform.apiUrl}/api/service/complaints/${first.id}/context`, { headers: hotline });
      expect(res.status).toBe(200);
      const view = (await res.json()) as { substation: { id: string; values: Record<string, number | boolean> }; alarms: { alarm: string }[] };
      expect(view.substation.id).toBe(cold);
      for (const tag of ['indoor.temp_avg', 'indoor.temp_min'] as const) {
        expect(Math.abs((view.substation.values[tag] as number) - (platform.plant.read(cold, tag) as number)), tag).toBeLessThan(0.1);
      }
      expect(view.alarms.map((a) => a.alarm)).toContain(CLUSTER);
    });
  }, 120_000);
});
