import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CommandRequest } from '../model/command.ts';
import type { CommandOutcome } from '../model/sparkplug.ts';
import { validateDocument } from '../model/validate.ts';
import { MemoryAudit } from './audit.ts';
import type { SubstationInputs } from './balance.ts';
import { ControlConfigSchema } from './config-schema.ts';
import { Controller } from './controller.ts';
import type { InputSnapshot } from './inputs.ts';

const MIN = 60_000;

/** A controller over hand-set inputs and an actuator that accepts (or refuses) and applies writes. */
function rig(overrides: Record<string, unknown> = {}, start: Partial<SubstationInputs> = {}) {
  const cfg = validateDocument(ControlConfigSchema, { input_period_s: 60, ...overrides }, 'HS_ERR_CONFIG_INVALID');
  let now = 1_000_000_000_000;
  const plant: Record<string, SubstationInputs & { ts: number }> = {
    S1: { mode: 'local', outdoorC: -8, supplyC: 50, returnC: 40, indoorMinC: 17, indoorAvgC: 18, valvePct: 60, valveSetpointPct: 60, supplySetpointC: 50, ts: now, ...start },
  };
  const sent: CommandRequest[] = [];
  const lines: Record<string, unknown>[] = [];
  let refuse: string | undefined;
  const audit = new MemoryAudit();
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const controller = new Controller(cfg, {
    inputs: {
      now: () => now,
      async snapshot() {
        return new Map<string, InputSnapshot>(Object.entries(plant).map(([id, { ts, ...inputs }]) => [id, { inputs, oldestTs: ts }]));
      },
    },
    actuator: {
      async send(r): Promise<CommandOutcome> {
        sent.push(r);
        if (refuse) return { requestId: r.requestId, tag: r.tag, ok: false, code: refuse, reason: 'refused by the PLC', actor: r.actor };
        const s = plant[r.substation];
        if (r.tag === 'primary.valve_setpoint') s.valveSetpointPct = r.value;
        if (r.tag === 'secondary.supply_temp_setpoint') s.supplySetpointC = r.value;
        return { requestId: r.requestId, tag: r.tag, ok: true, value: r.value, actor: r.actor };
      },
    },
    audit,
    clock: () => now,
    logger,
  });
  return {
    controller,
    plant,
    sent,
    audit,
    lines,
    advance(ms: number) {
      now += ms;
      for (const s of Object.values(plant)) s.ts = now;
    },
    refuseWith(code: string | undefined) {
      refuse = code;
    },
    get now() {
      return now;
    },
  };
}

describe('controller', () => {
  it('writes a supply setpoint in local mode within the envelope, audited with old and new value and why', async () => {
    const r = rig();
    // The first look takes over from what the PLC has: nothing to write.
    await r.controller.cycle();
    expect(r.sent).toHaveLength(0);
    // Colder weather: the curve asks for more, in steps of at most 3 K.
    r.plant.S1.outdoorC = -16;
    r.advance(MIN);
    await r.controller.cycle();
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]).toMatchObject({ substation: 'S1', tag: 'secondary.supply_temp_setpoint', actor: 'control', value: 53 });
    const [entry] = r.audit.recent(1);
    expect(entry).toMatchObject({ substation: 'S1', outcome: 'accepted', oldValue: 50, newValue: r.sent[0].value, actor: 'control' });
    expect(entry.why).toMatch(/-16\.0 °C outdoor.*coldest home 17\.0 °C.*limited by step ±3/);
    // Within 5 minutes nothing more is written, whatever the loop would like.
    r.advance(4 * MIN);
    await r.controller.cycle();
    expect(r.sent).toHaveLength(1);
    r.advance(1 * MIN);
    await r.controller.cycle();
    expect(r.sent).toHaveLength(2);
  });

  it('freezes a substation whose inputs are older than three poll periods and says so once, with HS_ERR_CONTROL_STALE', async () => {
    const r = rig();
    await r.controller.cycle();
    r.plant.S1.outdoorC = -16;
    r.advance(10 * MIN);
    r.plant.S1.ts = r.now - 181_000;
    await r.controller.cycle();
    await r.controller.cycle();
    expect(r.sent).toHaveLength(0);
    expect(r.controller.views()[0].state).toBe('stale');
    expect(r.lines.filter((l) => l.code === 'HS_ERR_CONTROL_STALE')).toHaveLength(1);
    expect(r.audit.recent(10).filter((e) => e.code === 'HS_ERR_CONTROL_STALE')).toHaveLength(1);
    r.advance(MIN);
    await r.controller.cycle();
    expect(r.sent).toHaveLength(1);
  });

  it('stops writing at once on manual override, and hands back without a bump', async () => {
    const r = rig();
    expect(() => r.controller.setMode('S9', 'manual', 'api:alice')).toThrow(/HS_ERR_UNKNOWN_SUBSTATION/);
    await r.controller.cycle();
    r.controller.setMode('S1', 'manual', 'api:alice');
    for (let k = 0; k < 3; k++) {
      r.advance(10 * MIN);
      await r.controller.cycle();
    }
    expect(r.sent).toHaveLength(0);
    // The person moved the setpoint meanwhile; the loop starts from there.
    r.plant.S1.supplySetpointC = 58;
    r.controller.setMode('S1', 'auto', 'api:alice');
    r.advance(10 * MIN);
    await r.controller.cycle();
    const view = r.controller.views()[0];
    expect(Math.abs(view.supplyTargetC! - 58)).toBeLessThan(0.2);
    expect(r.sent.every((s) => Math.abs(s.value - 58) < 0.3)).toBe(true);
    expect(r.audit.recent(10).filter((e) => e.tag === 'override').map((e) => e.why)).toEqual(['loop mode auto', 'loop mode manual']);
  });

  it('global manual override stops every substation; advisory only recommends', async () => {
    const r = rig();
    await r.controller.cycle();
    r.plant.S1.outdoorC = -16;
    r.controller.setMode(undefined, 'manual', 'api:bob');
    r.advance(10 * MIN);
    await r.controller.cycle();
    expect(r.sent).toHaveLength(0);
    expect(r.controller.views()[0].mode).toBe('manual');
    r.controller.setMode(undefined, 'auto', 'api:bob');
    r.controller.setMode('S1', 'advisory', 'api:bob');
    r.advance(10 * MIN);
    await r.controller.cycle();
    r.plant.S1.outdoorC = -20;
    r.advance(10 * MIN);
    const report = await r.controller.cycle();
    expect(report.advised).toBe(1);
    expect(r.sent).toHaveLength(0);
    expect(r.controller.views()[0].next?.tag).toBe('secondary.supply_temp_setpoint');
  });

  it('reports a refused write and does not retry it blindly', async () => {
    const r = rig({ refused_hold_s: 3600 });
    await r.controller.cycle();
    r.plant.S1.outdoorC = -16;
    r.refuseWith('HS_ERR_PLC_MODE');
    r.advance(MIN);
    await r.controller.cycle();
    for (let k = 0; k < 5; k++) {
      r.advance(10 * MIN);
      await r.controller.cycle();
    }
    expect(r.sent).toHaveLength(1);
    expect(r.audit.recent(1)[0]).toMatchObject({ outcome: 'refused', code: 'HS_ERR_PLC_MODE' });
    expect(r.controller.views()[0]).toMatchObject({ state: 'held', note: 'HS_ERR_PLC_MODE: refused by the PLC' });
    expect(r.lines.filter((l) => l.code === 'HS_ERR_CONTROL_REFUSED')).toHaveLength(1);
    // After the hold it tries once more.
    r.refuseWith(undefined);
    r.advance(20 * MIN);
    await r.controller.cycle();
    expect(r.sent).toHaveLength(2);
  });

  it('remote mode: moves the valve at most 5 % a step and keeps the PLC watchdog fed when nothing changes', async () => {
    const r = rig({}, { mode: 'remote', supplyC: 30, indoorMinC: 18.3, indoorAvgC: 18.3 });
    await r.controller.cycle();
    expect(r.sent[0]).toMatchObject({ tag: 'primary.valve_setpoint', value: 65 });
    // On target: no move, but a keep-alive within the 15-minute watchdog.
    r.plant.S1.supplyC = r.controller.views()[0].supplyTargetC!;
    for (let k = 0; k < 12; k++) {
      r.advance(MIN);
      await r.controller.cycle();
    }
    expect(r.sent).toHaveLength(2);
    expect(r.sent[1]).toMatchObject({ tag: 'primary.valve_setpoint', value: 65 });
    expect(r.audit.recent(1)[0].why).toMatch(/keep-alive/);
  });
});
