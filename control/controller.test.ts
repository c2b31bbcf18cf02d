import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CommandRequest } from '../model/command.ts';
import type { CommandOutcome } from '../model/sparkplug.ts';
import { validateDocument } from '../model/validate.ts';
import { MemoryAudit } from './audit.ts';
import type { SubstationInputs } from './balance.ts';
import { ControlConfigSchema } from './config-schema.ts';
import { Controller, type ControllerDeps } from './controller.ts';
import type { InputSnapshot } from './inputs.ts';
import type { ControlState } from '../model/control-state.ts';

const MIN = 60_000;

/** A controller over hand-set inputs and an actuator that accepts (or refuses) and applies writes. */
function rig(overrides: Record<string, unknown> = {}, start: Partial<SubstationInputs> = {}, extra: Partial<ControllerDeps> = {}) {
  const cfg = validateDocument(ControlConfigSchema, { input_period_s: 60, ...overrides }, 'HS_ERR_CONFIG_INVALID');
  let now = 1_000_000_000_000;
  const plant: Record<string, SubstationInputs & { ts: number }> = {
    S1: { mode: 'local', outdoorC: -8, supplyC: 50, returnC: 40, indoorMinC: 17, indoorAvgC: 18, valvePct: 60, valveSetpointPct: 60, supplySetpointC: 50, ts: now, ...start },
  };
  const sent: CommandRequest[] = [];
  const states: { substation: string; state: ControlState }[] = [];
  const source = { offsetK: 0, ts: now };
  const lines: Record<string, unknown>[] = [];
  let refuse: string | undefined;
  const unreachable = new Set<string>();
  const audit = new MemoryAudit();
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const controller = new Controller(cfg, {
    inputs: {
      now: () => now,
      async snapshot() {
        return new Map<string, InputSnapshot>(Object.entries(plant).map(([id, { ts, ...inputs }]) => [id, { inputs, oldestTs: ts }]));
      },
      async source(id) {
        return id === cfg.source_id ? { offsetK: source.offsetK, oldestTs: source.ts } : undefined;
      },
    },
    actuator: {
      canReach: (substation) => !unreachable.has(substation),
      async send(r): Promise<CommandOutcome> {
        sent.push(r);
        if (refuse) return { requestId: r.requestId, tag: r.tag, ok: false, code: refuse, reason: 'refused by the PLC', actor: r.actor };
        if (r.substation === cfg.source_id) {
          source.offsetK = r.value;
          return { requestId: r.requestId, tag: r.tag, ok: true, value: r.value, actor: r.actor };
        }
        const s = plant[r.substation];
        if (r.tag === 'primary.valve_setpoint') s.valveSetpointPct = r.value;
        if (r.tag === 'secondary.supply_temp_setpoint') s.supplySetpointC = r.value;
        return { requestId: r.requestId, tag: r.tag, ok: true, value: r.value, actor: r.actor };
      },
    },
    audit,
    clock: () => now,
    logger,
    publishState: (substation, state) => void states.push({ substation, state }),
    ...extra,
  });
  return {
    controller,
    plant,
    source,
    sent,
    states,
    audit,
    lines,
    advance(ms: number) {
      now += ms;
      for (const s of Object.values(plant)) s.ts = now;
      source.ts = now;
    },
    refuseWith(code: string | undefined) {
      refuse = code;
    },
    /** No birth of the substation seen yet: the actuator has no edge node to send to. */
    unreachable,
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

  it('waits, writing and auditing nothing, while no command can reach a substation, then writes once it can', async () => {
    const r = rig();
    await r.controller.cycle();
    r.unreachable.add('S1');
    r.plant.S1.outdoorC = -16;
    r.advance(MIN);
    await r.controller.cycle();
    expect(r.sent).toHaveLength(0);
    expect(r.audit.recent(10).filter((e) => e.outcome !== undefined)).toHaveLength(0);
    r.unreachable.delete('S1');
    r.advance(MIN);
    await r.controller.cycle();
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]).toMatchObject({ substation: 'S1', tag: 'secondary.supply_temp_setpoint' });
  });

  it('standing by: computes every cycle but writes, publishes and records nothing; takes over from what the PLC has, and tells a freeze it kept quiet', async () => {
    let active = false;
    const r = rig({}, {}, { active: () => active });
    await r.controller.cycle();
    r.plant.S1.outdoorC = -16;
    r.advance(10 * MIN);
    await r.controller.cycle();
    // It knows what it would write, and writes nothing.
    expect(r.controller.views()[0].next).toMatchObject({ tag: 'secondary.supply_temp_setpoint' });
    expect(r.sent).toHaveLength(0);
    await expect(r.controller.writeSetpoint('S1', 'secondary.supply_temp_setpoint', 55, 'alice')).rejects.toMatchObject({ code: 'HS_ERR_STANDBY' });
    r.plant.S1.ts = r.now - 181_000;
    await r.controller.cycle();
    expect(r.controller.views()[0].state).toBe('stale');
    expect(r.states).toEqual([]);
    expect(r.audit.recent(10)).toEqual([]);
    // The predecessor left the PLC at 58 °C; the new leader starts from there, and announces the freeze it found.
    active = true;
    r.plant.S1.supplySetpointC = 58;
    await r.controller.cycle();
    expect(r.states).toMatchObject([{ substation: 'S1', state: { frozen: true } }]);
    expect(r.lines.some((l) => l.event === 'control_takeover')).toBe(true);
    // Fresh again: no bump, its target is the setpoint the PLC has, not what it had computed on standby.
    r.advance(MIN);
    await r.controller.cycle();
    expect(r.sent).toHaveLength(0);
    expect(r.controller.views()[0].supplyTargetC).toBeCloseTo(58, 1);
    r.controller.setMode('S1', 'manual', 'alice');
    expect(await r.controller.writeSetpoint('S1', 'secondary.supply_temp_setpoint', 55, 'alice')).toMatchObject({ ok: true });
    expect(r.sent).toHaveLength(1);
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
    expect(r.controller.views()[0]).toMatchObject({ state: 'stale', reason: 'stale data (181 s old): frozen' });
    expect(r.lines.filter((l) => l.code === 'HS_ERR_CONTROL_STALE')).toHaveLength(1);
    expect(r.audit.recent(10).filter((e) => e.code === 'HS_ERR_CONTROL_STALE')).toMatchObject([{ outcome: 'event', tag: 'stale', substation: 'S1' }]);
    // The control room hears of it once (the alarm engine raises control_frozen on it)...
    expect(r.states).toMatchObject([{ substation: 'S1', state: { frozen: true } }]);
    r.advance(MIN);
    await r.controller.cycle();
    expect(r.sent).toHaveLength(1);
    // ...and when the loop lets go again.
    expect(r.states.map((s) => s.state.frozen)).toEqual([true, false]);
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
    // The API audits mode changes (it knows who signed in); the loop does not do it twice.
    expect(r.audit.recent(10).filter((e) => e.tag === 'override')).toEqual([]);
  });

  it('global manual override stops every substation; advisory only recommends', async () => {
    const r = rig();
    await r.controller.cycle();
    r.plant.S1.outdoorC = -16;
    r.controller.setMode(undefined, 'manual', 'api:bob');
    r.advance(10 * MIN);
    await r.controller.cycle();
    expect(r.sent).toHaveLength(0);
    expect(r.controller.views()[0]).toMatchObject({ mode: 'manual', reason: 'taken by hand: the loop only watches' });
    r.controller.setMode(undefined, 'auto', 'api:bob');
    r.controller.setMode('S1', 'advisory', 'api:bob');
    r.advance(10 * MIN);
    await r.controller.cycle();
    r.plant.S1.outdoorC = -20;
    r.advance(10 * MIN);
    const report = await r.controller.cycle();
    expect(report.advised).toBe(1);
    expect(r.sent).toHaveLength(0);
    const advised = r.controller.views()[0];
    expect(advised.next?.tag).toBe('secondary.supply_temp_setpoint');
    // The recommendation's reason: cause and action, the figures those of the recommendation.
    expect(advised.reason).toBe(`coldest home 17.0 °C < 18.3 °C: supply setpoint ${r.plant.S1.supplySetpointC.toFixed(1)} → ${advised.next!.value.toFixed(1)} °C`);
    expect(r.controller.saving).toMatchObject({ substations: 1, savedPct: 0 });
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
    expect(r.audit.recent(2)).toMatchObject([
      { outcome: 'event', tag: 'held', code: 'HS_ERR_CONTROL_REFUSED' },
      { outcome: 'refused', code: 'HS_ERR_PLC_MODE', tag: 'secondary.supply_temp_setpoint' },
    ]);
    expect(r.controller.views()[0]).toMatchObject({ state: 'held', note: 'HS_ERR_PLC_MODE: refused by the PLC', reason: 'write refused: held (HS_ERR_PLC_MODE: refused by the PLC)' });
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

  it('appends every write and event to the hash-chained audit trail, nothing to a table of its own', async () => {
    const r = rig();
    await r.controller.cycle();
    r.plant.S1.outdoorC = -16;
    r.advance(10 * MIN);
    await r.controller.cycle();
    r.advance(10 * MIN);
    r.plant.S1.ts = r.now - 181_000;
    await r.controller.cycle();
    const records = r.audit.trail.search({ limit: 10 });
    expect(records.map((x) => [x.action, x.target, x.actor, x.source, x.outcome])).toEqual([
      ['control.event', 'S1/stale', 'control', 'loop', 'ok'],
      ['plant.write', 'S1/secondary.supply_temp_setpoint', 'control', 'loop', 'ok'],
    ]);
    expect(records[1].detail).toMatch(/^curve .* \[request ctl-/);
    expect(r.audit.trail.verify()).toMatchObject({ ok: true, checked: 2 });
    // The view gives back what the balancing page shows.
    expect(r.audit.recent(1, 'S1')[0]).toMatchObject({ substation: 'S1', tag: 'stale', code: 'HS_ERR_CONTROL_STALE', outcome: 'event' });
    expect(r.audit.recent(5, 'S2')).toEqual([]);
  });

  it('records the PLC watchdog taking a remote substation back to its local loop', async () => {
    const r = rig({}, { mode: 'remote' });
    await r.controller.cycle();
    r.plant.S1.mode = 'local';
    r.advance(MIN);
    await r.controller.cycle();
    expect(r.audit.recent(5).filter((e) => e.tag === 'watchdog')).toMatchObject([{ outcome: 'event', code: 'HS_ERR_CONTROL_WATCHDOG' }]);
  });

  it("writes the heat source's request to the source's PLC through the envelope, and only in auto", async () => {
    // Every valve wide open and short of supply: the loop asks the source for more.
    const starved = { mode: 'local' as const, valvePct: 100, supplyC: 40, indoorMinC: 17, indoorAvgC: 18 };
    const advisory = rig({ start_mode: 'advisory' }, starved);
    for (let k = 0; k < 24; k++) {
      advisory.advance(5 * MIN);
      await advisory.controller.cycle();
    }
    expect(advisory.controller.source.offsetK).toBeGreaterThan(0.5);
    expect(advisory.sent).toEqual([]);

    const r = rig({}, starved);
    for (let k = 0; k < 24; k++) {
      r.advance(5 * MIN);
      await r.controller.cycle();
      r.plant.S1.supplyC = 40;
    }
    const toSource = r.sent.filter((s) => s.substation === 'SRC');
    expect(toSource.length).toBeGreaterThan(0);
    expect(toSource.every((s) => s.tag === 'source.supply_offset_setpoint' && s.value >= 0 && s.value <= 20)).toBe(true);
    expect(r.source.offsetK).toBeCloseTo(toSource.at(-1)!.value, 9);
    expect(r.audit.recent(50, 'SRC')[0]).toMatchObject({ tag: 'source.supply_offset_setpoint', outcome: 'accepted', actor: 'control' });
    // A person takes the source: the loop stops writing to it.
    r.controller.setMode('SRC', 'manual', 'alice');
    const before = r.sent.length;
    for (let k = 0; k < 6; k++) {
      r.advance(5 * MIN);
      await r.controller.cycle();
    }
    expect(r.sent.filter((s) => s.substation === 'SRC').length).toBe(toSource.length);
    expect(r.sent.length).toBeGreaterThanOrEqual(before);
  });

  it("writes a person's setpoint only on a substation they have taken, within the limits, audited under their name", async () => {
    const r = rig();
    await r.controller.cycle();
    await expect(r.controller.writeSetpoint('S1', 'secondary.supply_temp_setpoint', 55, 'alice', '10.0.0.7')).rejects.toThrow(/HS_ERR_CONTROL_REFUSED/);
    r.controller.setMode('S1', 'manual', 'alice');
    await expect(r.controller.writeSetpoint('S1', 'secondary.supply_temp_setpoint', 80, 'alice', '10.0.0.7')).rejects.toThrow(/HS_ERR_OUT_OF_RANGE/);
    await expect(r.controller.writeSetpoint('S9', 'secondary.supply_temp_setpoint', 55, 'alice')).rejects.toThrow(/HS_ERR_UNKNOWN_SUBSTATION/);
    expect(await r.controller.writeSetpoint('S1', 'secondary.supply_temp_setpoint', 55, 'alice', '10.0.0.7')).toMatchObject({ ok: true, value: 55 });
    expect(r.sent).toMatchObject([{ substation: 'S1', value: 55, actor: 'alice' }]);
    const [record] = r.audit.trail.search({ action: 'plant.write', limit: 1 });
    expect(record).toMatchObject({ actor: 'alice', source: '10.0.0.7', target: 'S1/secondary.supply_temp_setpoint', oldValue: '50', newValue: '55', outcome: 'ok' });
  });

  describe('cold-snap readiness (a forecast)', () => {
    const HOUR = 3_600_000;
    /** Every rig's control time at its start. */
    const T0 = 1_000_000_000_000;
    /** −8 °C until `fromH` hours after `t0`, falling to −25 °C over the next 6 h, held a day, back over 6 h; 3 days of forecast. */
    const snapAt = (t0: number, fromH: number) => (at: number) => {
      const h = (at - t0) / HOUR;
      if (h < 0 || h > 72) return undefined;
      const down = Math.min(1, Math.max(0, (h - fromH) / 6));
      const up = Math.min(1, Math.max(0, (h - fromH - 30) / 6));
      return -8 - 17 * (down - up);
    };
    const forecast = { lead_h: 2, weight: 0.5, building_allowance_h: 12, preheat_k: 1 };

    it('aims the coldest home preheat_k higher ahead of a forecast cold snap; advisory shows it with its reason and writes nothing', async () => {
      const start = { indoorMinC: 18.3, indoorAvgC: 19.3 };
      const calm = rig({ start_mode: 'advisory', forecast }, start, { forecast: () => -8 });
      const r = rig({ start_mode: 'advisory', forecast }, start, { forecast: snapAt(T0, 8) });
      await calm.controller.cycle();
      await r.controller.cycle();
      const [quiet] = calm.controller.views();
      const [v] = r.controller.views();
      expect(quiet.decision).toMatchObject({ cause: { kind: 'coldest_home', targetC: 18.3 } });
      expect(v.decision).toMatchObject({ kind: 'write', cause: { kind: 'coldest_home', targetC: 19.3, snap: { forecastC: -25, inH: 14 } } });
      expect(v.reason).toBe(`coldest home 18.3 °C < 19.3 °C; cold snap forecast (-25.0 °C in 14.0 h): homes warmed ahead: supply setpoint 50.0 → ${v.next!.value.toFixed(1)} °C`);
      expect(v.next!.value).toBeGreaterThan(quiet.next?.value ?? 50);
      expect(v.next!.value - 50).toBeLessThanOrEqual(3);
      expect(v.next!.why).toMatch(/cold snap forecast: -25\.0 °C in 14\.0 h, homes aimed 1 K higher/);
      expect(r.sent).toEqual([]);
      expect(r.controller.forecast).toMatchObject({ leadH: 2, snap: { forecastC: -25, fromC: -8, preheatK: 1 } });
      expect(r.lines.filter((l) => l.event === 'cold_snap_ready')).toHaveLength(1);
    });

    it('lasts through the snap and ends when the weather is back; in auto the write goes through the envelope', async () => {
      const r = rig({ forecast }, { indoorMinC: 18.3, indoorAvgC: 19.3 }, { forecast: snapAt(T0, 4) });
      await r.controller.cycle();
      expect(r.sent).toHaveLength(1);
      expect(r.sent[0]).toMatchObject({ tag: 'secondary.supply_temp_setpoint', value: 53 });
      // The bottom of the snap: nothing colder ahead, yet the homes stay aimed higher.
      r.plant.S1.outdoorC = -25;
      r.advance(12 * HOUR);
      await r.controller.cycle();
      expect(r.controller.views()[0].decision).toMatchObject({ cause: { targetC: 19.3, snap: { forecastC: -25 } } });
      // The weather back near where it was: the usual target.
      r.plant.S1.outdoorC = -9;
      r.advance(48 * HOUR);
      await r.controller.cycle();
      expect(r.controller.views()[0].decision).toMatchObject({ cause: { targetC: 18.3 } });
      expect((r.controller.views()[0].decision as { cause: { snap?: unknown } }).cause.snap).toBeUndefined();
      expect(r.controller.forecast?.snap).toBeNull();
      expect(r.lines.map((l) => l.event).filter((e) => typeof e === 'string' && e.startsWith('cold_snap'))).toEqual(['cold_snap_ready', 'cold_snap_over']);
    });

    it('waits with the pre-heat while a controlled valve is wide open, until every valve is back below 90 %', async () => {
      const r = rig({ forecast }, { indoorMinC: 18.3, indoorAvgC: 19.3, valvePct: 98 }, { forecast: snapAt(T0, 8) });
      const target = () => (r.controller.views()[0].decision as { cause: { targetC: number } }).cause.targetC;
      await r.controller.cycle();
      expect(target()).toBe(18.3);
      expect(r.controller.forecast?.snap).toMatchObject({ forecastC: -25, preheating: false });
      r.plant.S1.valvePct = 94;
      r.advance(5 * MIN);
      await r.controller.cycle();
      expect(target()).toBe(18.3);
      r.plant.S1.valvePct = 85;
      r.advance(5 * MIN);
      await r.controller.cycle();
      expect(target()).toBe(19.3);
      expect(r.controller.forecast?.snap).toMatchObject({ preheating: true });
    });

    it('runs on measured weather without a usable forecast, and looks the transport delay ahead with lead_h transport', async () => {
      const none = rig({ forecast }, { indoorMinC: 18.3, indoorAvgC: 19.3 }, { forecast: () => undefined });
      await none.controller.cycle();
      expect(none.controller.views()[0].decision).toMatchObject({ cause: { targetC: 18.3 } });
      expect(none.controller.forecast).toMatchObject({ aheadC: null, snap: null });
      const transport = rig({ forecast: { ...forecast, lead_h: 'transport' } }, {}, { transportDelayH: () => 3.5 });
      expect(transport.controller.leadH()).toBe(3.5);
      const configured = rig({ forecast: { ...forecast, lead_h: 'transport', transport_h: 2.5 } });
      expect(configured.controller.leadH()).toBe(2.5);
      const unknown = rig({ forecast: { ...forecast, lead_h: 'transport' } });
      expect(() => unknown.controller.leadH()).toThrow(expect.objectContaining({ path: '/control/forecast/transport_h' }));
    });
  });
});
