// Cold-snap readiness (寒潮预案), issue 13: a forecast of −25 °C in 12 hours, and the plant's
// weather then does exactly that.
// 1. Through the whole snap, in process: the same district and loop run twice, with and without
//    the forecast — the real plant (physics and PLC logic), the real Controller, the forecast as
//    a JSON file read through the forecast source, every write audited. (Over the protocols, 60
//    simulated hours at the loop's 5-minute pace would take far longer than this test may.)
// 2. Over the real data path, as `heatscada control` starts it (control/start.ts): after the
//    run-in, the forecast file is issued and the loop's first simulated hours of readiness go
//    by DCMD through the collector to the simulated PLCs (OPC UA and Modbus), inside the envelope.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { COLD_SNAP, coldSnapCity, coldSnapConfig, coldSnapForecast, coldSnapPlant, coldSnapRun } from '../bench/cold-snap-run.ts';
import { ControlAudit, MemoryAudit } from '../control/audit.ts';
import { Controller } from '../control/controller.ts';
import { outsideEnvelope } from '../control/envelope-audit.ts';
import { plantActuator, plantInputs } from '../control/plant-adapter.ts';
import { startControl } from '../control/start.ts';
import { transportDelayH } from '../control/transport-delay.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { startDataPath } from './helpers/data-path.ts';
import { eventually } from './helpers/eventually.ts';
import { watchPlcWrites, type PlcWrite } from './helpers/plc-writes.ts';

const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });

describe('cold snap: −25 °C forecast 12 hours ahead', () => {
  it('keeps every home at 18 °C or more through the snap where the same run without the forecast dips below, every write inside the envelope', async () => {
    const without = await coldSnapRun({ substations: 8, forecast: false });
    const withForecast = await coldSnapRun({ substations: 8, forecast: true });
    console.log(`cold snap: coldest home ${withForecast.minIndoorC.toFixed(2)} °C with the forecast (lead ${withForecast.leadH?.toFixed(1)} h), ${without.minIndoorC.toFixed(2)} °C without`);
    expect(without.minIndoorC).toBeLessThan(18);
    expect(withForecast.minIndoorC).toBeGreaterThanOrEqual(18);
    // The loop did it, on the forecast's word: its writes name the cold snap.
    expect(withForecast.snapWrites).toBeGreaterThan(10);
    expect(without.snapWrites).toBe(0);
    // Every accepted write in range, within one step, ≥ 5 simulated minutes after the last of its tag.
    expect(without.writes).toBeGreaterThan(100);
    expect(withForecast.writes).toBeGreaterThan(100);
    expect(without.leftEnvelope).toBe(0);
    expect(withForecast.leftEnvelope).toBe(0);
  }, 90_000);

  it('over the data path: the forecast file read, the readiness written by DCMD to the PLCs, inside the envelope', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-cold-snap-path-'));
    const city = coldSnapCity(8);
    city.substations.forEach((s, k) => (s.protocol = k % 2 === 0 ? 'opcua' : 'modbus'));
    const plant = coldSnapPlant(city);
    // The run-in in process, as in the run above: the same loop over the plant's PLC logic.
    const runIn = new Controller(coldSnapConfig(city, undefined), { inputs: plantInputs(plant), actuator: plantActuator(plant), audit: new MemoryAudit(), clock: () => plant.timeMs, logger: log });
    for (let s = 0; s < COLD_SNAP.runInH * 3600; s += COLD_SNAP.cycleS) {
      await runIn.cycle();
      plant.advance(COLD_SNAP.cycleS);
    }
    const plcWrites: PlcWrite[] = [];
    const unwatch = watchPlcWrites(plant, plcWrites);
    const dataPath = await startDataPath({ plant, dir, edgeNodeId: 'edge-cold-snap', hostId: 'cold-snap-historian', pollIntervalS: 0.1, refreshIntervalS: 1, opcuaSamplingMs: 100, logger: log });
    const file = path.join(dir, 'forecast.json');
    writeFileSync(file, JSON.stringify(coldSnapForecast(city, plant.timeMs, plant.elapsedS)));
    const config = coldSnapConfig(city, file);
    const control = await startControl(
      { control: { ...config, mqtt_url: dataPath.broker.tcpUrl, input_period_s: 2, average_window_s: 1, ack_timeout_s: 5 } },
      { store: dataPath.store, database: dataPath.store.database, clock: () => plant.timeMs, transportDelayH: () => transportDelayH(plant), logger: log },
    );
    try {
      await control.forecast!.refresh();
      expect(control.forecast!.health()).toMatchObject({ state: 'ok', points: 73 });
      // Every substation's data in the store, and its birth seen by the loop's actuator.
      await eventually(async () => {
        await dataPath.advance(COLD_SNAP.stepS);
        await control.controller.cycle();
        expect(control.controller.views().map((v) => `${v.id} ${v.state}`)).toEqual(plant.substationIds.map((id) => `${id} ok`));
      }, 30_000);
      for (let k = 0; k < 24; k++) {
        await dataPath.advance(COLD_SNAP.cycleS);
        await control.controller.cycle();
      }
      expect(control.controller.forecast).toMatchObject({ snap: { forecastC: expect.any(Number), fromC: expect.any(Number) } });
      expect(control.controller.forecast!.snap!.forecastC).toBeLessThan(-22);
      // The trail in the store's file: every write of the loop inside the envelope, the readiness named in its why.
      const record = new ControlAudit(new SqliteAuditTrail(dataPath.store.database)).recent(1000);
      const writes = record.filter((e) => e.outcome === 'accepted' && e.actor === 'control');
      expect(writes.filter((e) => e.why.includes('cold snap forecast')).length).toBeGreaterThan(3);
      expect(outsideEnvelope(config.envelope, record)).toEqual([]);
      // What was audited as done is what the PLCs received, over OPC UA and Modbus alike.
      const supplyWrites = plcWrites.filter((w) => w.tag === 'secondary.supply_temp_setpoint');
      expect(supplyWrites.every((w) => w.result.ok)).toBe(true);
      expect(new Set(supplyWrites.map((w) => city.substations.find((s) => s.id === w.substation)?.protocol))).toEqual(new Set(['opcua', 'modbus']));
      expect(plcWrites.length).toBe(writes.length);
    } finally {
      unwatch();
      await control.stop();
      await dataPath.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
