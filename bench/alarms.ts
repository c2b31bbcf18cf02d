// bench:alarms — a generated city accelerated through 24 simulated hours with faults of every
// kind of DOMAIN.md at seeded random times, driving the SAME alarm engine as `heatscada alarms`
// straight from the plant model (alarms/plant-adapter.ts: every substation polled each poll
// period, a DEATH while a PLC does not answer; no protocols). It scores each fault against the
// alarm that must explain it, counts alarms no fault explains, the detection times, and the
// most alarms an operator is shown in any 10 minutes (a flood group counts once).
//
// Detection is timed from the poll at which the fault was injected, and judged against the
// target "the firing rule's own delay plus one poll period": its on-delay (and a frozen rule's
// for_s, a silence rule's polls) plus one poll. Each line also says when the rule's condition
// first held, which separates the physics and thresholds (a trip carried by the mains, a drift
// still inside its band) from the rule's own wait.

import Database from 'better-sqlite3';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AlarmStore } from '../alarms/alarm-store.ts';
import { loadRuleSet, resolveAlarmsConfig } from '../alarms/config-schema.ts';
import type { AlarmDefinition } from '../alarms/config-schema.ts';
import { AlarmEngine, NETWORK, type AlarmChange } from '../alarms/engine.ts';
import { PlantAdapter } from '../alarms/plant-adapter.ts';
import { NETWORK_FAULTS, type DomainFaultKind, type FaultRequest } from '../simulators/faults/schema.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { seededRandom } from '../simulators/network/random.ts';
import { Plant } from '../simulators/plant.ts';
import { progress } from './progress.ts';

const { values } = parseArgs({
  options: {
    substations: { type: 'string', default: '50' },
    hours: { type: 'string', default: '24' },
    seed: { type: 'string', default: '11' },
    'per-kind': { type: 'string', default: '2' },
    'poll-s': { type: 'string', default: '5' },
  },
});
const N = Number(values.substations);
const HOURS = Number(values.hours);
const POLL_S = Number(values['poll-s']);
const PER_KIND = Number(values['per-kind']);
const rnd = seededRandom(Number(values.seed));

/**
 * The alarm that must explain each fault kind (comm loss and power loss look alike from the
 * centre). The plant's faults only: this bench drives the engine from the model, with no
 * protocol to carry bad data (tests/bad-plant-data.test.ts covers those).
 */
const EXPECTED: Record<DomainFaultKind, string> = {
  power_loss: 'power_loss',
  comm_loss: 'power_loss',
  pump_trip: 'pump_trip',
  leak: 'leak',
  filter_clog: 'clogged_filter',
  valve_stuck: 'valve_stuck',
  sensor_frozen: 'frozen_sensor',
  sensor_drift: 'supply_off_setpoint',
  sensor_spike: 'sensor_spike',
  source_trip: 'source_trip',
  cold_snap: 'cold_snap',
};
/**
 * A fault explains alarms at its substation (everywhere for a network fault) until this long
 * after it ends: a network fault leaves the mains cold for hours and the buildings longer.
 */
const EXPLAINS_AFTER_S = { local: 3600, network: 12 * 3600 };
const LOCAL_FAULT_S = { min: 3600, max: 3 * 3600 };
const NETWORK_FAULT_S = 3600;
/** Network faults in the first hours of the day; local faults once the network has recovered. */
const NETWORK_START_S = { from: 1800, to: 2 * 3600 };
const LOCAL_FROM_S = 12 * 3600;

type DomainFaultRequest = FaultRequest & { kind: DomainFaultKind };

interface Planned {
  request: DomainFaultRequest;
  startS: number;
  endS: number;
  id?: number;
  /** Plant time of the injection, ms. */
  injectedMs?: number;
  detectedS?: number;
  /** The rule of the expected alarm that raised it, and when its condition first held (s after injection). */
  rule?: number;
  conditionS?: number;
}

/** What the target allows a rule: its own wait (on-delay, a frozen rule's for_s, a silence rule's polls) plus one poll. */
function allowedS(def: AlarmDefinition, rule: number): { waitS: number; allowedS: number } {
  const r = def.rules[rule];
  const waitS = r.on_delay_s + (r.kind === 'frozen' ? r.for_s : 0) + (r.kind === 'comm-loss' || r.kind === 'stale' ? r.polls * POLL_S : 0);
  return { waitS, allowedS: waitS + POLL_S };
}

/** Faults at seeded random times: one at a time per substation, network faults early. */
function plan(ids: readonly string[], totalS: number): Planned[] {
  const out: Planned[] = [];
  const busy = new Map<string, [number, number][]>();
  const free = (id: string, a: number, b: number) => (busy.get(id) ?? []).every(([x, y]) => b + EXPLAINS_AFTER_S.local < x || a > y + EXPLAINS_AFTER_S.local);
  for (const kind of Object.keys(EXPECTED) as DomainFaultKind[]) {
    if (NETWORK_FAULTS.includes(kind)) {
      const startS = NETWORK_START_S.from + rnd() * (NETWORK_START_S.to - NETWORK_START_S.from);
      out.push({ request: { kind, severity: 1 }, startS, endS: startS + NETWORK_FAULT_S });
      continue;
    }
    for (let k = 0; k < PER_KIND; k++) {
      for (let attempt = 0; attempt < 200; attempt++) {
        const duration = LOCAL_FAULT_S.min + rnd() * (LOCAL_FAULT_S.max - LOCAL_FAULT_S.min);
        const startS = LOCAL_FROM_S + rnd() * (totalS - LOCAL_FROM_S - duration - 1800);
        const substation = ids[Math.floor(rnd() * ids.length)];
        if (!free(substation, startS, startS + duration)) continue;
        busy.set(substation, [...(busy.get(substation) ?? []), [startS, startS + duration]]);
        const request: DomainFaultRequest = { kind, substation, severity: kind === 'leak' ? 0.5 : 1 };
        if (kind === 'sensor_frozen') request.tag = 'secondary.return_temp';
        if (kind === 'sensor_drift' || kind === 'sensor_spike') request.tag = 'secondary.supply_temp';
        out.push({ request, startS, endS: startS + duration });
        break;
      }
    }
  }
  return out.sort((a, b) => a.startS - b.startS);
}

const WINDOW_MS = 600_000;

function main(): void {
  const city = generateCity({ substations: N, seed: Number(values.seed) });
  const plant = new Plant(city, { startMs: Date.UTC(2026, 0, 15), warmUpS: 3 * 3600 });
  const definitions = loadRuleSet('config/alarm-rules.yaml');
  // This generated city is not balanced (the balancing loop is another role): its far end runs
  // cold with valves wide open. Its commissioning tuning, as configuration, and said so in the output.
  const overrides = [
    { alarm: 'cold_homes', rule: 0, set: { threshold: 15 } },
    { alarm: 'supply_off_setpoint', rule: 1, set: { threshold: -12 } },
  ];
  const config = resolveAlarmsConfig({ poll_period_s: POLL_S, overrides });
  console.log(
    '  NOTE: the generated city is unbalanced (its far end runs cold with valves wide open), so the bench lowers two thresholds of DOMAIN.md:\n' +
      '        cold_homes below 15 °C (DOMAIN: 18 °C) and supply_off_setpoint low band −12 K (DOMAIN rule: −5 K). Cold homes at 15–18 °C go unseen here.',
  );
  const db = new Database(':memory:');
  const startMs = plant.timeMs;
  const engine = new AlarmEngine({ definitions, config, store: new AlarmStore(db), now: () => plant.timeMs, logger: pino({ level: 'silent' }) });
  const adapter = new PlantAdapter(plant, engine);
  const totalS = HOURS * 3600;
  const faults = plan(plant.substationIds, totalS);
  const shown: { at: number; key: string }[] = [];
  const unexplained: string[] = [];
  const at = (ms: number) => (ms - startMs) / 1000;

  engine.listen((c: AlarmChange) => {
    if (c.event !== 'activate' || !c.annunciated) return;
    const r = c.record;
    const t = at(r.raisedAt);
    shown.push({ at: r.raisedAt, key: r.floodGroup === null ? `a${r.id}` : `f${r.floodGroup}` });
    const explainers = faults.filter(
      (f) =>
        t >= f.startS &&
        t <= f.endS + (NETWORK_FAULTS.includes(f.request.kind) ? EXPLAINS_AFTER_S.network : EXPLAINS_AFTER_S.local) &&
        (NETWORK_FAULTS.includes(f.request.kind) || f.request.substation === r.substation),
    );
    for (const f of explainers) {
      const where = f.request.substation ?? NETWORK;
      if (f.detectedS === undefined && f.injectedMs !== undefined && r.alarm === EXPECTED[f.request.kind] && r.substation === where && t <= f.endS + POLL_S) {
        f.detectedS = (r.raisedAt - f.injectedMs) / 1000;
        f.rule = c.cause?.rule ?? 0;
        f.conditionS = ((c.cause?.since ?? r.raisedAt) - f.injectedMs) / 1000;
      }
    }
    if (explainers.length === 0) unexplained.push(`${r.substation}/${r.alarm}@${(t / 3600).toFixed(2)}h`);
  });

  const bar = progress('alarms');
  const started = performance.now();
  for (let t = 0; t < totalS; t += POLL_S) {
    plant.advance(POLL_S);
    for (const f of faults) {
      if (f.id === undefined && t >= f.startS) (f.id = plant.injectFault(f.request).id), (f.injectedMs = plant.timeMs);
      else if (f.id !== undefined && t >= f.endS && plant.faults.list().some((a) => a.id === f.id)) plant.clearFault(f.id);
    }
    adapter.poll();
    engine.evaluate();
    if (t % 3600 === 0) bar.update(t, totalS, `${faults.filter((f) => f.detectedS !== undefined).length} faults detected`);
  }
  const wallS = (performance.now() - started) / 1000;
  bar.done(`${HOURS} h of ${N} substations in ${wallS.toFixed(1)} s wall`);

  let maxShown = 0;
  for (const s of shown) {
    const keys = new Set(shown.filter((o) => o.at >= s.at && o.at < s.at + WINDOW_MS).map((o) => o.key));
    maxShown = Math.max(maxShown, keys.size);
  }
  const times = faults.flatMap((f) => (f.detectedS === undefined ? [] : [f.detectedS])).sort((a, b) => a - b);
  const overs: number[] = [];
  for (const f of faults) {
    const alarm = EXPECTED[f.request.kind];
    const head = `  ${f.request.kind.padEnd(13)} ${(f.request.substation ?? NETWORK).padEnd(9)} at ${(f.startS / 3600).toFixed(2)} h for ${((f.endS - f.startS) / 60).toFixed(0)} min → ${alarm.padEnd(20)}`;
    if (f.detectedS === undefined || f.rule === undefined) {
      console.log(`${head} NOT DETECTED`);
      continue;
    }
    const def = definitions.find((d) => d.id === alarm)!;
    const { waitS, allowedS: allowed } = allowedS(def, f.rule);
    const over = f.detectedS - allowed;
    overs.push(over);
    console.log(
      `${head} ${f.detectedS.toFixed(0).padStart(5)} s by rule ${f.rule} (${def.rules[f.rule].kind}); condition held after ${f.conditionS!.toFixed(0)} s; ` +
        `allowed ${waitS} + ${POLL_S} s → ${over <= 0 ? 'within target' : `${over.toFixed(0)} s over`}`,
    );
  }
  for (const u of unexplained) console.log(`  unexplained alarm ${u}`);
  const middle = (sorted: number[]) => (sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null);
  const median = middle(times);
  const medianOver = middle([...overs].sort((a, b) => a - b));
  console.log(
    JSON.stringify({
      bench: 'alarms',
      substations: N,
      sim_h: HOURS,
      wall_s: Math.round(wallS * 10) / 10,
      faults: faults.length,
      detected: times.length,
      false_alarms: unexplained.length,
      median_detect_s: median === null ? null : Math.round(median),
      median_over_target_s: medianOver === null ? null : Math.round(medianOver),
      within_target: overs.filter((o) => o <= 0).length,
      max_alarms_per_10min: maxShown,
      lowered_thresholds: overrides.map((o) => `${o.alarm}:${Object.entries(o.set).map(([k, v]) => `${k}=${v}`).join(',')}`),
    }),
  );
  db.close();
}

main();
