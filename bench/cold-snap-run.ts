// One run of the balancing loop through a forecast cold snap, in process: a generated city
// (simulators/plant.ts) and the same Controller as `heatscada control`, its inputs read from
// the PLCs' instruments and its writes made through the same PLC logic the protocol servers
// call (control/plant-adapter.ts), on plant time. After a run-in under the loop, a forecast is
// issued (a JSON file read through control/forecast-source.ts, as in production): −25 °C in
// 12 hours, and the plant's weather then does exactly that (a cold snap of the weather spec).
// The run goes through the snap and back; the figure is the coldest home of any substation
// (indoor.temp_min as its PLC reports it) from the issue of the forecast to the end. Used by
// tests/cold-snap.test.ts's baseline and by bench/season.ts (cold_snap_min_indoor_c…).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { MemoryAudit, type AuditEntry, type AuditLog } from '../control/audit.ts';
import { ControlConfigSchema, type ControlConfig } from '../control/config-schema.ts';
import { Controller } from '../control/controller.ts';
import { outsideEnvelope } from '../control/envelope-audit.ts';
import { forecastSource } from '../control/forecast-source.ts';
import { plantActuator, plantInputs } from '../control/plant-adapter.ts';
import { transportDelayH } from '../control/transport-delay.ts';
import { ControlMode } from '../model/tags.ts';
import { validateDocument } from '../model/validate.ts';
import { EQUAL_OPENING, generateCity } from '../simulators/network/generate.ts';
import type { Network } from '../simulators/network/schema.ts';
import { Plant } from '../simulators/plant.ts';
import { outdoorTemperature } from '../simulators/physics/weather.ts';

export const COLD_SNAP = {
  /** When the forecast is issued (the run-in before it). */
  issuedMs: Date.parse('2027-01-15T00:00:00+08:00'),
  /**
   * A district of 8 km built for −20 °C in a −8 °C January: a −25 °C snap is 5 K beyond its
   * design, so the far substations reach their limits in it and only heat banked beforehand
   * keeps their homes warm. (A district whose far end is starved already in ordinary nights —
   * valve wide open, short of differential pressure — is not helped: warming the others ahead
   * takes flow from it. Measured: control/README.md, "Cold-snap readiness".)
   */
  designOutdoorC: -20,
  meanOutdoorC: -8,
  maxDistanceKm: 8,
  /** The loop settles the city before the forecast arrives. */
  runInH: 72,
  /** The forecast's word: the daily mean at this temperature, this many hours after its issue. */
  bottomC: -25,
  inH: 12,
  /** The fall takes the last 6 of those hours; then held a day, then back over 12 h. */
  rampH: 6,
  holdH: 24,
  /** After the snap is over. */
  afterH: 12,
  stepS: 10,
  cycleS: 300,
} as const;

export interface ColdSnapOptions {
  substations: number;
  forecast: boolean;
  seed?: number;
  onProgress?: (line: string) => void;
}

export interface ColdSnapResult {
  minIndoorC: number;
  /** Writes outside the safety envelope (limits, step, spacing): 0. */
  leftEnvelope: number;
  /** Plant writes the loop made from the forecast's issue on, and of them those made for the cold snap (their reason names it). */
  writes: number;
  snapWrites: number;
  /** How far ahead the loop looked (lead_h 'transport': the network's transport delay), h; null without the forecast. */
  leadH: number | null;
}

/** The run's district, with the cold snap the forecast announces in its weather. */
export function coldSnapCity(substations: number, seed = 1): Network {
  const c = COLD_SNAP;
  const city = generateCity({ substations, seed, designOutdoorC: c.designOutdoorC, meanOutdoorC: c.meanOutdoorC, maxDistanceKm: c.maxDistanceKm });
  city.weather.cold_snaps.push({ start_h: c.runInH + c.inH - c.rampH, ramp_h: c.rampH, duration_h: c.holdH, drop_k: city.weather.mean_c - c.bottomC });
  return city;
}

/** The plant at the start of the run-in: valves at equal openings, the PLCs' local loops on their setpoints. */
export function coldSnapPlant(city: Network): Plant {
  return new Plant(city, { startMs: COLD_SNAP.issuedMs - COLD_SNAP.runInH * 3_600_000, stepS: COLD_SNAP.stepS, mode: ControlMode.local, valvePct: EQUAL_OPENING * 100 });
}

/** The forecast the run issues at its issue time: the weather the plant will get, hourly for 3 days. */
export function coldSnapForecast(city: Network, issuedAtMs: number, issuedAtElapsedS: number): { issued_at: string; source: string; points: { at: string; temp_c: number }[] } {
  const points = Array.from({ length: 73 }, (_, h) => {
    const at = issuedAtMs + h * 3_600_000;
    return { at: new Date(at).toISOString(), temp_c: Number(outdoorTemperature(city.weather, at, issuedAtElapsedS + h * 3600).toFixed(1)) };
  });
  return { issued_at: new Date(issuedAtMs).toISOString(), source: 'cold-snap run (the simulated weather)', points };
}

/** The loop's configuration for the run: the city's emitters and design temperature; the forecast file as production would name it. */
export function coldSnapConfig(city: Network, forecastFile: string | undefined): ControlConfig {
  return validateDocument(
    ControlConfigSchema,
    {
      interval_s: COLD_SNAP.cycleS,
      heating: Object.fromEntries(city.substations.map((s) => [s.id, s.heating])),
      curve: { design_outdoor_c: city.weather.design_outdoor_c },
      ...(forecastFile ? { forecast: { file: forecastFile, lead_h: 'transport' } } : {}),
    },
    'HS_ERR_CONFIG_INVALID',
    'cold-snap run',
  );
}

export async function coldSnapRun(options: ColdSnapOptions): Promise<ColdSnapResult> {
  const c = COLD_SNAP;
  const city = coldSnapCity(options.substations, options.seed);
  const plant = coldSnapPlant(city);
  const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-cold-snap-'));
  const logger = pino({ level: process.env.HEATSCADA_BENCH_LOG ?? 'silent' });
  const file = path.join(dir, 'forecast.json');
  const config = coldSnapConfig(city, options.forecast ? file : undefined);
  const source = config.forecast ? forecastSource({ file, refreshMin: config.forecast.refresh_min, maxAgeH: config.forecast.max_age_h, clock: () => plant.timeMs, logger }) : undefined;
  // Every record the loop appends to its (hash-chained, in-memory) trail, kept whole for the envelope check.
  const trail = new MemoryAudit();
  const record: AuditEntry[] = [];
  const audit: AuditLog = { record: (entry, from) => (record.push(entry), trail.record(entry, from)), recent: (limit, substation) => trail.recent(limit, substation) };
  const controller = new Controller(config, {
    inputs: plantInputs(plant),
    actuator: plantActuator(plant),
    audit,
    clock: () => plant.timeMs,
    logger,
    ...(source ? { forecast: (at: number) => source.temperatureAt(at) } : {}),
    transportDelayH: () => transportDelayH(plant),
  });
  const label = `cold snap ${options.substations} substations, ${options.forecast ? 'with' : 'without'} the forecast`;
  let minIndoorC = Infinity;
  try {
    const totalS = (c.runInH + c.inH + c.holdH + c.rampH * 2 + c.afterH) * 3600;
    for (let s = 0; s < totalS; s += c.cycleS) {
      if (source && s === c.runInH * 3600) {
        writeFileSync(file, JSON.stringify(coldSnapForecast(city, plant.timeMs, plant.elapsedS)));
        await source.refresh();
      }
      await controller.cycle();
      plant.advance(c.cycleS);
      if (s >= c.runInH * 3600) for (const id of plant.substationIds) minIndoorC = Math.min(minIndoorC, Number(plant.read(id, 'indoor.temp_min')));
      if (s % (12 * 3600) === 0) options.onProgress?.(`${label}: ${(s / 3600).toFixed(0)}/${totalS / 3600} h, outdoor ${plant.state.outdoorC.toFixed(1)} °C, coldest home so far ${Number.isFinite(minIndoorC) ? minIndoorC.toFixed(2) : '–'} °C`);
    }
  } finally {
    await source?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const writes = record.filter((e) => e.outcome === 'accepted' && e.ts >= c.issuedMs);
  return {
    minIndoorC,
    leftEnvelope: outsideEnvelope(config.envelope, record).length,
    writes: writes.length,
    snapWrites: writes.filter((e) => e.why.includes('cold snap forecast')).length,
    leadH: controller.forecast?.leadH ?? null,
  };
}
