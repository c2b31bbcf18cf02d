import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Auth } from '../auth/auth.ts';
import { registerErrorHandlers } from '../errors.ts';
import { bearer, guardApp, testAuth } from '../../tests/helpers/auth.ts';
import { seasonHarness, T0 } from '../../season/test-support.ts';
import { seasonRoutes } from './season.ts';

// The season plugin on its own behind the guard, over a role whose scripted plant has been
// through filling and a pressure test with one leak; and without a role (503).

async function appWith(season: Parameters<typeof seasonRoutes>[1]['season'], auth: Auth): Promise<FastifyInstance> {
  const app = Fastify({ ajv: { customOptions: { coerceTypes: true } } });
  registerErrorHandlers(app);
  guardApp(app, auth);
  await app.register(seasonRoutes, { season });
  await app.ready();
  return app;
}

describe('/api/season', () => {
  let app: FastifyInstance;
  let off: FastifyInstance;
  let auth: Auth;
  let as: Record<'viewer' | 'operator' | 'engineer', { authorization: string }>;
  const ids = ['S001', 'S002', 'S003', 'S004'];
  // The pressure test is due an hour into the scripted plant: the leaking S003 is late by then.
  const h = seasonHarness(ids, ['S003'], { judges: { pressure_test: { hold_min: 30 } }, deadlines: { pressure_test: new Date(T0 + 3_600_000).toISOString() }, companies: [{ id: 'harbin', areas: [{ id: 'north', substations: ids }] }] });

  beforeAll(async () => {
    const test = await testAuth();
    auth = test.auth;
    as = { viewer: bearer(test.tokens.viewer), operator: bearer(test.tokens.operator), engineer: bearer(test.tokens.engineer) };
    h.run(10, 'filling', ids);
    h.run(40, 'pressure_test', ids);
    h.run(20, 'filling', ids);
    app = await appWith(h.role, auth);
    off = await appWith(undefined, auth);
  });
  afterAll(async () => {
    await app.close();
    await off.close();
  });

  it('shows the board: counts per phase, the late one first, a forecast', async () => {
    const res = await app.inject({ url: '/api/season/board', headers: as.viewer });
    expect(res.statusCode).toBe(200);
    const test = res.json<{ phases: { phase: string; passed: number; failed: number; late: number; total: number; open: { substation: string; late: boolean }[]; forecastDoneAt: number | null }[] }>().phases.find((p) => p.phase === 'pressure_test')!;
    expect(test).toMatchObject({ total: 4, passed: 3, failed: 1, late: 1 });
    expect(test.open[0]).toMatchObject({ substation: 'S003', late: true });
    expect(test.forecastDoneAt).not.toBeNull();
  });

  it("gives a substation's checklist with the pressure curve as evidence, and the plan", async () => {
    const res = await app.inject({ url: '/api/season/checklist/S003', headers: as.viewer });
    const check = res.json<{ phase: string; state: string; evidence: { curves: Record<string, number[][]> }; workOrder: number }[]>().find((c) => c.phase === 'pressure_test')!;
    expect(check.state).toBe('failed');
    expect(check.evidence.curves['secondary.supply_pressure'].length).toBeGreaterThan(3);
    expect(check.workOrder).toBeGreaterThan(0);
    expect((await app.inject({ url: '/api/season/checklist/S999', headers: as.viewer })).json()).toMatchObject({ code: 'HS_ERR_UNKNOWN_SUBSTATION' });
    const plan = (await app.inject({ url: '/api/season/plan', headers: as.viewer })).json<{ entries: { substation: string; area: string }[] }>();
    expect(plan.entries.map((e) => e.area)).toEqual(['north', 'north', 'north', 'north']);
  });

  it('serves the CSV and the printable report in zh and en', async () => {
    const csv = await app.inject({ url: '/api/season/checklist.csv', headers: as.viewer });
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.body.trim().split('\n');
    expect(lines).toHaveLength(1 + 4 * 5);
    expect(lines.find((l) => l.includes('S003,harbin,north,pressure_test'))).toMatch(/,failed,.*,true,/);
    const zh = await app.inject({ url: '/api/season/report?phase=pressure_test&lang=zh', headers: as.viewer });
    expect(zh.headers['content-type']).toMatch(/text\/html/);
    expect(zh.body).toContain('试压');
    expect(zh.body).toContain('@page { size: A4');
    expect(zh.body).toContain('<svg');
    expect((await app.inject({ url: '/api/season/report?phase=nope', headers: as.viewer })).statusCode).toBe(400);
  });

  it('lets an engineer tick inspection with a note, audited; refuses operators and judged phases', async () => {
    const url = '/api/season/checklist/S001/inspection';
    expect((await app.inject({ method: 'POST', url, headers: as.operator, payload: { state: 'passed', note: 'x' } })).statusCode).toBe(403);
    const res = await app.inject({ method: 'POST', url, headers: as.engineer, payload: { state: 'passed', note: 'valves, filter, pump checked' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ state: 'passed', who: 'engineer', note: 'valves, filter, pump checked' });
    const judged = await app.inject({ method: 'POST', url: '/api/season/checklist/S001/pressure_test', headers: as.engineer, payload: { state: 'passed', note: 'trust me' } });
    expect(judged.json()).toMatchObject({ code: 'HS_ERR_SEASON_JUDGED' });
    expect((await app.inject({ method: 'POST', url, headers: as.engineer, payload: { state: 'passed' } })).statusCode).toBe(400);
    const audit = auth.trail.search({ action: 'season.change' });
    // Newest first: every attempt, refused ones too, with who made it.
    expect(audit.map((a) => [a.actor, a.target, a.outcome])).toEqual([
      ['engineer', 'season:S001/inspection', 'refused'],
      ['engineer', 'season:S001/pressure_test', 'refused'],
      ['engineer', 'season:S001/inspection', 'ok'],
      ['operator', 'season:S001/inspection', 'refused'],
    ]);
    expect(audit[2].newValue).toBe('passed: valves, filter, pump checked');
  });

  it('answers 503 without the role', async () => {
    expect((await off.inject({ url: '/api/season/board', headers: as.viewer })).json()).toMatchObject({ code: 'HS_ERR_SEASON_OFF' });
  });
});
