// The season start over the real protocols: a simulated area of 20 substations (OPC UA and
// Modbus TCP, alternating) → collector → aedes → historian and the season role following the
// live Sparkplug feed on the plant's time, with the alarm service for work orders and the API
// for the board. The area goes empty → filled → pressure test (two leak: they fail with their
// pressure curve as evidence and get work orders for the area's crew, the rest pass) → cold run
// → hot run (the leaking two wait for their repair), and the board shows each phase's counts and
// the two late ones. The test advances the plant itself in steps and waits for the data of each.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlarms, type AlarmService } from '../alarms/alarms.ts';
import { resolveAlarmsConfig } from '../alarms/config-schema.ts';
import { UserStore } from '../api/auth/user-store.ts';
import { startApi, type Api } from '../api/server.ts';
import type { SeasonBoard } from '../season/board.ts';
import type { PhaseCheck } from '../model/season.ts';
import { resolveSeasonConfig } from '../season/config-schema.ts';
import { designsOf } from '../season/designs.ts';
import { startSeason, type SeasonRole } from '../season/start.ts';
import { withFillConnections } from '../simulators/network/fill-connection.ts';
import { Plant } from '../simulators/plant.ts';
import { bearer, loginToken, seedTestUsers } from './helpers/auth.ts';
import { mixedProtocolCity, startDataPath, type DataPath } from './helpers/data-path.ts';
import { freePort } from './helpers/ports.ts';

const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
const START = Date.parse('2026-09-25T08:00:00+08:00');
/** The plant's steps: short through the pressure test (its raise takes minutes), long elsewhere. */
const STEP_S = 300;
const TEST_STEP_S = 60;
const LONG_STEP_S = 1800;

describe('the season start over the real protocols', () => {
  // Fill connections fill each loop in about half an hour (the make-up pump alone takes days for the biggest).
  const city = withFillConnections(mixedProtocolCity(20, 13));
  const ids = city.substations.map((s) => s.id);
  const leaking = [ids[3], ids[12]];
  const tight = ids.filter((id) => !leaking.includes(id));
  let dir: string;
  let plant: Plant;
  let data: DataPath;
  let alarms: AlarmService;
  let season: SeasonRole;
  let api: Api;
  let token: string;
  /** The end of the pressure test: its deadline, so the leaking two are late from then on. */
  const testDue = START + 3 * 3_600_000;

  const config = resolveSeasonConfig({
    // Short judges so the run fits in simulated hours; the rules are the production ones.
    judges: { pressure_test: { hold_min: 15, max_drop_mpa: 0.02 }, cold_run: { hours: 2, settle_min: 10 }, hot_run: { hours: 1, smoothing_s: 600 } },
    deadlines: { filling: new Date(testDue).toISOString(), pressure_test: new Date(testDue).toISOString(), cold_run: '2026-10-05', hot_run: '2026-10-20', inspection: '2026-10-10' },
    companies: [{ id: 'city', areas: [{ id: 'north', substations: ids }] }],
    evaluate_every_s: 0.2,
  });
  const checksAt = (phase: string): Record<string, PhaseCheck['state']> => Object.fromEntries(season.checks().filter((c) => c.phase === phase).map((c) => [c.substation, c.state]));
  const statesOf = (phase: string, group: readonly string[]) => [...new Set(group.map((id) => checksAt(phase)[id]))];
  /** Advances the plant in steps, each waiting for its data and a judgement on it. */
  const run = async (seconds: number, step = STEP_S) => {
    for (let s = 0; s < seconds; s += step) {
      await data.advance(step);
      season.evaluate();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'heatscada-season-'));
    // Every loop drained and the source unlit, in late September's weather; homes still warm
    // from late summer, so the hot run can reach the standard in simulated hours.
    plant = new Plant(city, { startMs: START, warmUpS: 600, scenario: { season_start: { indoor_c: 22, outdoor_mean_c: 12 }, faults: [], season: [] } });
    data = await startDataPath({ plant, dir, edgeNodeId: 'edge-season', hostId: 'season-historian', pollIntervalS: 0.1, opcuaSamplingMs: 50, logger: log });
    // Silence counts in plant time, which jumps a step at a time: a poll period of a step.
    alarms = await startAlarms(resolveAlarmsConfig({ poll_period_s: STEP_S, evaluate_every_s: 0.2, crews: [{ id: 'north-crew', name: 'North crew', groups: ['north'] }], groups: { north: ids } }), {
      mqttUrl: data.broker.tcpUrl,
      store: data.store,
      database: data.store.database,
      now: () => plant.timeMs,
      logger: log.child({ role: 'alarms' }),
    });
    season = await startSeason(config, { mqttUrl: data.broker.tcpUrl, store: data.store, database: data.store.database, substations: ids, designs: designsOf(city), alarms, now: () => plant.timeMs, logger: log.child({ role: 'season' }) });
    await seedTestUsers(new UserStore(data.store.database));
    api = await startApi({ host: '127.0.0.1', port: await freePort(), store: data.store, mqttUrl: data.broker.tcpUrl, sitesFile: data.manifestFile, season, alarms, logger: log.child({ role: 'api' }) });
    token = await loginToken(api.url, 'viewer');
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await season?.close();
    await alarms?.close();
    await data?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees the empty loops as empty: nothing judged yet', async () => {
    await run(2 * STEP_S);
    expect(season.watcher.observed(ids[0])).toBe('empty');
    expect(statesOf('filling', ids)).toEqual(['pending']);
  });

  it('fills every loop and passes its filling', async () => {
    plant.setSeasonPhase('all', 'filling');
    for (let s = 0; s < 4 * 3600 && statesOf('filling', ids).join() !== 'passed'; s += 3 * STEP_S) await run(3 * STEP_S, 3 * STEP_S);
    expect(statesOf('filling', ids)).toEqual(['passed']);
  }, 90_000);

  it('fails the two leaking loops in the pressure test with their curve and a work order; the rest pass', async () => {
    for (const id of leaking) plant.injectFault({ kind: 'leak', substation: id, severity: 0.1 });
    plant.setSeasonPhase('all', 'pressure_test');
    // The make-up pumps raise each loop in minutes, then the 15 min hold.
    const judged = () => ids.every((id) => ['passed', 'failed'].includes(checksAt('pressure_test')[id]));
    for (let s = 0; s < 2 * 3600 && !judged(); s += TEST_STEP_S) await run(TEST_STEP_S, TEST_STEP_S);
    expect(statesOf('pressure_test', tight)).toEqual(['passed']);
    expect(statesOf('pressure_test', leaking)).toEqual(['failed']);
    for (const id of leaking) {
      const check = season.checks(id).find((c) => c.phase === 'pressure_test')!;
      expect(check.code).toBe('drop');
      const curve = check.evidence!.curves['secondary.supply_pressure'];
      expect(curve.length).toBeGreaterThan(2);
      // The evidence shows the fall: its first level over its last by more than the limit.
      expect(curve[0][1] - curve.at(-1)![1]).toBeGreaterThan(0.02);
      const order = alarms.workOrders.get(check.workOrder!);
      expect(order).toMatchObject({ alarm: 'season.pressure_test', substation: id, crew: 'north-crew', alarmId: null, state: 'assigned' });
      expect(order.notes[0].text).toMatch(/drop_mpa=/);
    }
    expect(alarms.workOrders.list().filter((o) => o.alarm.startsWith('season.')).map((o) => o.substation).sort()).toEqual([...leaking].sort());
  }, 90_000);

  it('runs the tight loops cold, then hot; the leaking two wait for their repair', async () => {
    plant.setSeasonPhase(tight, 'cold_run');
    plant.setSeasonPhase(leaking, 'filling');
    // The test pressure's release in short steps, as the alarm engine would see it live (its fall
    // is no leak, and the alarm it may raise clears before the cold run settles); then long ones.
    await run(15 * 60, TEST_STEP_S);
    await run(2.25 * 3600, LONG_STEP_S);
    expect(statesOf('cold_run', tight)).toEqual(['passed']);
    plant.setSeasonPhase(tight, 'hot');
    // The source's heat reaches the far substations hours after lighting; then an hour at the standard.
    for (let s = 0; s < 10 * 3600 && statesOf('hot_run', tight).join() !== 'passed'; s += LONG_STEP_S) await run(LONG_STEP_S, LONG_STEP_S);
    expect(statesOf('hot_run', tight)).toEqual(['passed']);
  }, 120_000);

  it("shows on the board each phase's counts and the two late ones first", async () => {
    const res = await fetch(`${api.url}/api/season/board`, { headers: bearer(token) });
    const board = (await res.json()) as SeasonBoard;
    const phase = (p: string) => board.phases.find((b) => b.phase === p)!;
    expect(phase('filling')).toMatchObject({ total: 20, passed: 20, late: 0 });
    expect(phase('pressure_test')).toMatchObject({ total: 20, passed: 18, failed: 2, late: 2 });
    expect(phase('pressure_test').open.map((r) => [r.substation, r.late])).toEqual([...leaking].sort().map((id) => [id, true]));
    expect(phase('cold_run')).toMatchObject({ total: 20, passed: 18, pending: 2, late: 0 });
    expect(phase('hot_run')).toMatchObject({ total: 20, passed: 18 });
    expect(phase('inspection')).toMatchObject({ passed: 0, pending: 20 });
    // At the pace so far the last two are forecast, after the deadline: at risk.
    expect(phase('pressure_test').atRisk).toBe(true);
  });
});
