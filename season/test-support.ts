import Database from 'better-sqlite3';
import { pino } from 'pino';
import { resolveAlarmsConfig } from '../alarms/config-schema.ts';
import { WorkOrders } from '../alarms/work-orders.ts';
import type { ObservedPhase } from './observed-phase.ts';
import { resolveSeasonConfig } from './config-schema.ts';
import { createSeasonRole, type SeasonRole } from './start.ts';

// A season role on an in-memory database with a hand-driven clock and a scripted plant for the
// unit and route tests: each substation's loop reports, once a minute, the telemetry of the
// phase it is told to be in (as the contract of the simulator's phases says), a leaking loop
// losing pressure while isolated.

export const T0 = Date.UTC(2026, 8, 20);
const STATIC = 0.3;
const DESIGN_FLOW = 100;

export interface SeasonHarness {
  role: SeasonRole;
  workOrders: WorkOrders;
  clock: { now: number };
  /** Runs `minutes` with the given substations in a phase (the others hold theirs), evaluating each minute. */
  run(minutes: number, phase: ObservedPhase, substations: readonly string[]): void;
}

export function seasonHarness(ids: readonly string[], leaking: readonly string[], config: unknown = {}): SeasonHarness {
  const db = new Database(':memory:');
  const clock = { now: T0 };
  const log = pino({ level: 'silent' });
  const workOrders = new WorkOrders(db, resolveAlarmsConfig({ crews: [{ id: 'north', name: 'North crew', groups: ['north'] }], groups: { north: [...ids] } }), () => clock.now, log);
  const designs = new Map(ids.map((id) => [id, { staticMpa: STATIC, designFlowM3h: DESIGN_FLOW }]));
  const role = createSeasonRole(resolveSeasonConfig(config), { database: db, substations: ids, designs, workOrders, now: () => clock.now, logger: log });
  const phases = new Map<string, ObservedPhase>(ids.map((id) => [id, 'empty']));
  const pressure = new Map<string, number>(ids.map((id) => [id, 0]));
  const indoor = new Map<string, number>(ids.map((id) => [id, 14]));
  const reading = (id: string, phase: ObservedPhase) => {
    let p = pressure.get(id)!;
    if (phase === 'empty') p = 0;
    if (phase === 'filling') p = Math.min(STATIC, p + 0.05);
    if (phase === 'pressure_test') p = p < STATIC + 0.05 ? STATIC + 0.1 : p - (leaking.includes(id) ? 0.004 : 0.0001);
    if (phase === 'cold_run' || phase === 'hot') p = STATIC;
    pressure.set(id, p);
    const hot = phase === 'hot';
    if (hot) indoor.set(id, Math.min(21, indoor.get(id)! + 0.05));
    const circulating = phase === 'cold_run' || hot;
    return [
      { tag: 'secondary.supply_pressure', value: Math.round(p * 1000) / 1000 },
      { tag: 'pump.running', value: circulating },
      { tag: 'makeup.running', value: phase === 'filling' || circulating },
      { tag: 'secondary.flow', value: circulating ? DESIGN_FLOW : 0 },
      { tag: 'makeup.flow', value: phase === 'filling' ? 5 : circulating ? (leaking.includes(id) ? 1.5 : 0.1) : 0 },
      { tag: 'secondary.supply_temp', value: hot ? 50 : 12 },
      { tag: 'secondary.supply_temp_setpoint', value: 50 },
      { tag: 'indoor.temp_min', value: indoor.get(id)! },
    ];
  };
  return {
    role,
    workOrders,
    clock,
    run(minutes, phase, substations) {
      for (const id of substations) phases.set(id, phase);
      for (let m = 0; m < minutes; m++) {
        clock.now += 60_000;
        for (const id of ids) role.watcher.ingest(id, reading(id, phases.get(id)!));
        role.evaluate();
      }
    },
  };
}
