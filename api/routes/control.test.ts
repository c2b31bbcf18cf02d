import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAudit } from '../../control/audit.ts';
import { ControlConfigSchema } from '../../control/config-schema.ts';
import { Controller } from '../../control/controller.ts';
import type { InputSnapshot } from '../../control/inputs.ts';
import { validateDocument } from '../../model/validate.ts';
import { registerErrorHandlers } from '../errors.ts';
import { controlRoutes } from './control.ts';

// The control plugin on its own: with a controller over hand-set inputs, and without one.

async function appWith(controller: Controller | undefined): Promise<FastifyInstance> {
  const app = Fastify({ ajv: { customOptions: { coerceTypes: true } } });
  registerErrorHandlers(app);
  await app.register(controlRoutes, { controller });
  await app.ready();
  return app;
}

describe('/api/control', () => {
  let app: FastifyInstance;
  let off: FastifyInstance;
  let controller: Controller;

  beforeAll(async () => {
    const cfg = validateDocument(ControlConfigSchema, {}, 'HS_ERR_CONFIG_INVALID');
    const now = 1_800_000_000_000;
    const inputs = { mode: 'local' as const, outdoorC: -8, supplyC: 50, returnC: 40, indoorMinC: 17, indoorAvgC: 18, valvePct: 60, valveSetpointPct: 60, supplySetpointC: 50 };
    controller = new Controller(cfg, {
      inputs: { now: () => now, snapshot: async () => new Map<string, InputSnapshot>([['S001', { inputs, oldestTs: now }]]) },
      actuator: { send: async (r) => ({ requestId: r.requestId, tag: r.tag, ok: true, value: r.value }) },
      audit: new MemoryAudit(),
      clock: () => now,
      logger: pino({ level: 'silent' }),
    });
    await controller.cycle();
    app = await appWith(controller);
    off = await appWith(undefined);
  });
  afterAll(async () => {
    await app.close();
    await off.close();
  });

  it('shows every substation against its targets, and what the loop does next', async () => {
    const res = await app.inject('/api/control');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ global: null; substations: { id: string; mode: string; returnTargetC: number; inputs: { returnC: number } }[] }>();
    expect(body.global).toBeNull();
    expect(body.substations[0]).toMatchObject({ id: 'S001', mode: 'auto', inputs: { returnC: 40 } });
    expect(body.substations[0].returnTargetC).toBeGreaterThan(30);
  });

  it('takes a substation and hands it back, audited', async () => {
    const take = await app.inject({ method: 'PUT', url: '/api/control/mode', payload: { substation: 'S001', mode: 'manual', actor: 'api:alice' } });
    expect(take.statusCode).toBe(200);
    expect(take.json<{ substations: { mode: string }[] }>().substations[0].mode).toBe('manual');
    await app.inject({ method: 'PUT', url: '/api/control/mode', payload: { substation: 'S001', mode: 'auto', actor: 'api:alice' } });
    const audit = (await app.inject('/api/control/audit?limit=5')).json<{ actor: string; why: string }[]>();
    expect(audit.map((e) => e.why)).toEqual(['loop mode auto', 'loop mode manual']);
  });

  it('answers bad input with the field, an unknown substation with 404', async () => {
    const bad = await app.inject({ method: 'PUT', url: '/api/control/mode', payload: { mode: 'turbo', actor: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'body.mode' });
    const unknown = await app.inject({ method: 'PUT', url: '/api/control/mode', payload: { substation: 'S999', mode: 'manual', actor: 'x' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'HS_ERR_UNKNOWN_SUBSTATION' });
  });

  it('reads and changes the curve for engineers', async () => {
    const curve = (await app.inject('/api/control/curve')).json<{ radiator: { design_supply_c: number } }>();
    expect(curve.radiator.design_supply_c).toBe(60);
    const changed = await app.inject({ method: 'PUT', url: '/api/control/curve', payload: { actor: 'api:eng', curve: { ...curve, radiator: { ...curve.radiator, design_supply_c: 65 } } } });
    expect(changed.statusCode).toBe(200);
    expect(controller.curve.radiator.design_supply_c).toBe(65);
  });

  it('answers 503 HS_ERR_CONTROL_OFF without a loop', async () => {
    for (const url of ['/api/control', '/api/control/curve', '/api/control/audit']) {
      const res = await off.inject(url);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'HS_ERR_CONTROL_OFF' });
    }
  });
});
