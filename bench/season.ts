// bench:season — 1,000 substations through the season start at simulator speed: the plant
// (simulators/plant.ts, in process, no sockets; every loop with a fill connection) goes empty →
// filling → pressure test (3 % of the loops leak, at seeded sizes) → cold run → hot, each phase
// until every loop is judged, and the SAME season role as `heatscada start`
// (season/start.ts's createSeasonRole: watcher, judges, checklist in SQLite, work orders) is fed
// every substation's tags each simulated minute, as the live feed would. It counts the leaks the
// pressure test found and the checks failed on a tight loop (false fails), then runs the
// balancing loop through a forecast cold snap with and without the forecast (bench/cold-snap-run.ts).
//
// Baseline, measured in the same run on the same curves: an end-of-hold judge (the drop read
// from two raw samples, the first and the one at hold_min, as a test log sheet is filled in) —
// how many leaks and false fails it gives, and how long each judge takes to find a leak.

import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { resolveAlarmsConfig } from '../alarms/config-schema.ts';
import { WorkOrders } from '../alarms/work-orders.ts';
import { resolveSeasonConfig } from '../season/config-schema.ts';
import { valueAt } from '../season/curve.ts';
import { designsOf } from '../season/designs.ts';
import { WATCHED_TAGS } from '../season/observed-phase.ts';
import { testPressureMpa } from '../season/pressure-test.ts';
import { createSeasonRole } from '../season/start.ts';
import { withFillConnections } from '../simulators/network/fill-connection.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { seededRandom } from '../simulators/network/random.ts';
import { Plant } from '../simulators/plant.ts';
import { coldSnapRun } from './cold-snap-run.ts';

const { values } = parseArgs({
  options: {
    substations: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '21' },
    'leak-share': { type: 'string', default: '0.03' },
    'cold-snap-substations': { type: 'string', default: '50' },
    // The district of tests/cold-snap.test.ts and control/README.md's figures; others: see the README.
    'cold-snap-seed': { type: 'string', default: '1' },
  },
});
const N = Number(values.substations);
const SEED = Number(values.seed);
const SAMPLE_S = 60;
const started = performance.now();
const say = (line: string) => process.stderr.write(`${line}\n`);
const log = pino({ level: 'silent' });

const city = withFillConnections(generateCity({ substations: N, seed: SEED }));
const ids = city.substations.map((s) => s.id);
const rnd = seededRandom(SEED + 1);
const leakCount = Math.round(N * Number(values['leak-share']));
const shuffled = [...ids];
for (let k = shuffled.length - 1; k > 0; k--) {
  const j = Math.floor(rnd() * (k + 1));
  [shuffled[k], shuffled[j]] = [shuffled[j], shuffled[k]];
}
const leaking = new Set(shuffled.slice(0, leakCount));
const startMs = Date.parse('2026-09-20T08:00:00+08:00');
// Before the season: every loop drained, the source unlit, late September's weather, homes still
// warm from late summer.
const plant = new Plant(city, { startMs, warmUpS: 600, stepS: 2, scenario: { season_start: { indoor_c: 22, outdoor_mean_c: 12 }, faults: [], season: [] } });

const config = resolveSeasonConfig({ judges: { pressure_test: { hold_min: 30 }, cold_run: { hours: 2 }, hot_run: { hours: 2 } }, evaluate_every_s: 1 });
const db = new Database(':memory:');
const designs = designsOf(city);
const workOrders = new WorkOrders(db, resolveAlarmsConfig({ crews: [{ id: 'crew-1', name: 'Crew 1', groups: [] }] }), () => plant.timeMs, log);
const role = createSeasonRole(config, { database: db, substations: ids, designs, workOrders, now: () => plant.timeMs, logger: log });
/** Every substation's pressure, sample by sample, through the pressure test: the baseline judges the same curves. */
const pressureCurves = new Map<string, [number, number][]>(ids.map((id) => [id, []]));

function run(label: string, seconds: number, until?: () => boolean): number {
  const from = plant.timeMs;
  let lastPercent = -1;
  for (let s = 0; s < seconds; s += SAMPLE_S) {
    plant.advance(SAMPLE_S);
    for (const id of ids) role.watcher.ingest(id, WATCHED_TAGS.map((tag) => ({ tag, value: plant.read(id, tag) })));
    if (label === 'pressure_test') for (const id of ids) pressureCurves.get(id)!.push([plant.timeMs, plant.read(id, 'secondary.supply_pressure') as number]);
    role.evaluate();
    const percent = Math.floor((100 * s) / seconds / 25) * 25;
    if (percent !== lastPercent) ((lastPercent = percent), say(`season ${label.padEnd(13)} ${String(percent).padStart(3)}% of ≤ ${(seconds / 3600).toFixed(1)} h simulated, ${((performance.now() - started) / 1000).toFixed(1)} s wall`));
    if (until?.()) break;
  }
  return (plant.timeMs - from) / 60_000;
}
const count = (phase: string, state: string, group: Iterable<string> = ids) => {
  const wanted = new Set(group);
  return role.checks().filter((c) => c.phase === phase && c.state === state && wanted.has(c.substation)).length;
};

run('empty', 600);
plant.setSeasonPhase('all', 'filling');
const fillMin = run('filling', 12 * 3600, () => count('filling', 'passed') === N);
for (const id of leaking) plant.injectFault({ kind: 'leak', substation: id, severity: 0.1 + 0.5 * rnd() });
plant.setSeasonPhase('all', 'pressure_test');
const testStart = plant.timeMs;
const judged = (phase: string, group: Iterable<string> = ids) => count(phase, 'passed', group) + count(phase, 'failed', group) === [...group].length;
run('pressure_test', 3 * 3600, () => judged('pressure_test'));
const tightIds = ids.filter((id) => !leaking.has(id));
plant.setSeasonPhase('all', 'cold_run');
run('cold_run', 2.5 * 3600);
plant.setSeasonPhase('all', 'hot');
run('hot', 12 * 3600, () => count('hot_run', 'passed', tightIds) === tightIds.length);

const failedOf = (id: string) => role.checks(id).filter((c) => c.state === 'failed');
const leaksFound = [...leaking].filter((id) => role.checks(id).some((c) => c.phase === 'pressure_test' && c.state === 'failed')).length;
// A false fail: a tight loop with a failed check, or one that was sent a crew (a check failed, then passed on a retest).
const orderedAt = new Set(workOrders.list().map((o) => o.substation));
const falseFails = tightIds.filter((id) => failedOf(id).length > 0 || orderedAt.has(id)).length;
const findMin = [...leaking].flatMap((id) => {
  const c = role.checks(id).find((k) => k.phase === 'pressure_test' && k.state === 'failed');
  return c?.evidence ? [(c.evidence.to - c.evidence.from) / 60_000] : [];
});

// The baseline: the drop between two raw samples, at the start of the hold and hold_min later.
const params = config.judges.pressure_test;
let baselineFound = 0;
let baselineFalse = 0;
for (const id of ids) {
  const curve = pressureCurves.get(id)!;
  const target = testPressureMpa(params, designs.get(id)?.staticMpa)!;
  const start = curve.find(([, p]) => p >= target - params.tolerance_mpa)?.[0] ?? testStart;
  const drop = (valueAt(curve, start) ?? 0) - (valueAt(curve, start + params.hold_min * 60_000) ?? 0);
  if (drop > params.max_drop_mpa) leaking.has(id) ? baselineFound++ : baselineFalse++;
}
const median = (v: number[]) => (v.length === 0 ? NaN : [...v].sort((a, b) => a - b)[v.length >> 1]);
say(
  `season judged: filled in ${fillMin.toFixed(0)} min; pressure test ${count('pressure_test', 'passed')} passed, ${count('pressure_test', 'failed')} failed; cold run ${count('cold_run', 'passed')} passed, ${count('cold_run', 'failed')} failed; hot run ${count('hot_run', 'passed')} passed; ${workOrders.list().length} work orders (${Object.entries(workOrders.list().reduce<Record<string, number>>((m, o) => ((m[o.alarm] = (m[o.alarm] ?? 0) + 1), m), {})).map(([alarm, n]) => `${alarm} ${n}`).join(', ')})`,
);
// Every check neither passed nor pending, by phase, state and reason: the failures and any left running.
const unsettled = role.checks().filter((c) => c.state !== 'passed' && c.state !== 'pending' && c.phase !== 'hot_run').reduce<Record<string, number>>((m, c) => ((m[`${c.phase}:${c.state}:${c.code}`] = (m[`${c.phase}:${c.state}:${c.code}`] ?? 0) + 1), m), {});
say(`season checks failed or still running, by reason: ${JSON.stringify(unsettled)}`);
for (const id of leaking) {
  const c = role.checks(id).find((k) => k.phase === 'pressure_test')!;
  if (c.state !== 'failed') say(`leak not found in the pressure test: ${id} ${c.state} ${c.code ?? ''} ${c.reason ?? ''}`);
}
say(`baseline (end-of-hold judge, two raw samples, same curves): leaks found ${baselineFound}/${leaking.size}, false fails ${baselineFalse}, a leak known after ${params.hold_min} min; season judge: ${leaksFound}/${leaking.size}, false fails ${falseFails}, a leak known after a median ${median(findMin).toFixed(1)} min (max ${Math.max(...findMin).toFixed(1)})`);
const seasonWallS = (performance.now() - started) / 1000;

const snapN = Number(values['cold-snap-substations']);
const snapSeed = Number(values['cold-snap-seed']);
const withForecast = await coldSnapRun({ substations: snapN, forecast: true, seed: snapSeed, onProgress: (line) => say(`cold snap, forecast: ${line}`) });
const withoutForecast = await coldSnapRun({ substations: snapN, forecast: false, seed: snapSeed, onProgress: (line) => say(`cold snap, no forecast: ${line}`) });
say(`cold snap (${snapN} substations, seed ${snapSeed}): coldest home ${withForecast.minIndoorC.toFixed(2)} °C with the forecast, ${withoutForecast.minIndoorC.toFixed(2)} °C without; writes outside the envelope ${withForecast.leftEnvelope + withoutForecast.leftEnvelope}; season part ${seasonWallS.toFixed(1)} s wall`);

console.log(
  JSON.stringify({
    bench: 'season',
    substations: N,
    wall_s: Math.round((performance.now() - started) / 100) / 10,
    leaks: leaking.size,
    leaks_found_in_test: leaksFound,
    false_fails: falseFails,
    cold_snap_min_indoor_c: Math.round(withForecast.minIndoorC * 100) / 100,
    cold_snap_min_indoor_c_without_forecast: Math.round(withoutForecast.minIndoorC * 100) / 100,
  }),
);
