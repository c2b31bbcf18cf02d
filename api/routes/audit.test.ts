import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../model/audit.ts';
import type { PlantRole } from '../../model/security.ts';
import type { SqliteAuditTrail } from '../../store/audit/sqlite-audit-trail.ts';
import { bearer, guardApp, testAuth } from '../../tests/helpers/auth.ts';
import { registerErrorHandlers } from '../errors.ts';
import { auditRoutes } from './audit.ts';

// The audit plugin on its own, behind the guard, over a trail in an in-memory database.

describe('/api/audit', () => {
  let app: FastifyInstance;
  let trail: SqliteAuditTrail;
  let as: Record<PlantRole, { authorization: string }>;
  const T0 = Date.UTC(2026, 0, 10);

  beforeAll(async () => {
    const test = await testAuth();
    trail = test.auth.trail as SqliteAuditTrail;
    as = { viewer: bearer(test.tokens.viewer), operator: bearer(test.tokens.operator), engineer: bearer(test.tokens.engineer), admin: bearer(test.tokens.admin) };
    app = Fastify({ ajv: { customOptions: { coerceTypes: true } } });
    registerErrorHandlers(app);
    guardApp(app, test.auth);
    await app.register(auditRoutes, { trail });
    await app.ready();
    // 1500 records: more than one page of the CSV export.
    for (let i = 0; i < 1500; i++) {
      trail.append({ ts: T0 + i * 1000, actor: i % 3 === 0 ? 'alice' : 'control', source: 'loop', action: 'plant.write', target: `S00${i % 4}/primary.valve_setpoint`, oldValue: i, newValue: -i, outcome: i % 10 === 0 ? 'refused' : 'ok' });
    }
    trail.append({ ts: T0 + 2_000_000, actor: 'mallory', source: '10.0.0.9', action: 'auth.login', target: 'user:mallory', outcome: 'failed', detail: '=HYPERLINK("http://x"),"say ""hi"""' });
  });
  afterAll(async () => {
    await app.close();
  });

  const get = (url: string, role?: PlantRole) => app.inject({ url, headers: role ? as[role] : {} });

  it('lets engineers search and admins verify; smaller roles get 403, no token 401', async () => {
    expect((await get('/api/audit')).statusCode).toBe(401);
    expect((await get('/api/audit', 'operator')).json()).toMatchObject({ code: 'HS_ERR_FORBIDDEN' });
    expect((await get('/api/audit.csv', 'viewer')).statusCode).toBe(403);
    expect((await get('/api/audit/verify', 'engineer')).statusCode).toBe(403);
    expect((await get('/api/audit', 'engineer')).statusCode).toBe(200);
    expect((await get('/api/audit/verify', 'admin')).json()).toEqual({ ok: true, checked: 1501 });
  });

  it('filters by actor, action, target prefix, outcome and time, newest first, and pages back with before', async () => {
    const page = (await get(`/api/audit?actor=alice&target=S001&outcome=ok&limit=3&from=${T0 + 100_000}&to=${new Date(T0 + 900_000).toISOString()}`, 'engineer')).json<{ records: AuditRecord[] }>();
    expect(page.records).toHaveLength(3);
    for (const r of page.records) expect(r).toMatchObject({ actor: 'alice', outcome: 'ok', action: 'plant.write' });
    expect(page.records.every((r) => r.target.startsWith('S001/') && r.ts >= T0 + 100_000 && r.ts <= T0 + 900_000)).toBe(true);
    expect(page.records[0].id).toBeGreaterThan(page.records[2].id);
    const next = (await get(`/api/audit?actor=alice&target=S001&outcome=ok&limit=3&before=${page.records[2].id}`, 'engineer')).json<{ records: AuditRecord[] }>();
    expect(next.records[0].id).toBeLessThan(page.records[2].id);
    const logins = (await get('/api/audit?action=auth.login', 'engineer')).json<{ records: AuditRecord[] }>();
    expect(logins.records.map((r) => r.actor)).toEqual(['mallory']);
  });

  it.each([
    ['limit=0', 'querystring.limit'],
    ['limit=1001', 'querystring.limit'],
    ['action=plant.delete', 'querystring.action'],
    ['outcome=maybe', 'querystring.outcome'],
    ['before=-1', 'querystring.before'],
    ['from=yesterday', 'querystring.from'],
    ['to=1e400', 'querystring.to'],
  ])('refuses %s with 400 HS_ERR_BAD_REQUEST at %s', async (query, path) => {
    const res = await get(`/api/audit?${query}`, 'engineer');
    expect(res.statusCode).toBe(400);
    const body = res.json<{ code: string; path: string }>();
    expect(body.code).toBe('HS_ERR_BAD_REQUEST');
    expect(body.path.startsWith(path)).toBe(true);
  });

  it('exports every matching record as CSV, page after page, with text a spreadsheet would run defused', async () => {
    const res = await get('/api/audit.csv', 'engineer');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="heatscada-audit-.+\.csv"$/);
    const lines = res.body.trimEnd().split('\n');
    expect(lines[0]).toBe('id,ts,actor,source,action,target,oldValue,newValue,outcome,detail,prev,hash');
    expect(lines).toHaveLength(1 + 1501);
    expect(lines[1]).toMatch(/^1501,2026-01-10T00:33:20\.000Z,mallory,10\.0\.0\.9,auth\.login,user:mallory,,,failed,"'=HYPERLINK\(""http:\/\/x""\),""say """"hi""""""",/);
    // A negative number stays a number.
    expect(lines[2]).toMatch(/^1500,[^,]+,control,loop,plant\.write,S003\/primary\.valve_setpoint,1499,-1499,ok,,/);
    expect(lines.at(-1)).toMatch(/^1,/);
    const alice = (await get('/api/audit.csv?actor=alice&target=S000', 'engineer')).body.trimEnd().split('\n');
    expect(alice.slice(1).every((l) => l.includes(',alice,') && l.includes(',S000/'))).toBe(true);
  });

  it('verify names the first record that was edited', async () => {
    trail['db'].prepare("UPDATE audit_log SET actor = 'bob' WHERE id = 700").run();
    expect((await get('/api/audit/verify', 'admin')).json()).toMatchObject({ ok: false, brokenAt: 700, checked: 699 });
  });
});
