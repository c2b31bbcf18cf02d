// A soak: the platform as separate role processes on a simulated city at high speed, the
// planned faults and hard kills played one after another, then everything counted from the
// simulator's served ledger and the platform's own records.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'yaml';
import { readServedLedger } from '../../simulators/served-ledger.ts';
import type { SubstationProtocol } from '../../simulators/plc-access.ts';
import { SOAK_FAULTS } from './fault-kinds.ts';
import { IN_FLIGHT_MS, killGaps, lateAnswerGaps } from './gaps.ts';
import { swingSupplySetpoint, type ModbusDevice } from './local-panel.ts';
import { roleHealth, type RoleHealth } from './health-figures.ts';
import { matchWindowMs, reconcile, type Reconciliation, type ServedBeat } from './ledger.ts';
import { ALL_POINTS, SoakOutcomes, type Commands, type FaultVerdict, type FaultWindow } from './outcomes.ts';
import { planSoak, type SoakStep } from './plan.ts';
import { writeSoakConfig, type SoakLayout } from './platform-config.ts';
import { RoleProcess, SOAK_ROLES, type RoleLife, type SoakRole } from './role-process.ts';

export interface SoakOptions {
  dir: string;
  substations: number;
  seed: number;
  /** Simulated seconds per wall second. */
  speed: number;
  /** Simulated days the timeline should cover. */
  simDays: number;
  /** Wall seconds a fault stands, and the quiet after each step. */
  holdS: number;
  gapS: number;
  killsPerRole: number;
  /** A line per step and phase, for people watching. */
  progress?: (line: string) => void;
}

export interface SoakResult {
  summary: SoakSummary;
  reconciliation: Reconciliation;
  faults: (FaultWindow & { verdict: FaultVerdict })[];
  kills: { role: SoakRole; back_after_s: number }[];
  commands: Commands;
  auditChain: { ok: boolean; records: number; reason?: string };
  health: RoleHealth[];
  /** Written by the simulator for every write it answered, accepted or refused. */
  writesServed: { accepted: number; refused: number };
}

/** The benchmark's last line (issue 15). */
export interface SoakSummary {
  bench: 'soak';
  sim_days: number;
  substations: number;
  points_produced: number;
  points_stored: number;
  lost: number;
  in_flight_at_kills: number;
  faults: number;
  alarmed: number;
  masked: number;
  not_alarmed: number;
  kills: number;
  restart_s_max: number;
  commands: number;
  commands_acknowledged: number;
  commands_refused_with_reason: number;
  audit_chain_ok: boolean;
  rss_growth_pct_per_day: number | null;
  db_bytes_per_point: number;
  /** The platform's roles; the simulator (the plant, not the product) is reported apart. */
  event_loop_p99_ms: number;
  max_event_loop_delay_ms: number;
  simulator_event_loop_p99_ms: number;
}

const RESTART_ESTIMATE_S = 6;
const READY_TIMEOUT_MS = 180_000;
/** After the last step: the buffers replay and the last alarms arrive. */
const SETTLE_MS = 10_000;
/** Samples of every role: often enough for a slope in a short soak. */
const HEALTH_EVERY_S = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`soak: ${what} not seen within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/** A device of the simulator's collector configuration: where the soak's hand reaches its panel. */
type SoakDevice = { id: string; protocol: SubstationProtocol; timeout_ms?: number } & ModbusDevice;
/** A Modbus device's request timeout when its configuration leaves it out (collectors/modbus/config.ts). */
const MODBUS_TIMEOUT_MS = 1000;

function readDevices(layout: SoakLayout): Map<string, SoakDevice> {
  const doc = parse(fs.readFileSync(layout.devicesFile, 'utf8'), { maxAliasCount: -1 }) as { collect: { devices: SoakDevice[] } };
  return new Map(doc.collect.devices.map((d) => [d.id, d]));
}

class SimulatorAdmin {
  constructor(private readonly layout: SoakLayout) {}

  private async call(method: string, route: string, body?: unknown): Promise<unknown> {
    const token = fs.readFileSync(this.layout.adminTokenFile, 'utf8').trim();
    const response = await fetch(`${this.layout.adminUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`simulator ${method} ${route}: ${response.status} ${text}`);
    return JSON.parse(text);
  }

  async inject(request: unknown): Promise<number> {
    return ((await this.call('POST', '/faults', request)) as { id: number }).id;
  }

  async clear(id: number): Promise<void> {
    await this.call('DELETE', `/faults/${id}`);
  }
}

/**
 * A count from the platform's database while it runs: 0 before the file or the table is there,
 * or while a writer holds a lock the next poll will find released.
 */
function countIn(file: string, table: string, sql: string, ...params: unknown[]): number {
  if (!fs.existsSync(file)) return 0;
  const db = new Database(file, { readonly: true });
  try {
    if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE name = ?`).get(table)) return 0;
    return (db.prepare(sql).get(...params) as { n: number }).n;
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) return 0;
    throw e;
  } finally {
    db.close();
  }
}

/** Substations with a heartbeat stored stamped after `sinceMs`. */
const substationsReporting = (file: string, sinceMs = 0): number =>
  countIn(
    file,
    'points_recent',
    `SELECT COUNT(DISTINCT s.substation) AS n FROM series s JOIN ${ALL_POINTS} p ON p.series_id = s.id WHERE s.tag = 'plc.heartbeat' AND p.ts > ?`,
    sinceMs,
  );

/** Roles a kill of which stops the data for a while: the next step waits until it flows again. */
const DATA_PATH: readonly SoakRole[] = ['simulate', 'broker', 'collect', 'historian'];
/** Beyond this the data path is not back: the soak goes on and the gap shows in the figures. */
const DATA_BACK_TIMEOUT_MS = 60_000;
/**
 * A started alarm engine learns its baselines before it can see a leak: min_samples (10) of its
 * one-a-second evaluations (sample_s, scaled, is shorter). Real time: 10 minutes of blindness.
 */
const ALARMS_WARM_UP_MS = 12_000;
/** The panel's swing of the supply setpoint while a fault needs the valve moving, and how often it turns (within any rule's 5 s window). */
const PANEL_SWING_K = 8;
const PANEL_SWING_MS = 3_000;

const acknowledgedWrites = (file: string): number =>
  countIn(file, 'audit_log', `SELECT COUNT(*) AS n FROM audit_log WHERE action = 'plant.write' AND outcome = 'ok'`);

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const say = o.progress ?? (() => undefined);
  fs.mkdirSync(path.join(o.dir, 'logs'), { recursive: true });
  const layout = await writeSoakConfig({ dir: o.dir, substations: o.substations, seed: o.seed, speed: o.speed, healthEveryS: HEALTH_EVERY_S });
  const argsOf = (r: SoakRole) => ['--config', layout.configFile, ...(r === 'collect' ? ['--devices', layout.devicesFile] : [])];
  const roles = new Map<SoakRole, RoleProcess>(SOAK_ROLES.map((r) => [r, new RoleProcess(r, argsOf(r), path.join(o.dir, 'logs', `${r}.log`))]));
  const role = (r: SoakRole) => roles.get(r)!;
  const admin = new SimulatorAdmin(layout);
  const faults: FaultWindow[] = [];
  const kills: { role: SoakRole; back_after_s: number }[] = [];
  const wallMsPerSimDay = (86_400 / o.speed) * 1000;
  let runStartMs = Date.now();
  let devices = new Map<string, SoakDevice>();
  let endMs = Number.POSITIVE_INFINITY;

  try {
    say(`soak: ${o.substations} substations at ×${o.speed}, files in ${o.dir}`);
    await role('simulate').start();
    devices = readDevices(layout);
    await role('broker').start();
    await Promise.all((['historian', 'collect', 'alarms', 'control', 'serve'] as const).map((r) => role(r).start()));
    say('soak: every role started; waiting for data from every substation and the first acknowledged command');
    await until(`data from all ${layout.substations.length} substations`, READY_TIMEOUT_MS, () => substationsReporting(layout.databaseFile) >= layout.substations.length);
    await until('an acknowledged plant write', READY_TIMEOUT_MS, () => acknowledgedWrites(layout.databaseFile) > 0);
    await sleep(ALARMS_WARM_UP_MS);

    runStartMs = Date.now();
    const steps = planSoak({
      durationS: (o.simDays * wallMsPerSimDay) / 1000,
      holdS: o.holdS,
      gapS: o.gapS,
      restartS: RESTART_ESTIMATE_S,
      roles: SOAK_ROLES,
      killsPerRole: o.killsPerRole,
      faults: SOAK_FAULTS,
      substations: layout.substations.map((id) => ({ id, protocol: devices.get(id)!.protocol })),
      seed: o.seed,
    });
    for (const [k, step] of steps.entries()) {
      say(`soak ${String(Math.round((100 * k) / steps.length)).padStart(3)}% step ${k + 1}/${steps.length}: ${describe(step)}`);
      if (step.kind === 'fault') {
        const startMs = Date.now();
        const id = await admin.inject(step.request);
        const swing = step.moveValve && step.request.substation !== undefined ? await swingSupplySetpoint(devices.get(step.request.substation)!, PANEL_SWING_K, PANEL_SWING_MS) : undefined;
        await sleep(o.holdS * 1000);
        await swing?.stop();
        await admin.clear(id);
        faults.push({ kind: step.request.kind, ...(step.request.substation === undefined ? {} : { substation: step.request.substation }), startMs, endMs: Date.now(), expect: step.expect });
      } else {
        const r = role(step.role);
        const killMs = Date.now();
        await r.kill();
        await r.start();
        const readyMs = r.lives[r.lives.length - 1].readyMs!;
        kills.push({ role: step.role, back_after_s: Math.round((readyMs - killMs) / 100) / 10 });
        // The alarm engine sees the outage too (comm loss everywhere): the next fault waits for data.
        if (DATA_PATH.includes(step.role)) {
          await until('data from every substation after the restart', DATA_BACK_TIMEOUT_MS, () => substationsReporting(layout.databaseFile, readyMs) >= layout.substations.length).catch((e: unknown) => say(`soak: ${(e as Error).message}`));
        }
        if (step.role === 'alarms') await sleep(ALARMS_WARM_UP_MS);
      }
      await sleep(o.gapS * 1000);
    }
    say('soak: timeline done; letting buffers replay');
    await sleep(SETTLE_MS);
  } finally {
    endMs = Date.now();
    // The plant first, so nothing new is served; then the data path from its far end.
    for (const r of ['simulate', 'collect', 'control', 'alarms', 'serve', 'historian', 'broker'] as const) await role(r).stop();
    for (const r of roles.values()) r.close();
  }

  const lives = new Map<SoakRole, readonly RoleLife[]>([...roles].map(([name, r]) => [name, r.lives]));
  const ledger = readServedLedger(layout.ledgerFile);
  // The heat source's PLC has no heartbeat tag; every substation PLC has.
  const served: ServedBeat[] = ledger.flatMap((e) => (e.kind === 'heartbeat' && layout.substations.includes(e.substation) ? [e] : []));
  const outcomes = new SoakOutcomes(layout.databaseFile, layout.rulesFile);
  try {
    const stored = outcomes.heartbeats();
    const protocolOf = (s: string): SubstationProtocol => devices.get(s)?.protocol ?? 'modbus';
    const modbusTimeoutMs = Math.max(...[...devices.values()].map((d) => d.timeout_ms ?? MODBUS_TIMEOUT_MS));
    const gaps = [...killGaps(lives), ...lateAnswerGaps(stored, protocolOf, modbusTimeoutMs), { fromMs: endMs - IN_FLIGHT_MS, toMs: Number.POSITIVE_INFINITY, reason: 'in flight when the plant stopped at the end' }];
    const reconciliation = reconcile(served, stored, gaps, protocolOf, matchWindowMs(o.speed));
    const judged = faults.map((f) => ({ ...f, verdict: outcomes.verdict(f) }));
    const commands = outcomes.commands();
    const auditChain = outcomes.auditChain();
    const health = [...roles.values()].map((r) => roleHealth(r, runStartMs, wallMsPerSimDay));
    const writes = ledger.flatMap((e) => (e.kind === 'write' ? [e] : []));
    const storedPoints = outcomes.storedPoints();
    const simLives = role('simulate').lives;
    const simMs = simLives.reduce((sum, l) => sum + ((l.endedMs ?? Date.now()) - (l.readyMs ?? l.startedMs)), 0);
    const platform = health.filter((h) => h.role !== 'simulate');
    const growth = platform.flatMap((h) => (h.rss_growth_pct_per_day === null ? [] : [h.rss_growth_pct_per_day]));
    const count = (v: FaultVerdict) => judged.filter((f) => f.verdict === v).length;
    const summary: SoakSummary = {
      bench: 'soak',
      sim_days: Math.round((simMs / wallMsPerSimDay) * 100) / 100,
      substations: layout.substations.length,
      points_produced: reconciliation.produced,
      points_stored: reconciliation.stored,
      lost: reconciliation.lost,
      in_flight_at_kills: Object.values(reconciliation.excused).reduce((a, b) => a + b, 0),
      faults: judged.length,
      alarmed: count('alarmed'),
      masked: count('masked'),
      not_alarmed: count('not_alarmed'),
      kills: kills.length,
      restart_s_max: Math.max(0, ...kills.map((k) => k.back_after_s)),
      commands: commands.sent,
      commands_acknowledged: commands.acknowledged,
      commands_refused_with_reason: commands.refused + commands.unanswered - commands.without_reason,
      audit_chain_ok: auditChain.ok,
      rss_growth_pct_per_day: growth.length === 0 ? null : Math.max(...growth),
      db_bytes_per_point: storedPoints === 0 ? 0 : Math.round((outcomes.databaseBytes() / storedPoints) * 10) / 10,
      event_loop_p99_ms: Math.max(0, ...platform.map((h) => h.event_loop_p99_ms)),
      max_event_loop_delay_ms: Math.max(0, ...platform.map((h) => h.event_loop_max_ms)),
      simulator_event_loop_p99_ms: health.find((h) => h.role === 'simulate')?.event_loop_p99_ms ?? 0,
    };
    const result: SoakResult = {
      summary,
      reconciliation,
      faults: judged,
      kills,
      commands,
      auditChain,
      health,
      writesServed: { accepted: writes.filter((w) => w.kind === 'write' && w.ok).length, refused: writes.filter((w) => w.kind === 'write' && !w.ok).length },
    };
    // Beside the logs, ledger and database: everything needed to look into a run afterwards.
    fs.writeFileSync(path.join(o.dir, 'result.json'), `${JSON.stringify(result, null, 1)}\n`);
    return result;
  } finally {
    outcomes.close();
  }
}

function describe(step: SoakStep): string {
  return step.kind === 'kill' ? `kill -9 ${step.role}, restart` : `fault ${step.request.kind}${step.request.substation ? ` on ${step.request.substation}` : ' (network)'}`;
}
