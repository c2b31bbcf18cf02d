import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAudit } from '../../control/audit.ts';
import { ControlConfigSchema } from '../../control/config-schema.ts';
import { Controller } from '../../control/controller.ts';
import { decisionReason, type Decision } from '../../control/reason.ts';
import type { InputSnapshot } from '../../control/inputs.ts';
import { validateDocument } from '../../model/validate.ts';
import { bearer, guardApp, testAuth } from '../../tests/helpers/auth.ts';
import type { Auth } from '../auth/auth.ts';
import { registerErrorHandlers } from '../errors.ts';
import { controlRoutes } from './control.ts';

// The control plugin on its own, behind the guard: with a controller over hand-set inputs, and
// without one.

async function appWith(controller: Controller | undefined, auth: Auth): Promise<FastifyInstance> {
  const app = Fastify({ ajv: { customOptions: { coerceTypes: true } } });
  registerErrorHandlers(app);
  guardApp(app, auth);
  await app.register(controlRoutes, { controller });
  await app.ready();
  return app;
}

describe('/api/control', () => {
  let app: FastifyInstance;
  let off: FastifyInstance;
  let controller: Controller;
  let clock: number;
  let auth: Auth;
  let as: Record<'operator' | 'engineer' | 'viewer', { authorization: string }>;

  beforeAll(async () => {
    const test = await testAuth();
    auth = test.auth;
    as = { viewer: bearer(test.tokens.viewer), operator: bearer(test.tokens.operator), engineer: bearer(test.tokens.engineer) };
    const cfg = validateDocument(ControlConfigSchema, {}, 'HS_ERR_CONFIG_INVALID');
    const now = 1_800_000_000_000;
    clock = now;
    const inputs = { mode: 'local' as const, outdoorC: -8, supplyC: 50, returnC: 40, indoorMinC: 17, indoorAvgC: 18, valvePct: 60, valveSetpointPct: 60, supplySetpointC: 50 };
    controller = new Controller(cfg, {
      // S002's homes are warm: the curve alone, raised for S001, would overheat them.
      inputs: { now: () => now, snapshot: async () => new Map<string, InputSnapshot>([['S001', { inputs, oldestTs: now }], ['S002', { inputs: { ...inputs, indoorMinC: 19.5, indoorAvgC: 20 }, oldestTs: now }]]) },
      actuator: { send: async (r) => ({ requestId: r.requestId, tag: r.tag, ok: true, value: r.value }) },
      audit: new MemoryAudit(),
      clock: () => clock,
      logger: pino({ level: 'silent' }),
    });
    await controller.cycle();
    app = await appWith(controller, auth);
    off = await appWith(undefined, auth);
  });
  afterAll(async () => {
    await app.close();
    await off.close();
  });

  it('shows every substation against its targets, and what the loop does next', async () => {
    const res = await app.inject({ url: '/api/control', headers: as.viewer });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ global: null; forecast: null; substations: { id: string; mode: string; returnTargetC: number; inputs: { returnC: number } }[] }>();
    expect(body.global).toBeNull();
    // No forecast configured: the loop says so rather than leaving the field out.
    expect(body.forecast).toBeNull();
    expect(body.substations[0]).toMatchObject({ id: 'S001', mode: 'auto', inputs: { returnC: 40 } });
    expect(body.substations[0].returnTargetC).toBeGreaterThan(30);
  });

  it('gives each recommendation its reason, and the heat saved against the curve alone', async () => {
    // The first cycle takes over bumplessly (it holds what the PLCs have); hours later the indoor loops have moved apart.
    for (let k = 0; k < 12; k++) {
      clock += 30 * 60_000;
      await controller.cycle();
    }
    const body = (await app.inject({ url: '/api/control', headers: as.viewer })).json<{ substations: { id: string; reason: string; decision: Decision; returnTargetC: number; next: { value: number } }[]; saving: { savedPct: number; curveTrimK: number; substations: number }; returnFloorK: number }>();
    const [s1, s2] = body.substations;
    expect(s1.reason).toBe(`coldest home 17.0 °C < 18.3 °C: supply setpoint 50.0 → ${s1.next.value.toFixed(1)} °C`);
    expect(s2.reason).toBe(`coldest home 19.5 °C > 18.3 °C: supply setpoint 50.0 → ${s2.next.value.toFixed(1)} °C`);
    // The same decision as data: what the control room words in its own language, the line's every figure.
    expect(s1.decision).toEqual({ kind: 'write', cause: { kind: 'coldest_home', indoorC: 17, targetC: 18.3, liftK: null }, tag: 'secondary.supply_temp_setpoint', from: 50, to: s1.next.value });
    expect(s2.decision).toMatchObject({ kind: 'write', cause: { kind: 'coldest_home', indoorC: 19.5 }, from: 50, to: s2.next.value });
    for (const s of body.substations) expect(decisionReason(s.decision)).toBe(s.reason);
    expect(s2.next.value).toBeLessThan(s1.next.value);
    expect(body.saving.substations).toBe(2);
    expect(body.saving.curveTrimK).toBeGreaterThan(0);
    expect(body.saving.savedPct).toBeGreaterThan(0);
    // Two substations in control range: the floor is the higher return deviation less the 1 K band.
    expect(body.returnFloorK).toBeCloseTo(40 - s1.returnTargetC - 1, 6);
  });

  it('an operator takes a substation and hands it back, audited under their name', async () => {
    const take = await app.inject({ method: 'PUT', url: '/api/control/mode', headers: as.operator, payload: { substation: 'S001', mode: 'manual' } });
    expect(take.statusCode).toBe(200);
    expect(take.json<{ substations: { mode: string }[] }>().substations[0].mode).toBe('manual');
    await app.inject({ method: 'PUT', url: '/api/control/mode', headers: as.operator, payload: { substation: 'S001', mode: 'auto' } });
    const trail = auth.trail.search({ action: 'control.mode' });
    expect(trail.map((r) => [r.actor, r.target, r.oldValue, r.newValue, r.outcome])).toEqual([['operator', 'S001', 'manual', 'auto', 'ok'], ['operator', 'S001', 'auto', 'manual', 'ok']]);
  });

  it('gives a person taking over as data too', async () => {
    await app.inject({ method: 'PUT', url: '/api/control/mode', headers: as.operator, payload: { substation: 'S002', mode: 'manual' } });
    await controller.cycle();
    const manual = (await app.inject({ url: '/api/control', headers: as.viewer })).json<{ substations: { id: string; reason: string; decision: Decision }[] }>().substations[1];
    expect(manual.decision).toEqual({ kind: 'manual', by: 'person' });
    expect(manual.reason).toBe(decisionReason(manual.decision));
    await app.inject({ method: 'PUT', url: '/api/control/mode', headers: as.operator, payload: { substation: 'S002', mode: 'auto' } });
  });

  it('a viewer may look but not take; an actor in the body is not believed', async () => {
    const viewer = await app.inject({ method: 'PUT', url: '/api/control/mode', headers: as.viewer, payload: { substation: 'S001', mode: 'manual' } });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json()).toMatchObject({ code: 'HS_ERR_FORBIDDEN' });
    expect(auth.trail.search({ action: 'control.mode', outcome: 'refused' })[0]).toMatchObject({ actor: 'viewer', detail: 'HS_ERR_FORBIDDEN' });
    const claimed = await app.inject({ method: 'PUT', url: '/api/control/mode', headers: as.operator, payload: { substation: 'S001', mode: 'auto', actor: 'somebody-else' } });
    expect(claimed.statusCode).toBe(200);
    expect(auth.trail.search({ action: 'control.mode', limit: 1 })[0]).toMatchObject({ actor: 'operator', outcome: 'ok' });
  });

  it('answers bad input with the field, an unknown substation with 404', async () => {
    const bad = await app.inject({ method: 'PUT', url: '/api/control/mode', headers: as.operator, payload: { mode: 'turbo' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'HS_ERR_BAD_REQUEST', path: 'body.mode' });
    const unknown = await app.inject({ method: 'PUT', url: '/api/control/mode', headers: as.operator, payload: { substation: 'S999', mode: 'manual' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'HS_ERR_UNKNOWN_SUBSTATION' });
  });

  it('reads and changes the curve for engineers only', async () => {
    const curve = (await app.inject({ url: '/api/control/curve', headers: as.viewer })).json<{ radiator: { design_supply_c: number } }>();
    expect(curve.radiator.design_supply_c).toBe(60);
    const payload = { curve: { ...curve, radiator: { ...curve.radiator, design_supply_c: 65 } } };
    expect((await app.inject({ method: 'PUT', url: '/api/control/curve', headers: as.operator, payload })).statusCode).toBe(403);
    expect(controller.curve.radiator.design_supply_c).toBe(60);
    const changed = await app.inject({ method: 'PUT', url: '/api/control/curve', headers: as.engineer, payload });
    expect(changed.statusCode).toBe(200);
    expect(controller.curve.radiator.design_supply_c).toBe(65);
    const [record] = auth.trail.search({ action: 'control.curve', outcome: 'ok' });
    expect(record).toMatchObject({ actor: 'engineer', target: 'curve' });
    expect(JSON.parse(record.newValue ?? '{}').radiator.design_supply_c).toBe(65);
  });

  it('refuses a curve with a field left out instead of resetting it to its default', async () => {
    for (const payload of [{}, { curve: {} }, { curve: { ...controller.curve, floor: undefined } }]) {
      const res = await app.inject({ method: 'PUT', url: '/api/control/curve', headers: as.engineer, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'HS_ERR_BAD_REQUEST' });
    }
    expect(controller.curve.radiator.design_supply_c).toBe(65);
  });

  it('answers 503 HS_ERR_CONTROL_OFF without a loop', async () => {
    for (const url of ['/api/control', '/api/control/curve', '/api/control/audit']) {
      const res = await off.inject({ url, headers: as.viewer });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'HS_ERR_CONTROL_OFF' });
    }
  });
});
