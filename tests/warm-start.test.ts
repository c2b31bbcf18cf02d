// A first start of the all-in-one on its own simulator (config/default.yaml as shipped, in a
// fresh data folder, the warm-up run fast): within the first simulated day the balancing loop,
// in auto by default on a simulated plant, brings every building's coldest home to 18 °C —
// counted from the store the historian filled — and every write it made reached a PLC through
// the collector, inside the envelope, with its record in the audit trail.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startAllInOne, type AllInOne } from '../bin/all-in-one.ts';
import { defaultStartMode, readConfigDocument, resolveConfig } from '../bin/config.ts';
import type { AuditRecord } from '../model/audit.ts';
import { Plant } from '../simulators/plant.ts';
import { SourcePlc } from '../simulators/source-plc.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { freePort } from './helpers/ports.ts';

const ROOT = path.join(import.meta.dirname, '..');
const DAY_S = 24 * 3600;
/** Fast enough for a simulated day in about a minute; the loop paces itself on simulated time. */
const WARMUP_SPEED = 1500;
const WARM_C = 18;

interface PlcWrite {
  substation: string;
  tag: string;
  value: number;
  ok: boolean;
}

/** Every write a simulated PLC receives (substations and the heat source), seen from the PLC's side. */
function watchPlcWrites(seen: PlcWrite[]): () => void {
  const plantWrite = Plant.prototype.write;
  const sourceWrite = SourcePlc.prototype.write;
  Plant.prototype.write = function (this: Plant, substation, tag, value) {
    const result = plantWrite.call(this, substation, tag, value);
    seen.push({ substation, tag, value, ok: result.ok });
    return result;
  };
  SourcePlc.prototype.write = function (this: SourcePlc, id, tag, value) {
    const result = sourceWrite.call(this, id, tag, value);
    seen.push({ substation: id, tag, value, ok: result.ok });
    return result;
  };
  return () => {
    Plant.prototype.write = plantWrite;
    SourcePlc.prototype.write = sourceWrite;
  };
}

/** The shipped configuration with its ./data paths in `dir` and free ports: nothing else changed but the warm-up speed. */
async function firstStartConfig(dir: string) {
  const doc = readConfigDocument(path.join(ROOT, 'config', 'default.yaml')) as Record<string, Record<string, unknown>>;
  const inDir = (value: unknown): unknown => {
    if (typeof value === 'string' && value.startsWith('./data')) return path.join(dir, value.slice('./data'.length));
    if (Array.isArray(value)) return value.map(inDir);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inDir(v)]));
    return value;
  };
  const fresh = inDir(doc) as typeof doc;
  const sim = fresh.simulate;
  sim.warmup = { speed: WARMUP_SPEED, hours: 30 };
  // The collector's flood guard counts wall time (2 s a tag by default, 120 simulated s at the
  // shipped ×60 warm-up, inside the envelope's 300 s); scaled to this speed so it still is.
  fresh.collect = { ...fresh.collect, command_min_interval_s: { default: (2 * 60) / WARMUP_SPEED } };
  sim.opcua = { ...(sim.opcua as object), base_port: await freePort() };
  sim.modbus = { ...(sim.modbus as object), base_port: await freePort() };
  sim.admin_port = 0;
  fresh.broker = { ...fresh.broker, tcp_port: 0, ws_port: 0, tls: { ...(fresh.broker.tls as object), port: 0 } };
  fresh.alarms = { ...fresh.alarms, rules_file: path.join(ROOT, 'config', 'alarm-rules.yaml') };
  fresh.serve = { ...fresh.serve, port: 0 };
  defaultStartMode(fresh, 'simulator');
  return resolveConfig(fresh, 'warm-start');
}

const approx = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol;

describe('a first start of the all-in-one on its simulator', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-warm-start-'));
  let running: AllInOne | undefined;
  const plcWrites: PlcWrite[] = [];
  const unwatch = watchPlcWrites(plcWrites);
  afterAll(async () => {
    unwatch();
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('warms every building to 18 °C within a simulated day, every write inside the envelope and audited', async () => {
    const config = await firstStartConfig(dir);
    expect(config.control.start_mode).toBe('auto');
    const quiet = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
    running = await startAllInOne(config, () => undefined, quiet);
    const { plant } = running.simulator;
    // The day counts from when the control room is up, what a newcomer sees: at the shipped ×60
    // starting takes a few simulated minutes, at this speed an hour or two.
    const upS = plant.elapsedS;
    // Wall time against simulated hours since then, to read the store's wall-stamped points.
    const marks: [wallMs: number, simS: number][] = [[Date.now(), 0]];
    while (plant.elapsedS - upS < DAY_S) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      marks.push([Date.now(), plant.elapsedS - upS]);
    }
    const endWallMs = Date.now();
    // The first screen's line: a simulated plant, the loop in auto.
    const health = (await (await fetch(`${running.url}/api/health`)).json()) as { plant?: unknown };
    expect(health.plant).toEqual({ kind: 'simulator', balancing: 'auto' });
    await running.stop();
    running = undefined;

    const store = openSqliteStore({ file: config.store.sqlite.file });
    try {
      const simHourAt = (wallMs: number): number => {
        const k = marks.findIndex(([w]) => w >= wallMs);
        if (k <= 0) return k === 0 ? marks[0][1] / 3600 : marks[marks.length - 1][1] / 3600;
        const [[w0, s0], [w1, s1]] = [marks[k - 1], marks[k]];
        return (s0 + ((s1 - s0) * (wallMs - w0)) / Math.max(1, w1 - w0)) / 3600;
      };
      const ids = plant.substationIds;
      const series = await store.range({ series: ids.map((substation) => ({ substation, tag: 'indoor.temp_min' })), from: marks[0][0] - 60_000, to: endWallMs + 1 });
      // Per substation: its coldest home at the end of the day, and the simulated hour from which it stayed at 18 °C or more.
      const warmFromH: Record<string, number> = {};
      const endC: Record<string, number> = {};
      for (const id of ids) {
        const points = series.find((r) => r.substation === id)?.points.filter((p) => p.quality !== 'bad') ?? [];
        expect(points.length, `${id}: indoor.temp_min in the store`).toBeGreaterThan(0);
        endC[id] = points[points.length - 1].value;
        const lastCold = points.findLastIndex((p) => p.value < WARM_C);
        warmFromH[id] = lastCold === -1 ? 0 : lastCold === points.length - 1 ? Infinity : simHourAt(points[lastCold + 1].ts);
      }
      const allWarmFromH = Math.max(...ids.map((id) => warmFromH[id]));
      console.log(
        `warm start: the coldest home of every one of ${ids.length} substations >= ${WARM_C} °C from simulated hour ${allWarmFromH.toFixed(1)} on; ` +
          `at the end the coldest ${Math.min(...ids.map((id) => endC[id])).toFixed(2)} °C`,
      );
      const cold = ids.filter((id) => endC[id] < WARM_C).map((id) => `${id} ${endC[id].toFixed(2)} °C`);

      // Every plant write of the loop: inside the envelope, and the one write its PLC received.
      const trail = new SqliteAuditTrail(store.database);
      const writes: AuditRecord[] = [];
      for (let before: number | undefined; ; ) {
        const page = trail.search({ action: 'plant.write', limit: 1000, ...(before ? { before } : {}) });
        writes.push(...page);
        if (page.length < 1000) break;
        before = page[page.length - 1].id;
      }
      writes.reverse();
      expect(writes.length).toBeGreaterThan(0);
      const env = config.control.envelope;
      const limits: Record<string, { min: number; max: number; step: number }> = {
        'secondary.supply_temp_setpoint': { min: env.supply_min_c, max: env.supply_max_c, step: env.supply_step_k },
        'primary.valve_setpoint': { min: env.valve_min_pct, max: env.valve_max_pct, step: env.valve_step_pct },
        'source.supply_offset_setpoint': { min: 0, max: config.control.source_max_offset_k, step: env.supply_step_k },
      };
      const lastMs = new Map<string, number>();
      for (const w of writes) {
        const tag = w.target.slice(w.target.indexOf('/') + 1);
        const limit = limits[tag];
        expect(limit, `${w.target}: a tag the envelope covers`).toBeDefined();
        const value = Number(w.newValue);
        expect(value, w.target).toBeGreaterThanOrEqual(limit.min - 0.05);
        expect(value, w.target).toBeLessThanOrEqual(limit.max + 0.05);
        if (w.oldValue !== null) expect(Math.abs(value - Number(w.oldValue)), `${w.target} step`).toBeLessThanOrEqual(limit.step + 0.05);
        const previous = lastMs.get(w.target);
        // Audit times are control time, the plant's: the envelope's spacing is in simulated seconds.
        if (previous !== undefined) expect(w.ts - previous, `${w.target} spacing`).toBeGreaterThanOrEqual(env.min_step_interval_s * 1000);
        lastMs.set(w.target, w.ts);
      }
      // The PLCs received exactly the writes audited as done, in order per target (the collector's
      // codec may round), and none was refused: the loop waits for a substation's birth before writing.
      const done = writes.filter((w) => w.outcome === 'ok');
      const refused = writes.filter((w) => w.outcome !== 'ok');
      expect(refused.map((w) => `${w.target}: ${w.detail}`)).toEqual([]);
      expect(plcWrites.filter((p) => !p.ok)).toEqual([]);
      expect(plcWrites.length).toBe(done.length);
      const byTarget = (list: { target: string; value: number }[]): Record<string, number[]> => {
        const out: Record<string, number[]> = {};
        for (const x of list) (out[x.target] ??= []).push(x.value);
        return out;
      };
      const audited = byTarget(done.map((w) => ({ target: w.target, value: Number(w.newValue) })));
      const atPlc = byTarget(plcWrites.map((p) => ({ target: `${p.substation}/${p.tag}`, value: p.value })));
      expect(Object.keys(atPlc).sort()).toEqual(Object.keys(audited).sort());
      for (const [target, list] of Object.entries(atPlc)) {
        expect(list.every((v, k) => approx(v, audited[target][k], 0.05)), target).toBe(true);
      }
      console.log(`warm start: ${writes.length} plant writes audited (${refused.length} refused); cold at the end: ${cold.join(', ') || 'none'}`);
      expect(cold, 'substations whose coldest home is below 18 °C at the end of the first simulated day').toEqual([]);
    } finally {
      await store.close();
    }
  }, 240_000);
});
