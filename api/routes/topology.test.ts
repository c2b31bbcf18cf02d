import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCity } from '../../simulators/network/generate.ts';
import { saveNetwork } from '../../simulators/network/load.ts';
import { bearer, guardApp, testAuth } from '../../tests/helpers/auth.ts';
import { loadSiteFile, type ApiContext } from '../context.ts';
import { registerErrorHandlers } from '../errors.ts';
import { LatestTable } from '../live/latest-table.ts';
import type { LiveFeed } from '../live/live-feed.ts';
import { HttpCounters } from '../metrics.ts';
import { networkRoutes } from './network.ts';
import type { TopologyBody } from './topology.ts';

// The network plugin on its own, behind the guard, over the sites a network description file
// gives (as a company supplies it for its plant) and a live table that has also heard of a
// substation the description does not name.

describe('GET /api/network/topology', () => {
  const city = generateCity({ substations: 12, seed: 3 });
  const dir = mkdtempSync(path.join(tmpdir(), 'topology-'));
  let app: FastifyInstance;
  let viewer: { authorization: string };

  beforeAll(async () => {
    const file = path.join(dir, 'network.yaml');
    saveNetwork(city, file);
    const { sites, topology } = loadSiteFile(file);
    const table = new LatestTable(10_000);
    table.set('S999', 'heat.power', { value: 1, quality: 'good', ts: Date.now() }, Date.now());
    const ctx: ApiContext = {
      store: undefined as never,
      feed: { table } as LiveFeed,
      sites: new Map(sites.map((s) => [s.id, s])),
      ...(topology ? { topology } : {}),
      http: new HttpCounters(),
      startedAt: Date.now(),
      liveClients: () => 0,
      pointsPushed: () => 0,
    };
    const test = await testAuth();
    viewer = bearer(test.tokens.viewer);
    app = Fastify();
    registerErrorHandlers(app);
    guardApp(app, test.auth);
    await app.register(networkRoutes, { ctx });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is for signed-in users: 401 without a token', async () => {
    const res = await app.inject({ url: '/api/network/topology' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'HS_ERR_AUTH_REQUIRED' });
  });

  it('gives the source, every junction on its parent and every substation with its pipe, place, names and pinyin initials', async () => {
    const res = await app.inject({ url: '/api/network/topology', headers: viewer });
    expect(res.statusCode).toBe(200);
    const body = res.json<TopologyBody>();
    expect(body.name).toBe(city.name);
    expect(body.source).toEqual({ id: 'SRC', location: city.source.location });
    expect(body.junctions).toEqual(city.junctions.map((j) => ({ id: j.id, parent: j.parent, diameter_mm: j.diameter_mm, location: j.location })));
    const byId = new Map(body.substations.map((s) => [s.id, s]));
    for (const s of city.substations) {
      expect(byId.get(s.id)).toEqual({
        id: s.id,
        parent: s.parent,
        diameter_mm: s.diameter_mm,
        location: s.location,
        name: s.name,
        name_en: s.name_en,
        community: s.community,
        area: s.area,
        initials: expect.stringMatching(/^[a-z0-9]+hrz$/),
      });
    }
    // 实验中学换热站-style names: the initials are the pinyin's first letters.
    const first = byId.get(city.substations[0].id)!;
    expect(first.initials!.length).toBe([...first.name!].length);
    // Heard of in the data but not described: listed, with nothing to place it by.
    expect(byId.get('S999')).toEqual({ id: 'S999' });
    expect(body.substations.some((s) => s.id === 'SRC')).toBe(false);
  });

  it('names the substations in GET /api/network too, with their English form and initials', async () => {
    const body = (await app.inject({ url: '/api/network', headers: viewer })).json<{ substations: { id: string; name?: string; name_en?: string; initials?: string }[] }>();
    const s = city.substations[1];
    expect(body.substations.find((x) => x.id === s.id)).toMatchObject({ name: s.name, name_en: s.name_en, initials: expect.any(String) });
  });
});
