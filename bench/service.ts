// service — a season of residents' complaints for a company of Harbin's size, in one run.
//
// The address book: 1.39 million households in about 23,000 buildings of 3,000 communities on
// 1,600 substations in 10 districts. The season: 200,000 complaints over 150 days (20 October to
// 18 March), peaking in the first days of heating and in two cold snaps, mostly in the waking
// hours, the category mix of a northern city's hotline (no heat and cold rooms first), about 8 %
// repeats from the same home within 30 days. They are written as the 12345 platform's CSV export
// and imported through the import path (service/import/: parse, check every row, one transaction).
// Then the season's flow (bench/service-flow.ts: dispatch, visit, resolution, follow-up, closure,
// seeded: late work, residents not reached or not satisfied, false-closure risks, work still open
// at the end): a sample through Complaints, the rest in bulk, checked to be the same rows. Then
// every KPI for every grouping over the season, by area for every day and by community for every
// week, and list pages (newest 50, each filter, the next page).
//
// Baselines measured in the same run: the import's rows as plain prepared INSERTs in one
// transaction, and the first rows one by one through create() (one transaction each, as a form
// would enter them), each into a fresh file; the KPIs by area computed in JS from every row loaded.
//
//   npx tsx bench/service.ts [--complaints 200000 --households 1390000]
//
// Last line: {"bench":"service","complaints":200000,"import_rows_s":…,"kpi_p99_ms":…,"page_p99_ms":…, then the season's figures and the baselines}

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type Database from 'better-sqlite3';
import { pino } from 'pino';
import { WorkOrders } from '../alarms/work-orders.ts';
import type { BuildingEntry, Category, ComplaintFilter, ComplaintInput, ComplaintState, KpiGrouping } from '../model/service.ts';
import { AddressBook } from '../service/address-book.ts';
import { createComplaintTable, type ComplaintRow } from '../service/complaint-table.ts';
import { Complaints } from '../service/complaints.ts';
import { MAPPING_12345, resolveServiceConfig } from '../service/config-schema.ts';
import { dayKeyIn } from '../service/day-key.ts';
import { readExport } from '../service/import/import-file.ts';
import { exportCsv, type ExportRow } from '../service/import/write-export.ts';
import { ServiceKpis } from '../service/kpis.ts';
import { seededRandom, type Random } from '../simulators/network/random.ts';
import { SqliteAuditTrail } from '../store/audit/sqlite-audit-trail.ts';
import { openDatabase } from '../store/sqlite/schema.ts';
import { progress } from './progress.ts';
import { checkFlow, driveFlow, planSeason, writeFlow, type Received } from './service-flow.ts';

const { values } = parseArgs({
  options: {
    complaints: { type: 'string', default: '200000' },
    households: { type: 'string', default: '1390000' },
    'baseline-rows': { type: 'string', default: '3000' },
  },
});
const COMPLAINTS = Number(values.complaints);
const HOUSEHOLDS = Number(values.households);
const BASELINE_ROWS = Number(values['baseline-rows']);

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const SEASON_DAYS = 150;
/** 2026-10-20 00:00 Beijing time. */
const SEASON_START = Date.UTC(2026, 9, 19, 16);
/** The morning after the season's last day: the figures are taken, the last days' work is still open. */
const END = SEASON_START + SEASON_DAYS * DAY_MS + 8 * HOUR_MS;
/** One complaint in this many goes through Complaints itself, the check of the bulk writer. */
const FLOW_SAMPLE = 100;
/** List rounds: each the first page under a filter, then the next. */
const PAGE_ROUNDS = 400;
const ZONE = 'Asia/Shanghai';
const DISTRICTS = ['道里区', '南岗区', '道外区', '香坊区', '松北区', '平房区', '呼兰区', '阿城区', '双城区', '群力新区'];
const SUBSTATIONS = 1_600;
const HOUSEHOLDS_PER_BUILDING = 60;
const M2_PER_HOUSEHOLD = 85;
const REPEAT_WINDOW_DAYS = 30;
/** Share of complaints a home makes again within the window on purpose; chance adds the rest of the ~8 %. */
const FORCED_REPEATS = 0.055;

/** A northern city's hotline in winter: most calls are about cold. */
const CATEGORY_MIX: [Category, number, string][] = [
  ['no_heat', 0.3, '不热'],
  ['cold_home', 0.28, '室温低'],
  ['leak', 0.08, '跑冒滴漏'],
  ['air_lock', 0.12, '圈气'],
  ['noise', 0.04, '噪音'],
  ['stop_restart', 0.06, '报停'],
  ['billing', 0.08, '收费'],
  ['other', 0.04, '其他'],
];
const WORDS: Record<Category, string> = {
  no_heat: '家里暖气不热，室温只有十四五度',
  cold_home: '卧室温度低，老人孩子受不了',
  leak: '楼道暖气管漏水，地面都湿了',
  air_lock: '暖气片上面热下面凉，可能有气',
  noise: '管道夜里有响声',
  stop_restart: '申请报停，家里没人住',
  billing: '问一下今年的取暖费',
  other: '想咨询一下供热时间',
};

const log = pino({ level: 'silent' });

function pick<T>(rnd: Random, weighted: readonly (readonly [T, number, ...unknown[]])[]): T {
  let x = rnd();
  for (const w of weighted) if ((x -= w[1]) < 0) return w[0];
  return weighted[weighted.length - 1][0];
}

interface City {
  buildings: BuildingEntry[];
  groups: Record<string, string[]>;
}

/** 1.39 million households: buildings of about 60 homes, 4–12 buildings a community, 14 a substation. */
function harbin(rnd: Random): City {
  const buildingsNeeded = Math.round(HOUSEHOLDS / HOUSEHOLDS_PER_BUILDING);
  const buildings: BuildingEntry[] = [];
  let households = 0;
  for (let c = 0; buildings.length < buildingsNeeded; c++) {
    const district = DISTRICTS[c % DISTRICTS.length];
    const community = `${district.slice(0, 2)}${['阳光', '锦绣', '幸福', '翠湖', '金色', '东方', '世纪', '新华', '光明', '和谐'][Math.floor(c / DISTRICTS.length) % 10]}${['花园', '家园', '小区', '新城', '名苑'][Math.floor(c / 100) % 5]}${Math.floor(c / 500) + 1}期`;
    const count = 4 + Math.floor(rnd() * 9);
    for (let b = 1; b <= count && buildings.length < buildingsNeeded; b++) {
      const hh = buildings.length === buildingsNeeded - 1 ? Math.max(1, HOUSEHOLDS - households) : Math.round(HOUSEHOLDS_PER_BUILDING * (0.5 + rnd()));
      households += hh;
      const substation = `H${String(1 + ((c * 7 + Math.floor(b / 8)) % SUBSTATIONS)).padStart(4, '0')}`;
      buildings.push({ community, building: `${b}号楼`, substation, areaM2: hh * M2_PER_HOUSEHOLD, households: hh });
    }
  }
  const groups: Record<string, string[]> = Object.fromEntries(DISTRICTS.map((d) => [d, [] as string[]]));
  for (let s = 1; s <= SUBSTATIONS; s++) groups[DISTRICTS[(s - 1) % DISTRICTS.length]].push(`H${String(s).padStart(4, '0')}`);
  return { buildings, groups };
}

/** Relative call volume of a season day: the first days of heating, then two cold snaps. */
function dayWeight(day: number): number {
  const start = 4 * Math.exp(-day / 6);
  const snap = (centre: number) => 2.5 * Math.exp(-(((day - centre) / 3) ** 2));
  return 1 + start + snap(52) + snap(96);
}

/** Relative call volume of an hour of the day (Beijing time): few calls at night. */
const HOUR_WEIGHT = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 1.6, 1.6, 1.5, 1.3, 1.1, 1.1, 1.2, 1.2, 1.2, 1.3, 1.5, 1.6, 1.5, 1.2, 0.8, 0.4];
const HOUR_TOTAL = HOUR_WEIGHT.reduce((a, b) => a + b, 0);

/** Beijing wall time (UTC+8 all year). */
const wall = (ms: number): string => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

interface Home {
  b: BuildingEntry;
  unit: string;
  room: string;
}

function season(rnd: Random, buildings: readonly BuildingEntry[]): ExportRow[] {
  const weights = Array.from({ length: SEASON_DAYS }, (_, d) => dayWeight(d));
  const total = weights.reduce((a, b) => a + b, 0);
  const times: number[] = [];
  weights.forEach((w, d) => {
    const n = Math.round((COMPLAINTS * w) / total);
    for (let i = 0; i < n; i++) {
      const hour = pick(rnd, HOUR_WEIGHT.map((hw, h) => [h, hw / HOUR_TOTAL] as const));
      times.push(SEASON_START + d * DAY_MS + hour * 3_600_000 + Math.floor(rnd() * 3_600_000));
    }
  });
  while (times.length > COMPLAINTS) times.pop();
  while (times.length < COMPLAINTS) times.push(SEASON_START + Math.floor(rnd() * SEASON_DAYS * DAY_MS));
  times.sort((a, b) => a - b);
  const cumulative: number[] = [];
  let sum = 0;
  for (const b of buildings) cumulative.push((sum += b.households));
  const randomHome = (): Home => {
    const h = Math.floor(rnd() * sum);
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > h) hi = mid;
      else lo = mid + 1;
    }
    const b = buildings[lo];
    const k = h - (lo === 0 ? 0 : cumulative[lo - 1]);
    return { b, unit: String(1 + (k % 4)), room: String(100 * (1 + Math.floor(k / 8)) + 1 + (Math.floor(k / 4) % 2)) };
  };
  const recent: { at: number; home: Home }[] = [];
  return times.map((at, i) => {
    let home: Home;
    // The homes that called in the last 29 days: the tail of `recent`, which is in order of time.
    let first = 0;
    while (first < recent.length && recent[first].at <= at - (REPEAT_WINDOW_DAYS - 1) * DAY_MS) first++;
    const earlier = recent.length - first;
    if (earlier > 0 && rnd() < FORCED_REPEATS) home = recent[first + Math.floor(rnd() * earlier)].home;
    else home = randomHome();
    if (i % 20 === 0) {
      recent.push({ at, home });
      while (recent.length > 0 && recent[0].at < at - REPEAT_WINDOW_DAYS * DAY_MS) recent.shift();
    }
    const category = pick(rnd, CATEGORY_MIX);
    const label = CATEGORY_MIX.find((c) => c[0] === category)![2];
    return {
      ticket: `HEB2026${String(i + 1).padStart(7, '0')}`,
      received_at: wall(at),
      community: home.b.community,
      building: home.b.building,
      unit: home.unit,
      room: home.room,
      phone: `1${3 + Math.floor(rnd() * 6)}${String(Math.floor(rnd() * 1e9)).padStart(9, '0')}`,
      category: label,
      words: WORDS[category],
    };
  });
}

interface Service {
  db: Database.Database;
  complaints: Complaints;
  workOrders: WorkOrders;
}

/** The service on its own store file, opened as the store opens it, on `clock` (the flow's steps set it). */
function openService(file: string, book: AddressBook, city: City, clock: { now: number }): Service {
  const db = openDatabase({ file, cacheMb: 64, busyTimeoutMs: 5000, walMb: 256 });
  const now = () => clock.now;
  const crews = Object.keys(city.groups).map((g, i) => ({ id: `crew-${i + 1}`, name: `${g}抢修队`, groups: [g] }));
  const workOrders = new WorkOrders(db, { crews, groups: city.groups, repeat_window_days: REPEAT_WINDOW_DAYS }, now, log);
  const config = resolveServiceConfig({ display_zone: ZONE });
  const complaints = new Complaints({ database: db, addressBook: book, workOrders, audit: new SqliteAuditTrail(db, now), config, now, logger: log });
  return { db, complaints, workOrders };
}

/**
 * The baseline of the import: the same rows as plain INSERTs of the columns the import writes
 * (substation, area and day looked up as it does), one prepared statement, one transaction,
 * into the same table and indexes — no checks, no repeat lookup, no audit.
 */
function plainInserts(file: string, inputs: readonly ComplaintInput[], service: Service, book: AddressBook): number {
  const db = openDatabase({ file, cacheMb: 64, busyTimeoutMs: 5000, walMb: 256 });
  createComplaintTable(db);
  const insert = db.prepare(
    `INSERT INTO complaints (channel, ticket, received_at, day, community, building, unit, room, substation, area, phone, category, words, state, due_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?)`,
  );
  const dayOf = dayKeyIn(ZONE);
  const limits = resolveServiceConfig({ display_zone: ZONE }).time_limits_h;
  const ms = timed(() =>
    db.transaction(() => {
      for (const c of inputs) {
        const b = book.find(c.address.community, c.address.building)!;
        const at = c.receivedAt!;
        insert.run(c.channel, c.ticket, at, dayOf(at), c.address.community, c.address.building, c.address.unit, c.address.room, b.substation, service.workOrders.areaOf(b.substation), c.phone, c.category, c.words, at + limits[c.category] * HOUR_MS);
      }
    })(),
  )[1];
  db.close();
  return inputs.length / (ms / 1000);
}

/** Every complaint's flow over the season (bench/service-flow.ts): a sample through Complaints, the rest in bulk, the sample checked against the bulk writer. */
function settleSeason(service: Service, clock: { now: number }): { sample: number; ms: number } {
  const start = performance.now();
  const received = (service.db.prepare('SELECT id, received_at, due_at, category, substation, repeat_of FROM complaints ORDER BY id').all() as ComplaintRow[]).map(
    (r): Received => ({ id: r.id, receivedAt: r.received_at, dueAt: r.due_at, category: r.category, substation: r.substation, repeatOf: r.repeat_of }),
  );
  const plans = planSeason(received, { rnd: seededRandom(2026), end: END, crewFor: (s) => service.workOrders.crewFor(s) });
  const sampled = plans.filter((p) => p.id % FLOW_SAMPLE === 0);
  const bar = progress('service: flow in bulk');
  writeFlow(service.db, plans.filter((p) => p.id % FLOW_SAMPLE !== 0), (done) => bar.update(done, plans.length));
  bar.done(`${plans.length - sampled.length} complaints`);
  const [, driveMs] = timed(() => driveFlow(service.complaints, clock, sampled));
  checkFlow(service.db, sampled);
  process.stderr.write(`service: flow of ${sampled.length} sampled complaints through Complaints in ${(driveMs / 1000).toFixed(1)} s, their rows as the bulk writer's\n`);
  service.db.exec('ANALYZE');
  return { sample: sampled.length, ms: performance.now() - start };
}

const p99 = (samples: number[]): number => {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(0.99 * s.length) - 1)];
};
const round1 = (x: number): number => Math.round(x * 10) / 10;
const percent = (x: number | null): number => round1((x ?? 0) * 100);
const timed = <T>(f: () => T): [T, number] => {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
};
const timedAsync = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const r = await f();
  return [r, performance.now() - t];
};

/** The naive KPI: every row into JS, grouped and counted there (medians by sorting). */
function naiveAreaKpis(db: Database.Database, now: number): number {
  const rows = db.prepare("SELECT * FROM complaints WHERE channel <> 'proactive'").all() as Record<string, number | string | null>[];
  const groups = new Map<string, Record<string, number | string | null>[]>();
  for (const r of rows) {
    const key = String(r.area ?? '-');
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  let n = 0;
  for (const list of groups.values()) {
    const responses = list.flatMap((r) => (r.dispatched_at === null ? [] : [Number(r.dispatched_at) - Number(r.received_at)])).sort((a, b) => a - b);
    n += responses.length + list.filter((r) => r.resolved_at !== null && Number(r.resolved_at) <= Number(r.due_at)).length;
    n += list.filter((r) => r.resolved_at !== null || Number(r.due_at) < now).length + list.filter((r) => r.closed_at !== null).length;
  }
  return n;
}

async function main(): Promise<void> {
  const rnd = seededRandom(12345);
  const [city, cityMs] = timed(() => harbin(rnd));
  const book = new AddressBook(city.buildings);
  const households = city.buildings.reduce((s, b) => s + b.households, 0);
  process.stderr.write(`service: address book of ${households.toLocaleString('en')} households in ${book.size.toLocaleString('en')} buildings on ${SUBSTATIONS} substations (${Math.round(cityMs)} ms)\n`);

  // Only the file is kept, as the platform hands it over: the tickets' objects are not the import's to hold.
  const [csv, seasonMs] = timed(() => Buffer.from(exportCsv(MAPPING_12345, season(rnd, city.buildings)), 'utf8'));
  process.stderr.write(`service: ${COMPLAINTS.toLocaleString('en')} tickets over ${SEASON_DAYS} days as a 12345 CSV export of ${(csv.length / 1e6).toFixed(1)} MB (${Math.round(seasonMs)} ms)\n`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'heatscada-bench-service-'));
  try {
    // The import happens at the season's end; the flow's steps move the clock to their times.
    const clock = { now: END };
    const service = openService(path.join(dir, 'heatscada.db'), book, city, clock);
    const context = { mapping: MAPPING_12345, addressBook: book, zone: ZONE };
    // importFile's two steps, timed apart: reading and checking the file (service/import/), then createMany.
    process.stderr.write('service: importing the export (read and check every row, then one transaction) …\n');
    const [inputs, readMs] = await timedAsync(() => readExport(csv, 'csv', context));
    const [result, createMs] = timed(() => service.complaints.createMany(inputs, 'bench'));
    const importMs = readMs + createMs;
    const importRowsS = result.created / (importMs / 1000);
    const createRowsS = result.created / (createMs / 1000);
    process.stderr.write(
      `service: imported ${result.created.toLocaleString('en')} (${result.duplicates} duplicates) in ${(importMs / 1000).toFixed(1)} s: ${Math.round(importRowsS).toLocaleString('en')} rows/s ` +
        `(file read and checked in ${(readMs / 1000).toFixed(1)} s, createMany ${(createMs / 1000).toFixed(1)} s: ${Math.round(createRowsS).toLocaleString('en')} rows/s)\n`,
    );

    // Baselines: the same rows as plain INSERTs, and the first rows again one create() (one transaction) a row, each into a file of their own.
    process.stderr.write('service: baselines: the same rows as plain INSERTs, the first rows one create() each …\n');
    const plainRowsS = plainInserts(path.join(dir, 'plain.db'), inputs, service, book);
    const baseline = openService(path.join(dir, 'baseline.db'), book, city, clock);
    const baseInputs = inputs.slice(0, BASELINE_ROWS);
    const [, baseMs] = timed(() => {
      for (const input of baseInputs) baseline.complaints.create(input, 'bench');
    });
    const baseRowsS = baseInputs.length / (baseMs / 1000);
    baseline.db.close();
    process.stderr.write(
      `service: baseline plain INSERTs ${Math.round(plainRowsS).toLocaleString('en')} rows/s (the import ×${round1(importRowsS / plainRowsS)}), ` +
        `one create() a row ${Math.round(baseRowsS).toLocaleString('en')} rows/s (${baseInputs.length} rows; the import ×${round1(importRowsS / baseRowsS)})\n`,
    );

    const flow = settleSeason(service, clock);
    process.stderr.write(`service: the season's flow set on every row in ${(flow.ms / 1000).toFixed(1)} s\n`);

    const kpis = new ServiceKpis(service.db, {
      addressBook: book,
      config: { company: 'harbin-heat', season: { id: '2026-2027', start: '2026-10-20', end: '2027-04-20' } },
      areaOf: (s) => service.workOrders.areaOf(s),
      crewFor: (s) => service.workOrders.crewFor(s),
      now: () => END,
    });
    const kpiTimes: number[] = [];
    const bar = progress('service: kpis');
    const groupings: KpiGrouping[] = ['company', 'area', 'crew', 'community', 'day', 'season'];
    const seasonMs = new Map<KpiGrouping, number[]>();
    for (let round = 0; round < 3; round++) {
      for (const by of groupings) {
        const ms = timed(() => kpis.compute({ by }))[1];
        kpiTimes.push(ms);
        seasonMs.set(by, [...(seasonMs.get(by) ?? []), ms]);
      }
    }
    process.stderr.write(`service: the whole season by ${groupings.map((by) => `${by} ${round1(Math.min(...seasonMs.get(by)!))} ms`).join(', ')} (best of 3)\n`);
    for (let d = 0; d < SEASON_DAYS; d++) {
      const from = SEASON_START + d * DAY_MS;
      kpiTimes.push(timed(() => kpis.compute({ by: 'area', from, to: from + DAY_MS }))[1]);
      if (d % 7 === 0) kpiTimes.push(timed(() => kpis.compute({ by: 'community', from, to: from + 7 * DAY_MS }))[1]);
      bar.update(d + 1, SEASON_DAYS);
    }
    bar.done(`${kpiTimes.length} queries, p99 ${round1(p99(kpiTimes))} ms`);
    const company = kpis.compute({ by: 'company' })[0];
    const open = (service.db.prepare("SELECT COUNT(*) FROM complaints WHERE state NOT IN ('closed')").pluck().get() as number);
    process.stderr.write(
      `service: season ${company.complaints.toLocaleString('en')} complaints, ${round1(company.per1kHouseholds ?? 0)} per 1,000 households, repeats ${percent(company.repeatRate)} %, ` +
        `first response ${round1(company.firstResponseMin ?? 0)} min, within limit ${percent(company.withinLimitRate)} %, closed ${percent(company.closureRate)} % (${open.toLocaleString('en')} open at the end), ` +
        `followed up effectively ${percent(company.effectiveFollowUpRate)} %, satisfied ${percent(company.satisfactionRate)} %, at risk of false closure ${company.falseClosureRisks.toLocaleString('en')}\n`,
    );
    const [, naiveMs] = timed(() => naiveAreaKpis(service.db, END));
    const [, areaMs] = timed(() => kpis.compute({ by: 'area' }));
    process.stderr.write(`service: baseline naive JS KPIs by area ${Math.round(naiveMs)} ms vs SQL ${round1(areaMs)} ms: ×${round1(naiveMs / areaMs)}\n`);

    const pageTimes: number[] = [];
    const substations = [...new Set(city.buildings.map((b) => b.substation))];
    const communities = [...new Set(city.buildings.map((b) => b.community))];
    const states: ComplaintState[] = ['received', 'dispatched', 'on_site', 'resolved', 'followed_up', 'closed'];
    const prng = seededRandom(7);
    const filters: (() => ComplaintFilter)[] = [
      () => ({}),
      () => ({ state: states[Math.floor(prng() * states.length)] }),
      () => ({ channel: '12345' }),
      () => ({ substation: substations[Math.floor(prng() * substations.length)] }),
      () => ({ community: communities[Math.floor(prng() * communities.length)] }),
      () => ({ crew: `crew-${1 + Math.floor(prng() * 10)}` }),
      () => ({ q: ['漏水', '不热', '阳光', 'HEB20260001'][Math.floor(prng() * 4)] }),
      () => ({ state: 'received', crew: `crew-${1 + Math.floor(prng() * 10)}` }),
    ];
    const pages = progress('service: list pages');
    for (let i = 0; i < PAGE_ROUNDS; i++) {
      const filter = filters[i % filters.length]();
      const [first, ms] = timed(() => service.complaints.list(filter));
      pageTimes.push(ms);
      const last = first[first.length - 1];
      if (last) pageTimes.push(timed(() => service.complaints.list({ ...filter, before: last.id }))[1]);
      pages.update(i + 1, PAGE_ROUNDS);
    }
    pages.done(`${pageTimes.length} pages, p99 ${round1(p99(pageTimes))} ms`);
    service.db.close();

    const figures = {
      bench: 'service',
      complaints: result.created,
      import_rows_s: Math.round(importRowsS),
      kpi_p99_ms: round1(p99(kpiTimes)),
      page_p99_ms: round1(p99(pageTimes)),
      create_many_rows_s: Math.round(createRowsS),
      households,
      buildings: book.size,
      kpi_queries: kpiTimes.length,
      page_queries: pageTimes.length,
      repeat_rate: Math.round((company.repeatRate ?? 0) * 1000) / 1000,
      first_response_min: round1(company.firstResponseMin ?? 0),
      within_limit_rate: Math.round((company.withinLimitRate ?? 0) * 1000) / 1000,
      closure_rate: Math.round((company.closureRate ?? 0) * 1000) / 1000,
      effective_follow_up_rate: Math.round((company.effectiveFollowUpRate ?? 0) * 1000) / 1000,
      satisfaction_rate: Math.round((company.satisfactionRate ?? 0) * 1000) / 1000,
      false_closure_risks: company.falseClosureRisks,
      open_at_end: open,
      flow_sampled: flow.sample,
      baseline_plain_insert_rows_s: Math.round(plainRowsS),
      baseline_create_rows_s: Math.round(baseRowsS),
      baseline_area_kpi_ms: Math.round(naiveMs),
      area_kpi_ms: round1(areaMs),
    };
    console.log(JSON.stringify(figures));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
