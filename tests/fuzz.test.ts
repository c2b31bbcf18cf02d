// Seeded fuzzing of everything that takes input from outside: every route of the API (bodies,
// query strings, path parameters, with and without a token) and the Sparkplug topics the
// historian and a collector's command handler consume. No 5xx, every refusal a 4xx with an
// HS_ERR_ code, no change goes through, nothing crashes, nothing is written but the audit
// records of the refusals. A failure prints, per kind, the count and the first request;
// HEATSCADA_FUZZ_SEED=<seed> npx vitest run tests/fuzz.test.ts replays the same sequence.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlarms, type AlarmService } from '../alarms/alarms.ts';
import { resolveAlarmsConfig } from '../alarms/config-schema.ts';
import { startApi, type Api } from '../api/server.ts';
import type { RouteAccess } from '../api/auth/guard.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { startControl, type ControlHandle } from '../control/start.ts';
import { resolveConfig } from '../bin/config.ts';
import { demoAddressBook } from '../service/demo-address-book.ts';
import { resolveServiceConfig } from '../service/config-schema.ts';
import { startService, type ServiceRole } from '../service/start.ts';
import { resolveSeasonConfig } from '../season/config-schema.ts';
import { startSeason, type SeasonRole } from '../season/start.ts';
import type { Collector } from '../collectors/collector.ts';
import { ACTOR_PROPERTY, decodePayload, edgeTopic, encodePayload, parseTopic, REBIRTH, REQUEST_ID_PROPERTY, stateTopic, type EdgeMessageType, type Metric, type SparkplugPayload } from '../model/sparkplug.ts';
import { TAGS } from '../model/tags.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { Plant } from '../simulators/plant.ts';
import type { Historian } from '../store/historian/historian.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { loginToken, seedTestUsers } from './helpers/auth.ts';
import { captureLog } from './helpers/capture-log.ts';
import { DATA_PATH_GROUP, startDataPath, type DataPath } from './helpers/data-path.ts';
import { eventually } from './helpers/eventually.ts';
import { watchPlcWrites, type PlcWrite } from './helpers/plc-writes.ts';
import { fuzzRequest, routeFields, type OpenApiDoc } from './helpers/fuzz-requests.ts';
import { badCommandMetric, badDataMetric, IMPOSSIBLE_TS, undecodable } from './helpers/fuzz-sparkplug.ts';
import { freePort } from './helpers/ports.ts';
import { Fuzz, fuzzSeed } from './helpers/seeded-fuzz.ts';
import { aliasOf, deviceBirth, nodeBirth } from './helpers/sparkplug-messages.ts';

const SEED = fuzzSeed();
const API_REQUESTS = 4000;
const MQTT_MESSAGES = 3000;
const GROUP = DATA_PATH_GROUP;
const HOST_ID = 'fuzz-historian';
const EDGE = 'edge-fuzz';
/** A node the fuzzer speaks as (born once), and its device, whose births carry only nulls. */
const FUZZ_EDGE = 'fuzz-edge';
const FUZZ_DEVICE = 'FUZZ1';

/** The parts' own logs are not what this test reads. */
const quiet = pino({ level: 'silent' });

process.stdout.write(`fuzz seed ${SEED} (replay: HEATSCADA_FUZZ_SEED=${SEED})\n`);

// ---- API -----------------------------------------------------------------------------------

const tableCounts = (db: SqliteStore['database']): Record<string, number> =>
  Object.fromEntries(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map(({ name }) => [
      name,
      (db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n,
    ]),
  );

describe('API fuzz: every route takes thousands of malformed requests', () => {
  let dir: string;
  let broker: Broker;
  let store: SqliteStore;
  let alarms: AlarmService;
  let control: ControlHandle;
  let service: ServiceRole;
  let season: SeasonRole;
  let api: Api;
  let adminToken: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'heatscada-fuzz-api-'));
    broker = await startBroker({ host: '127.0.0.1', tcpPort: await freePort(), wsPort: 0, logger: quiet });
    store = openSqliteStore({ file: path.join(dir, 'store.db') });
    // Every part behind a route runs, so no route answers 503 for a missing service.
    alarms = await startAlarms(resolveAlarmsConfig({ evaluate_every_s: 0.1 }), { mqttUrl: broker.tcpUrl, store, database: store.database, logger: quiet });
    control = await startControl(resolveConfig({ control: { mqtt_url: broker.tcpUrl, interval_s: 3600 } }), { store, database: store.database, logger: quiet });
    service = await startService(resolveServiceConfig({}), { database: store.database, workOrders: alarms.workOrders, audit: new SqliteAuditTrail(store.database), addressBook: demoAddressBook(generateCity({ substations: 4, seed: 7 }).substations), logger: quiet });
    season = await startSeason(resolveSeasonConfig({}), { mqttUrl: broker.tcpUrl, store, database: store.database, alarms, logger: quiet });
    api = await startApi({ host: '127.0.0.1', port: 0, store, mqttUrl: broker.tcpUrl, alarms, control: control.controller, service, season, logger: quiet });
    await seedTestUsers(api.auth.users);
    adminToken = await loginToken(api.url, 'admin');
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await season?.close();
    await service?.close();
    await control?.stop();
    await alarms?.close();
    await broker?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses each with a 4xx and an HS_ERR_ code, never a 5xx, lets no change through, keeps serving, and writes nothing but the audit of refusals', async () => {
    const f = new Fuzz(SEED ^ 0x5eed);
    const routes = api.routes().filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
    const doc = (await api.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<OpenApiDoc>();
    const fields = new Map(routes.map((r) => [r, routeFields(doc, r)]));
    const mutating = routes.filter((r) => r.method !== 'GET');
    expect(mutating.length).toBeGreaterThan(10);
    const trail = api.auth.trail;
    const before = tableCounts(store.database);
    let lastAuditId = trail.search({ limit: 1 })[0]?.id ?? 0;
    // Failures by kind (what went wrong, on which route), each with its count and first request.
    const failures: Record<string, { count: number; first: string }> = {};
    const fail = (kind: string, what: string): void => {
      failures[kind] ??= { count: 0, first: what };
      failures[kind].count++;
    };
    const statuses = new Map<number, number>();
    const hits = new Map<RouteAccess, number>();
    let newRecords = 0;

    for (let i = 0; i < API_REQUESTS; i++) {
      // Half the requests go to routes that change something.
      const route = f.chance(0.5) ? f.pick(mutating) : f.pick(routes);
      // Sign-out takes nothing but the token: with the admin's, it would only sign the fuzzer out.
      const logoutRoute = route.url === '/api/auth/logout';
      const request = fuzzRequest(f, route, fields.get(route)!, logoutRoute ? undefined : adminToken);
      hits.set(route, (hits.get(route) ?? 0) + 1);
      const response = await api.app.inject(request);
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      const what = `#${i} ${request.method} ${request.url.slice(0, 160)} body ${request.bodyKind} ${request.admin ? 'admin' : 'no/bad token'} → ${response.statusCode} ${response.body.slice(0, 200)}`;
      const code = (() => {
        try {
          return (response.json() as { code?: unknown }).code;
        } catch {
          return undefined;
        }
      })();
      const logout = logoutRoute && response.statusCode === 204;
      if (request.admin && route.access !== 'public' && (response.statusCode === 401 || response.statusCode === 403)) fail(`the admin was refused: ${String(code)}`, what);
      else if (response.statusCode >= 500) fail(`${response.statusCode} on ${route.method} ${route.url}`, what);
      else if (response.statusCode >= 400 && (typeof code !== 'string' || !/^HS_ERR_[A-Z_]+$/.test(code))) fail(`no HS_ERR_ code: ${String(code)}`, what);
      else if (route.method !== 'GET' && response.statusCode < 400 && !logout) fail(`a change went through: ${route.method} ${route.url}`, what);
      // Every audit record a request made is explained by it: a refusal or a failed sign-in, with its code.
      const made = trail.search({ before: Number.MAX_SAFE_INTEGER, limit: 10 }).filter((r) => r.id > lastAuditId);
      for (const record of made) {
        newRecords++;
        const signIn = route.url === '/api/auth/login' && record.action === 'auth.login' && record.outcome !== 'ok' && record.detail === code;
        const refusal = request.admin && record.actor === 'admin' && record.outcome === 'refused' && record.detail === code;
        if (!(signIn || refusal)) fail(`unexplained audit record: ${record.action} ${record.outcome}`, `${JSON.stringify(record).slice(0, 300)} after ${what}`);
        lastAuditId = Math.max(lastAuditId, record.id);
      }
    }
    expect(failures, `seed ${SEED}`).toEqual({});
    // Every route of the table had its share.
    expect(routes.filter((r) => (hits.get(r) ?? 0) < 20).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);

    // Nothing but audit records of what was refused (and the sign-outs) was written anywhere.
    const after = tableCounts(store.database);
    expect(after).toEqual({ ...before, audit_log: before.audit_log + newRecords });
    expect(trail.verify().ok).toBe(true);
    // Still serving, over a real socket.
    const health = await fetch(`${api.url}/api/health`);
    expect(health.status).toBe(200);
    const me = await fetch(`${api.url}/api/auth/me`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(await me.json()).toEqual({ name: 'admin', role: 'admin' });
    process.stdout.write(`api fuzz: ${API_REQUESTS} requests over ${routes.length} routes, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${newRecords} audit records of refusals\n`);
  }, 300_000);
});

describe('MQTT fuzz: the historian and a collector take thousands of malformed Sparkplug messages', () => {
  let dir: string;
  let plant: Plant;
  let dataPath: DataPath;
  let historian: Historian;
  let collector: Collector;
  let fuzzer: MqttClient;
  const collectorLog = captureLog('warn');
  const plcWrites: PlcWrite[] = [];
  let unwatch: (() => void) | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'heatscada-fuzz-mqtt-'));
    const city = generateCity({ substations: 2, seed: 3, opcuaShare: 0 });
    plant = new Plant(city, { startMs: Date.now(), warmUpS: 600 });
    unwatch = watchPlcWrites(plant, plcWrites);
    dataPath = await startDataPath({ plant, dir, edgeNodeId: EDGE, hostId: HOST_ID, pollIntervalS: 0.25, refreshIntervalS: 1, logger: quiet, collectorLogger: collectorLog.log });
    ({ historian, collector } = dataPath);
    await eventually(() => {
      for (const id of plant.substationIds) expect(historian.learned(id).length).toBeGreaterThan(0);
    });
    const devices = historian.stats().devices;
    fuzzer = await connectAsync(dataPath.broker.tcpUrl, { clientId: 'fuzzer', reconnectPeriod: 0 });
    // The fuzzer's own node and device, born once, so its data reaches the per-metric checks.
    const birth = deviceBirth(0, 1, Object.fromEntries(TAGS.map((t) => [t.name, 0])));
    for (const m of birth.metrics) m.value = null;
    await fuzzer.publishAsync(edgeTopic(GROUP, 'NBIRTH', FUZZ_EDGE), encodePayload(nodeBirth(0)), { qos: 1 });
    await fuzzer.publishAsync(edgeTopic(GROUP, 'DBIRTH', FUZZ_EDGE, FUZZ_DEVICE), encodePayload(birth), { qos: 1 });
    await eventually(() => expect(historian.stats().devices).toBe(devices + 1));
  }, 120_000);

  afterAll(async () => {
    await fuzzer?.endAsync();
    await dataPath?.stop();
    unwatch?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts them as malformed, writes no point and no setpoint, and keeps serving', async () => {
    const f = new Fuzz(SEED);
    // Every PLC the collector serves: the substations and the heat source.
    const devices = [...plant.substationIds, plant.spec.source.id];
    const malformedBefore = historian.stats().malformed;
    const refusedBefore = collector.stats().commandsRefused;
    const refusalLogs = () => collectorLog.lines.filter((l) => l.event === 'message_refused').length;
    const refusalLogsBefore = refusalLogs();
    let seq = 1;
    /** Metrics of decodable DCMDs to devices the collector serves: each must be refused. */
    let commandMetrics = 0;
    /** DCMDs and NCMDs the collector cannot parse (topic) or decode (payload): each logged as message_refused. */
    let unreadableCommands = 0;
    const command = (topic: string, payload: Buffer): void => {
      try {
        parseTopic(topic);
        decodePayload(payload);
      } catch {
        unreadableCommands++;
      }
      messages.push([topic, payload]);
    };
    const HISTORIAN_TYPES: EdgeMessageType[] = ['NBIRTH', 'NDATA', 'NDEATH', 'DBIRTH', 'DDATA', 'DDEATH'];

    const messages: [string, Buffer][] = [];
    for (let i = 0; i < MQTT_MESSAGES; i++) {
      const kind = f.int(0, 9);
      if (kind <= 3) {
        // The fuzz node's data, in seq (mostly): refused metric by metric.
        seq = f.chance(0.9) ? (seq + 1) & 0xff : f.int(0, 255);
        const payload: SparkplugPayload = { timestamp: f.chance(0.9) ? Date.now() : IMPOSSIBLE_TS, seq, metrics: Array.from({ length: f.int(1, 6) }, () => badDataMetric(f)) };
        const device = f.chance(0.8);
        messages.push([edgeTopic(GROUP, device ? 'DDATA' : 'NDATA', FUZZ_EDGE, device ? FUZZ_DEVICE : undefined), encodePayload(payload)]);
      } else if (kind === 4) {
        // Nodes and devices never born, any metrics.
        const payload: SparkplugPayload = { timestamp: Date.now(), seq: f.int(0, 255), metrics: [{ alias: aliasOf(0, 'primary.supply_temp'), datatype: 'Double', value: 50 }, badDataMetric(f)] };
        messages.push([edgeTopic(GROUP, f.pick(['NDATA', 'DDATA', 'DBIRTH', 'DDEATH'] as const), `ghost-${f.int(0, 5)}`, `G${f.int(0, 99)}`), encodePayload(payload)]);
      } else if (kind === 5) {
        // Not a payload at all, on every topic the historian reads, its STATE included.
        const topic = f.chance(0.15) ? stateTopic(HOST_ID) : edgeTopic(GROUP, f.pick(HISTORIAN_TYPES), FUZZ_EDGE, f.chance(0.5) ? FUZZ_DEVICE : undefined);
        messages.push([topic, undecodable(f, encodePayload({ timestamp: Date.now(), seq, metrics: [badDataMetric(f)] }))]);
      } else if (kind === 6) {
        // Topics outside the namespace's shape.
        const topic = f.pick([`spBv1.0/${GROUP}/DDATA`, `spBv1.0/${GROUP}/DDATA/${FUZZ_EDGE}/${FUZZ_DEVICE}/extra/levels`, `spBv1.0/${GROUP}/NDATA/${FUZZ_EDGE}/x/y`, `spBv1.0/${GROUP}/DBIRTH/${FUZZ_EDGE}/a/b/c`]);
        messages.push([topic, encodePayload({ timestamp: Date.now(), seq, metrics: [badDataMetric(f)] })]);
      } else if (kind <= 8) {
        // Commands to the collector: well-formed payloads with refusable metrics, or garbage.
        const known = f.chance(0.85);
        const device = known ? f.pick(devices) : `${f.pick(['S9', 'X', '换热站', '__proto__'])}${f.int(0, 99)}`;
        const metrics = Array.from({ length: f.int(1, 4) }, () => badCommandMetric(f));
        if (f.chance(0.2)) {
          command(edgeTopic(GROUP, 'DCMD', EDGE, device), undecodable(f));
        } else {
          if (known) commandMetrics += metrics.length;
          command(edgeTopic(GROUP, 'DCMD', EDGE, device), encodePayload({ timestamp: Date.now(), metrics }));
        }
      } else {
        // Node commands: anything but a rebirth request.
        if (f.chance(0.5)) {
          command(edgeTopic(GROUP, 'NCMD', EDGE), undecodable(f));
        } else {
          const metrics: Metric[] = [f.chance(0.5) ? { name: REBIRTH, datatype: 'String', value: 'true' } : { name: REBIRTH, datatype: 'Boolean', value: false }, { name: f.string().slice(0, 100), datatype: 'Boolean', value: true }];
          command(edgeTopic(GROUP, 'NCMD', EDGE), encodePayload({ timestamp: Date.now(), metrics }));
        }
      }
    }
    // QoS 1 in bursts: every message reaches the broker, the subscribers see them in order.
    for (let k = 0; k < messages.length; k += 200) await Promise.all(messages.slice(k, k + 200).map(([topic, payload]) => fuzzer.publishAsync(topic, payload, { qos: 1 })));

    // Behind the fuzz, one message of each kind that must work: a null for the historian, a valid write for the collector.
    const nullsBefore = historian.stats().points.nulls;
    await fuzzer.publishAsync(edgeTopic(GROUP, 'DDATA', FUZZ_EDGE, FUZZ_DEVICE), encodePayload({ timestamp: Date.now(), seq: (seq + 1) & 0xff, metrics: [{ alias: aliasOf(0, 'primary.supply_temp'), datatype: 'Double', value: null }] }), { qos: 1 });
    const target = devices[0];
    const valid: Metric = { name: 'secondary.supply_temp_setpoint', datatype: 'Double', value: 55, properties: { [REQUEST_ID_PROPERTY]: { type: 'String', value: 'fuzz-final' }, [ACTOR_PROPERTY]: { type: 'String', value: 'fuzz' } } };
    await fuzzer.publishAsync(edgeTopic(GROUP, 'DCMD', EDGE, target), encodePayload({ timestamp: Date.now(), metrics: [valid] }), { qos: 1 });

    await eventually(() => expect(historian.stats().points.nulls).toBeGreaterThan(nullsBefore));
    await eventually(() => expect(collector.stats().commandsAccepted).toBe(1));
    await eventually(() => expect(collector.stats().commandsRefused - refusedBefore).toBe(commandMetrics));
    expect(refusalLogs() - refusalLogsBefore).toBe(unreadableCommands);
    // The one write that reached a PLC is the valid one.
    expect(plcWrites).toEqual([{ substation: target, tag: 'secondary.supply_temp_setpoint', value: 55, result: { ok: true, value: 55 } }]);

    const malformed = historian.stats().malformed;
    const rise = (code: keyof typeof malformed) => (malformed[code] ?? 0) - (malformedBefore[code] ?? 0);
    for (const code of ['HS_ERR_SPARKPLUG_DECODE', 'HS_ERR_SPARKPLUG_TOPIC', 'HS_ERR_SPARKPLUG_ALIAS', 'HS_ERR_SPARKPLUG_TYPE', 'HS_ERR_SPARKPLUG_TIMESTAMP', 'HS_ERR_SPARKPLUG_NO_BIRTH', 'HS_ERR_SPARKPLUG_SEQ'] as const) {
      expect(rise(code), code).toBeGreaterThan(0);
    }
    // No point of anything but the plant's own PLCs was stored.
    const series = dataPath.store.database.prepare('SELECT DISTINCT substation FROM series').all() as { substation: string }[];
    expect(series.map((s) => s.substation).filter((s) => !devices.includes(s))).toEqual([]);

    // Still serving: a new plant scan flows through the collector and the historian into the store.
    plant.advance(5);
    const beat = plant.read(target, 'plc.heartbeat');
    await eventually(async () => {
      const latest = await dataPath.store.latest({ tags: ['plc.heartbeat'] });
      expect(latest.find((p) => p.substation === target)?.value).toBe(beat);
    });
  }, 180_000);
});
