// ui — frames per second of the network picture (#/network) in headless Chromium while it pans
// and zooms, for a generated city of 5,000 substations. The API serves the built web app and the
// city's description (the manifest form: substations and their tree), with a live state per
// substation seeded into the store (supply temperatures, cold homes, a few in alarm, a few
// offline), so every colour batch is drawn. The page pans and zooms once a frame through the
// canvas's hook (window.__networkView, the code path a drag and a wheel take) and timestamps its
// requestAnimationFrame callbacks. Baseline, in the same run: the same page with 50 substations.
//
//   npm run build:web && npx tsx bench/ui.ts [--substations 5000 --baseline 50 --seconds 8 --seed 11 --screenshot file.png]
//
// Last line: {"bench":"ui","substations":5000,"fps":…,"min_fps_1s":…,"p99_frame_ms":…,"draw_call_p50_ms":…,"draw_call_p99_ms":…,"draws_per_s":…,"first_draw_ms":…,"baseline_substations":50,"baseline_fps":…,"ratio":…}

import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { UserStore } from '../api/auth/user-store.ts';
import { startApi, type Api } from '../api/server.ts';
import { startBroker } from '../broker/broker.ts';
import type { StoredPoint } from '../model/store.ts';
import { generateCity } from '../simulators/network/generate.ts';
import { seededRandom } from '../simulators/network/random.ts';
import { networkTopology } from '../simulators/network/topology.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import type {} from '../web/src/network-view-hook.ts';

const { values } = parseArgs({
  options: {
    substations: { type: 'string', default: '5000' },
    baseline: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '8' },
    seed: { type: 'string', default: '11' },
    /** Where to save a picture of the big city as first drawn. */
    screenshot: { type: 'string' },
  },
});
const SUBSTATIONS = Number(values.substations);
const BASELINE = Number(values.baseline);
const SECONDS = Number(values.seconds);
const SEED = Number(values.seed);
const WEB_DIR = 'web/dist';
const VIEWPORT = { width: 1440, height: 900 };
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run'];

interface Run {
  substations: number;
  firstDrawMs: number;
  /** requestAnimationFrame timestamps while panning and zooming, ms. */
  stamps: number[];
  /** Per frame, ms from the frame's start to the end of the draw call (recording; Chromium rasters it at paint). */
  busy: number[];
  draws: number;
}

/** A city's sites file in the manifest's form, and its live state written to the store as the historian would. */
async function seedCity(n: number, dir: string, store: SqliteStore): Promise<string> {
  const city = generateCity({ substations: n, seed: SEED });
  const rnd = seededRandom(SEED);
  const now = Date.now();
  const points: StoredPoint[] = [];
  for (const s of city.substations) {
    const supply = 70 + rnd() * 45;
    points.push(
      { substation: s.id, tag: 'primary.supply_temp', ts: now, value: supply, quality: 'good' },
      { substation: s.id, tag: 'primary.return_temp', ts: now, value: supply - 35, quality: 'good' },
      { substation: s.id, tag: 'indoor.temp_min', ts: now, value: 16.5 + rnd() * 6, quality: 'good' },
      { substation: s.id, tag: 'power.ok', ts: now, value: rnd() > 0.01, quality: 'good' },
    );
    await store.setStatus({ substation: s.id, online: rnd() > 0.02, ts: now });
  }
  await store.write(points);
  const file = path.join(dir, `sites-${n}.json`);
  writeFileSync(file, JSON.stringify({ substations: city.substations.map((s) => ({ id: s.id, location: s.location })), source: { id: city.source.id }, network: networkTopology(city) }));
  return file;
}

/**
 * Runs in the page: pans and zooms once a frame for `ms` (a slow circle, zooming in and out by up
 * to 2× over three seconds) and returns the frames' timestamps and the draws made. A string:
 * the bundler's helpers (tsx names functions) do not exist in the page.
 */
const MEASURE = `async (ms) => {
  const hook = window.__networkView;
  const stamps = [];
  const busy = [];
  const drawsBefore = hook.frames;
  const zoomAt = (k) => Math.exp(0.7 * Math.sin((2 * Math.PI * k) / 180));
  await new Promise((resolve) => {
    let k = 0;
    const tick = (ts) => {
      // The picture's own callback ran just before this one in the frame: this much was drawing.
      if (k > 0) busy.push(performance.now() - ts);
      stamps.push(ts);
      k++;
      hook.pan(6 * Math.cos(k / 40), 6 * Math.sin(k / 40), zoomAt(k) / zoomAt(k - 1));
      if (ts - stamps[0] < ms) requestAnimationFrame(tick);
      else resolve();
    };
    requestAnimationFrame(tick);
  });
  return { stamps, busy, draws: hook.frames - drawsBefore };
}`;

async function measure(browser: Browser, api: Api, user: { name: string; password: string }, n: number): Promise<Run> {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${api.url}/#/network`);
  await page.getByTestId('login-user').fill(user.name);
  await page.getByTestId('login-password').fill(user.password);
  const opened = Date.now();
  await page.getByTestId('login-submit').click();
  await page.waitForFunction((count) => (window.__networkView?.substations().length ?? 0) === count && window.__networkView!.frames > 0, n, { timeout: 60_000 });
  const firstDrawMs = Date.now() - opened;
  // Let the live snapshot arrive and settle before measuring.
  await page.waitForTimeout(1500);
  if (values.screenshot && n === SUBSTATIONS) await page.screenshot({ path: values.screenshot });
  const result = await page.evaluate<{ stamps: number[]; busy: number[]; draws: number }>(`(${MEASURE})(${SECONDS * 1000})`);
  await context.close();
  return { substations: n, firstDrawMs, ...result };
}

function figures(run: Run): { fps: number; min_fps_1s: number; p99_frame_ms: number; draw_call_p50_ms: number; draw_call_p99_ms: number; draws_per_s: number; first_draw_ms: number } {
  const { stamps } = run;
  const span = (stamps.at(-1)! - stamps[0]) / 1000;
  const intervals = stamps.slice(1).map((t, i) => t - stamps[i]);
  // The worst whole second: frames whose timestamps fall in it.
  let minFps = Infinity;
  for (let from = stamps[0]; from + 1000 <= stamps.at(-1)!; from += 250) minFps = Math.min(minFps, stamps.filter((t) => t >= from && t < from + 1000).length);
  return {
    fps: round((stamps.length - 1) / span),
    min_fps_1s: Number.isFinite(minFps) ? minFps : 0,
    p99_frame_ms: percentile(intervals, 99),
    draw_call_p50_ms: percentile(run.busy, 50),
    draw_call_p99_ms: percentile(run.busy, 99),
    draws_per_s: round(run.draws / span),
    first_draw_ms: run.firstDrawMs,
  };
}

const round = (n: number): number => Math.round(n * 10) / 10;
const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN);
};

async function main(): Promise<void> {
  if (!existsSync(path.join(WEB_DIR, 'index.html'))) throw new Error(`no built web app in ${WEB_DIR}: npm run build:web first`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-ui-'));
  // The alarm engine is not part of this bench: its 503s are expected, not news.
  const log = pino({ level: 'fatal' });
  const broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, logger: log });
  const user = { name: 'bench-viewer', password: randomBytes(18).toString('base64url') };
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const runs: Run[] = [];
  try {
    for (const n of [BASELINE, SUBSTATIONS]) {
      // A store per city, so the API knows no substation of the other.
      const store = openSqliteStore({ file: path.join(dir, `store-${n}.db`) });
      await new UserStore(store.database).create(user.name, 'viewer', user.password);
      const sitesFile = await seedCity(n, dir, store);
      // Seeded states stay as seeded: nothing publishes, so nothing may go stale while measuring.
      const api = await startApi({ host: '127.0.0.1', port: 0, store, mqttUrl: broker.tcpUrl, webDir: WEB_DIR, sitesFile, staleAfterS: 3600, logger: log });
      try {
        runs.push(await measure(browser, api, user, n));
      } finally {
        await api.close();
        await store.close();
      }
    }
  } finally {
    await browser.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const [base, big] = runs.map(figures);
  console.log(`network picture, ${VIEWPORT.width}×${VIEWPORT.height} headless Chromium (software canvas), panning and zooming every frame for ${SECONDS} s`);
  for (const [run, f] of [[runs[0], base], [runs[1], big]] as const) {
    console.log(
      `  ${String(run.substations).padStart(5)} substations: ${f.fps} fps (worst second ${f.min_fps_1s}), p99 frame ${f.p99_frame_ms} ms, draw call p50 ${f.draw_call_p50_ms} ms p99 ${f.draw_call_p99_ms} ms, ${f.draws_per_s} draws/s, first draw ${f.first_draw_ms} ms after sign-in`,
    );
  }
  console.log(
    JSON.stringify({
      bench: 'ui',
      substations: SUBSTATIONS,
      fps: big.fps,
      min_fps_1s: big.min_fps_1s,
      p99_frame_ms: big.p99_frame_ms,
      draw_call_p50_ms: big.draw_call_p50_ms,
      draw_call_p99_ms: big.draw_call_p99_ms,
      draws_per_s: big.draws_per_s,
      first_draw_ms: big.first_draw_ms,
      baseline_substations: BASELINE,
      baseline_fps: base.fps,
      ratio: round(big.fps / base.fps),
    }),
  );
}

await main();
