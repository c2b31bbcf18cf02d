import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmStore } from '../../alarms/alarm-store.ts';
import type { AlarmService } from '../../alarms/alarms.ts';
import { WorkOrders } from '../../alarms/work-orders.ts';
import type { AuditRecord } from '../../model/audit.ts';
import type { Role } from '../../model/security.ts';
import type { BuildingEntry, Complaint } from '../../model/service.ts';
import { AddressBook } from '../../service/address-book.ts';
import { MAPPING_12345, resolveServiceConfig } from '../../service/config-schema.ts';
import { exportCsv, exportXlsx } from '../../service/import/write-export.ts';
import { startService, type ServiceRole } from '../../service/start.ts';
import { SqliteAuditTrail } from '../../store/audit/sqlite-audit-trail.ts';
import { bearer, guardApp, TEST_CREW, testAuth } from '../../tests/helpers/auth.ts';
import { sampleTickets, withBadRows } from '../../tests/helpers/ticket-export.ts';
import type { ApiContext } from '../context.ts';
import { registerErrorHandlers } from '../errors.ts';
import { LatestTable } from '../live/latest-table.ts';
import type { LiveFeed } from '../live/live-feed.ts';
import { HttpCounters } from '../metrics.ts';
import { serviceRoutes } from './service.ts';

// The service plugin on its own, behind the guard with the real test users (one per role, the
// crew user in crew-1), over a real service role: complaints in SQLite, the address book, work
// orders of two crews, the audit trail, and a live table with one substation's indoor figures.

const PHONE = '13812345678';
const SECOND_PHONE = '13998765432';
const MASKED = '138****5678';
const BUILDINGS: BuildingEntry[] = [
  { community: '阳光花园', building: '1号楼', substation: 'S001', areaM2: 12000, households: 130 },
  { community: '阳光花园', building: '2号楼', substation: 'S001', areaM2: 9000, households: 100 },
  { community: '锦绣家园', building: '5号楼', substation: 'S003', areaM2: 15000, households: 160 },
];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe('/api/service', () => {
  let app: FastifyInstance;
  let off: FastifyInstance;
  let role: ServiceRole;
  let apiTrail: SqliteAuditTrail;
  let as: Record<Role, { authorization: string }>;
  const table = new LatestTable(60_000);

  beforeAll(async () => {
    const test = await testAuth();
    apiTrail = test.auth.trail as SqliteAuditTrail;
    as = Object.fromEntries(Object.entries(test.tokens).map(([r, t]) => [r, bearer(t)])) as Record<Role, { authorization: string }>;
    const database = new Database(':memory:');
    const log = pino({ level: 'silent' });
    const workOrders = new WorkOrders(
      database,
      { groups: { north: ['S001', 'S002'], south: ['S003'] }, crews: [{ id: TEST_CREW, name: '北区抢修队', groups: ['north'] }, { id: 'crew-2', name: '南区抢修队', groups: ['south'] }], repeat_window_days: 30 },
      Date.now,
      log,
    );
    role = await startService(resolveServiceConfig({}), { database, workOrders, audit: new SqliteAuditTrail(database), addressBook: new AddressBook(BUILDINGS), logger: log });
    table.set('S001', 'indoor.temp_avg', { value: 16.4, quality: 'good', ts: Date.now() }, Date.now());
    table.set('S001', 'indoor.temp_min', { value: 15.1, quality: 'good', ts: Date.now() }, Date.now());
    table.setOnline('S001', true, Date.now());
    const ctx: ApiContext = {
      store: undefined as never,
      feed: { table } as LiveFeed,
      sites: new Map([['S001', { id: 'S001', name: '阳光花园换热站' }]]),
      http: new HttpCounters(),
      startedAt: Date.now(),
      liveClients: () => 0,
      pointsPushed: () => 0,
    };
    // The alarm role's store and work orders, without its engine: what the context route reads.
    const alarms = { alarms: new AlarmStore(database), workOrders } as unknown as AlarmService;
    const build = async (service: ServiceRole | undefined) => {
      const instance = Fastify({ ajv: { customOptions: { coerceTypes: true } } });
      registerErrorHandlers(instance);
      guardApp(instance, test.auth);
      await instance.register(serviceRoutes, { service, ctx, alarms });
      await instance.ready();
      return instance;
    };
    app = await build(role);
    off = await build(undefined);
  });
  afterAll(async () => {
    await app.close();
    await off.close();
    await role.close();
  });

  const call = (who: Role | undefined, options: InjectOptions) => app.inject({ ...options, headers: { ...(who ? as[who] : {}), ...(options.headers ?? {}) } });
  const get = (who: Role, url: string) => call(who, { url });
  const post = (who: Role, url: string, payload: object = {}) => call(who, { method: 'POST', url, payload });
  const intake = (building: BuildingEntry, room: string, extra: object = {}) => ({
    channel: 'hotline',
    address: { community: building.community, building: building.building, unit: '1', room },
    phone: PHONE,
    category: 'cold_home',
    words: `卧室只有16度，也可以打我爱人的电话 ${SECOND_PHONE}`,
    ...extra,
  });
  const created = async (building: BuildingEntry, room: string): Promise<Complaint> => {
    const res = await post('hotline', '/api/service/complaints', intake(building, room));
    expect(res.statusCode).toBe(200);
    return res.json<Complaint>();
  };

  it('answers 503 HS_ERR_SERVICE_OFF without the role, and 401 before that without a token', async () => {
    expect((await off.inject({ url: '/api/service/complaints' })).statusCode).toBe(401);
    const res = await off.inject({ url: '/api/service/kpis?by=company', headers: as.viewer });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'HS_ERR_SERVICE_OFF' });
  });

  it('lets only the hotline take a complaint, refuses bad fields naming them, and places it through the address book', async () => {
    for (const who of ['viewer', 'operator', 'crew'] as const) expect((await post(who, '/api/service/complaints', intake(BUILDINGS[0], '301'))).statusCode).toBe(403);
    const badPhone = await post('hotline', '/api/service/complaints', intake(BUILDINGS[0], '301', { phone: 'call me' }));
    expect(badPhone.statusCode).toBe(400);
    expect(badPhone.json()).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'body.phone' });
    const proactive = await post('hotline', '/api/service/complaints', intake(BUILDINGS[0], '301', { channel: 'proactive' }));
    expect(proactive.json()).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'body.channel' });
    const nowhere = await post('hotline', '/api/service/complaints', intake({ ...BUILDINGS[0], building: '99号楼' }, '301'));
    expect(nowhere.statusCode).toBe(400);
    expect(nowhere.json<{ code: string; path: string }>()).toMatchObject({ code: 'HS_ERR_SERVICE_ADDRESS', path: expect.stringMatching(/building$/) });
    const complaint = await created(BUILDINGS[0], '301');
    expect(complaint).toMatchObject({ substation: 'S001', state: 'received', phone: PHONE, channel: 'hotline' });
  });

  it('shows a viewer (and every role but the hotline) no phone number in the list, one complaint, its context or the CSV', async () => {
    const complaint = await created(BUILDINGS[1], '502');
    // The crew sees its own crew's complaints: dispatch this one to crew-1 (S001 is in north).
    expect((await post('hotline', `/api/service/complaints/${complaint.id}/dispatch`)).json()).toMatchObject({ state: 'dispatched', crew: TEST_CREW });
    for (const who of ['viewer', 'operator', 'engineer', 'admin', 'crew'] as const) {
      const bodies = [
        (await get(who, '/api/service/complaints')).body,
        (await get(who, `/api/service/complaints/${complaint.id}`)).body,
        (await get(who, `/api/service/complaints/${complaint.id}/context`)).body,
        (await get(who, '/api/service/complaints?format=csv')).body,
      ];
      for (const body of bodies) {
        expect(body, who).not.toContain(PHONE);
        expect(body, who).not.toContain(SECOND_PHONE);
      }
      // The context shows the phones of the other complaints from the substation, if any.
      for (const body of [bodies[0], bodies[1], bodies[3]]) expect(body, who).toContain(MASKED);
    }
    const hotline = [(await get('hotline', '/api/service/complaints')).body, (await get('hotline', `/api/service/complaints/${complaint.id}`)).body, (await get('hotline', '/api/service/complaints?format=csv')).body];
    for (const body of hotline) {
      expect(body).toContain(PHONE);
      expect(body).toContain(SECOND_PHONE);
    }
  });

  it("gives a crew member its own crew's complaints only, and lets it (and only it, or the admin) record on site and resolved", async () => {
    const ours = await created(BUILDINGS[0], '701');
    const theirs = await created(BUILDINGS[2], '702');
    const undispatched = await created(BUILDINGS[0], '703');
    await post('hotline', `/api/service/complaints/${ours.id}/dispatch`, { note: '住户在家' });
    expect((await post('hotline', `/api/service/complaints/${theirs.id}/dispatch`)).json()).toMatchObject({ crew: 'crew-2' });

    const list = (await get('crew', '/api/service/complaints?limit=500')).json<Complaint[]>();
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((c) => c.crew === TEST_CREW)).toBe(true);
    expect(list.map((c) => c.id)).toContain(ours.id);
    expect(list.map((c) => c.id)).not.toContain(theirs.id);
    expect(list.map((c) => c.id)).not.toContain(undispatched.id);
    expect((await get('crew', '/api/service/complaints?crew=crew-2')).json()).toMatchObject({ code: 'HS_ERR_FORBIDDEN', path: 'querystring.crew' });
    expect((await get('crew', `/api/service/complaints/${theirs.id}`)).statusCode).toBe(403);
    expect((await get('crew', `/api/service/complaints/${theirs.id}/context`)).statusCode).toBe(403);
    const csv = (await get('crew', '/api/service/complaints?format=csv')).body;
    expect(csv).not.toContain('锦绣家园');

    expect((await post('crew', `/api/service/complaints/${theirs.id}/on-site`, { tempC: 17, instrument: 'T-9' })).statusCode).toBe(403);
    expect((await post('viewer', `/api/service/complaints/${ours.id}/on-site`, { tempC: 17, instrument: 'T-9' })).statusCode).toBe(403);
    expect((await post('hotline', `/api/service/complaints/${ours.id}/on-site`, { tempC: 17, instrument: 'T-9' })).statusCode).toBe(403);
    expect((await post('operator', `/api/service/complaints/${ours.id}/on-site`, { tempC: 17, instrument: 'T-9' })).statusCode).toBe(403);
    const onSite = await post('crew', `/api/service/complaints/${ours.id}/on-site`, { tempC: 16.5, instrument: '测温枪 TM-3 #0417' });
    expect(onSite.json()).toMatchObject({ state: 'on_site', measurement: { tempC: 16.5, instrument: '测温枪 TM-3 #0417' } });
    expect((await post('crew', `/api/service/complaints/${ours.id}/resolve`, { fix: '放气，调平衡阀' })).json()).toMatchObject({ state: 'resolved', fix: '放气，调平衡阀' });
    // The admin may stand in for a crew.
    const at = Date.now() - 60_000;
    expect((await post('admin', `/api/service/complaints/${theirs.id}/on-site`, { tempC: 19, instrument: 'T-9', at })).json()).toMatchObject({ measurement: { at } });
    expect((await post('admin', `/api/service/complaints/${theirs.id}/resolve`, { fix: null })).json()).toMatchObject({ state: 'resolved', fix: null });
  });

  it('runs the follow-up and the closure as the hotline, refuses a step out of order and a follow-up that contradicts itself', async () => {
    const c = await created(BUILDINGS[0], '801');
    expect((await post('hotline', `/api/service/complaints/${c.id}/close`)).statusCode).toBe(409);
    await post('hotline', `/api/service/complaints/${c.id}/dispatch`);
    expect((await post('hotline', `/api/service/complaints/${c.id}/dispatch`)).json()).toMatchObject({ code: 'HS_ERR_SERVICE_STATE' });
    await post('crew', `/api/service/complaints/${c.id}/on-site`, { tempC: 16.5, instrument: 'TM-3' });
    await post('crew', `/api/service/complaints/${c.id}/resolve`, { fix: '更换阀门' });
    const contradiction = await post('hotline', `/api/service/complaints/${c.id}/follow-up`, { reached: false, satisfied: true, words: '' });
    expect(contradiction.json()).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'body.satisfied' });
    expect((await post('operator', `/api/service/complaints/${c.id}/follow-up`, { reached: true, satisfied: true, words: '暖和了' })).statusCode).toBe(403);
    expect((await post('hotline', `/api/service/complaints/${c.id}/follow-up`, { reached: true, satisfied: true, words: `暖和了，有事打 ${SECOND_PHONE}` })).json()).toMatchObject({ state: 'followed_up', followUp: { reached: true, satisfied: true } });
    const viewerSees = await get('viewer', `/api/service/complaints/${c.id}`);
    expect(viewerSees.body).not.toContain(SECOND_PHONE);
    expect((await post('hotline', `/api/service/complaints/${c.id}/close`)).json()).toMatchObject({ state: 'closed', falseClosureRisk: [] });
  });

  it("shows beside a complaint its substation's live figures, the open order there and the other complaints from it today", async () => {
    const first = await created(BUILDINGS[0], '901');
    const second = await created(BUILDINGS[1], '902');
    await post('hotline', `/api/service/complaints/${first.id}/dispatch`);
    const context = (await get('viewer', `/api/service/complaints/${second.id}/context`)).json<{
      substation: { id: string; name: string; status: string; values: Record<string, number>; at: number };
      orders: { id: number; substation: string }[];
      alarms: unknown[];
      recent: Complaint[];
    }>();
    expect(context.substation).toMatchObject({ id: 'S001', name: '阳光花园换热站', status: 'online', values: { 'indoor.temp_avg': 16.4, 'indoor.temp_min': 15.1 } });
    expect(context.orders.map((o) => o.substation)).toContain('S001');
    expect(context.alarms).toEqual([]);
    expect(context.recent.map((c) => c.id)).toContain(first.id);
    expect(context.recent.map((c) => c.id)).not.toContain(second.id);
    expect(context.recent.every((c) => c.substation === 'S001' && c.phone === MASKED)).toBe(true);
  });

  describe('POST /api/service/import', () => {
    const tickets = sampleTickets(600, BUILDINGS, Date.UTC(2026, 10, 25));
    const csv = (rows = tickets) => exportCsv(MAPPING_12345, rows);
    const upload = (who: Role, body: string | Buffer, query = '', type = 'text/csv') => call(who, { method: 'POST', url: `/api/service/import${query}`, payload: body, headers: { 'content-type': type } });
    const imports = (): AuditRecord[] => apiTrail.search({ target: 'import:' });

    it('imports nothing from a file with bad rows and names every one; then all rows; then none again; audited each time', async () => {
      // Three bad rows of three kinds (the ten kinds are the import's own test).
      const broken = tickets.map((t, i) => (i === 7 ? { ...t, received_at: '2026-13-01 08:00:00' } : i === 20 ? { ...t, building: '99号楼' } : i === 33 ? { ...t, category: '暖气片坏了' } : t));
      const bad = await upload('hotline', csv(broken));
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({
        code: 'HS_ERR_IMPORT_INVALID',
        errors: [
          { row: 9, column: '受理时间', message: expect.stringContaining('not a time: 2026-13-01') },
          { row: 22, column: '楼号', message: expect.stringContaining('99号楼') },
          { row: 35, column: '诉求类别', message: expect.stringContaining('暖气片坏了') },
        ],
      });
      expect((await get('hotline', '/api/service/complaints?channel=12345')).json()).toEqual([]);
      expect((await upload('hotline', csv(), '?mapping=12345')).json()).toEqual({ imported: 600, duplicates: 0 });
      expect((await get('hotline', '/api/service/complaints?channel=12345&limit=500')).json<Complaint[]>()).toHaveLength(500);
      expect((await upload('hotline', csv())).json()).toEqual({ imported: 0, duplicates: 600 });
      expect(imports().map((r) => [r.actor, r.outcome])).toEqual([
        ['hotline', 'ok'],
        ['hotline', 'ok'],
        ['hotline', 'refused'],
      ]);
      expect(imports()[0].newValue).toBe('0 imported, 600 duplicates of 600 rows');
    });

    it('is the hotline’s, takes CSV or XLSX only, and names an unknown mapping', async () => {
      expect((await upload('viewer', csv())).statusCode).toBe(403);
      expect((await upload('operator', csv())).statusCode).toBe(403);
      const json = await call('hotline', { method: 'POST', url: '/api/service/import', payload: { rows: [] } });
      expect(json.json()).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'headers.content-type' });
      expect((await upload('hotline', csv(), '?mapping=wechat')).json()).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'querystring.mapping' });
      const workbook = await exportXlsx(MAPPING_12345, tickets.slice(0, 2).map((t) => ({ ...t, ticket: `XLSX-${t.ticket}` })));
      expect((await upload('hotline', workbook, '', XLSX)).json()).toEqual({ imported: 2, duplicates: 0 });
      const notXlsx = await upload('hotline', Buffer.from('not a workbook'), '', XLSX);
      expect(notXlsx.json()).toMatchObject({ code: 'HS_ERR_IMPORT_INVALID', errors: [{ message: expect.stringContaining('not an XLSX workbook') }] });
    });

    it('takes a season-sized file past the JSON body limit', async () => {
      const big = csv(withBadRows(sampleTickets(3000, BUILDINGS, Date.UTC(2026, 11, 1))));
      expect(Buffer.byteLength(big)).toBeGreaterThan(256 * 1024);
      const res = await upload('hotline', big);
      expect(res.statusCode).toBe(400);
      expect(res.json<{ errors: unknown[] }>().errors).toHaveLength(10);
    });
  });

  it('gives the KPIs as JSON and CSV, and the address book’s completion', async () => {
    const company = (await get('viewer', '/api/service/kpis?by=company')).json<{ key: string; complaints: number }[]>();
    // More complaints than one page: the CSV holds every one, page after page.
    const lines = (await get('viewer', '/api/service/complaints?format=csv')).body.trim().split('\n');
    expect(company[0].complaints).toBeGreaterThan(500);
    expect(company).toEqual([expect.objectContaining({ key: 'company' })]);
    expect(lines).toHaveLength(1 + company[0].complaints);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(company[0].complaints);
    // Groups where nobody was followed up yet (锦绣家园): their rates are null, not a failure.
    const communities = await get('viewer', '/api/service/kpis?by=community');
    expect(communities.statusCode).toBe(200);
    expect(communities.json<{ key: string; satisfactionRate: number | null }[]>().find((k) => k.key === '锦绣家园')).toMatchObject({ satisfactionRate: null });
    const csv = await get('viewer', '/api/service/kpis?by=area&format=csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\n')[0]).toBe('area,complaints,first_response_min,within_limit_rate,closure_rate,satisfaction_rate,effective_follow_up_rate,repeat_rate,per_10k_m2,per_1k_households,false_closure_risks,reached_by_order');
    expect((await get('viewer', '/api/service/kpis?by=street')).json()).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'querystring.by' });
    expect((await get('viewer', '/api/service/kpis?by=day&from=yesterday')).json()).toMatchObject({ path: 'querystring.from' });
    const book = (await get('viewer', `/api/service/address-book?q=${encodeURIComponent('锦绣')}`)).json<BuildingEntry[]>();
    expect(book).toEqual([BUILDINGS[2]]);
  });
});
