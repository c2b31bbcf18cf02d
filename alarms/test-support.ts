import Database from 'better-sqlite3';
import { pino } from 'pino';
import { AlarmStore } from './alarm-store.ts';
import { resolveAlarmsConfig, type AlarmDefinition, type AlarmsConfig } from './config-schema.ts';
import { AlarmEngine, type EngineOptions } from './engine.ts';

// An engine on an in-memory database with a hand-driven clock, for the unit tests.

export interface EngineHarness {
  engine: AlarmEngine;
  store: AlarmStore;
  clock: { now: number };
  /** Moves the clock by `s` seconds, evaluating every `stepS`, feeding `feed` before each evaluation. */
  run(s: number, feed?: (engine: AlarmEngine) => void, stepS?: number): void;
}

export function engineHarness(definitions: AlarmDefinition[], config: Partial<AlarmsConfig> = {}, db = new Database(':memory:'), options: Pick<EngineOptions, 'history'> = {}): EngineHarness {
  const clock = { now: Date.UTC(2026, 0, 15) };
  const store = new AlarmStore(db);
  const engine = new AlarmEngine({ definitions, config: { ...resolveAlarmsConfig({}), ...config }, store, now: () => clock.now, logger: pino({ level: 'silent' }), ...options });
  return {
    engine,
    store,
    clock,
    run(s, feed, stepS = 1) {
      for (let t = 0; t < s; t += stepS) {
        clock.now += stepS * 1000;
        feed?.(engine);
        engine.evaluate();
      }
    },
  };
}
