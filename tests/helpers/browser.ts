// Debian Chromium for the browser tests, the built web app, the platform with its alarm engine
// behind the API, and what a person does first: log in through the login page. Screenshots go
// to docs/screenshots/ for the README.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { pino } from 'pino';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { resolveAlarmsConfig } from '../../alarms/config-schema.ts';
import { startAlarms, type AlarmService } from '../../alarms/alarms.ts';
import type { AuthOptions } from '../../api/auth/auth.ts';
import { startApi, type Api } from '../../api/server.ts';
import type { Controller } from '../../control/controller.ts';
import { startControl, type ControlHandle } from '../../control/start.ts';
import { resolveConfig } from '../../bin/config.ts';
import type { Role } from '../../model/security.ts';
import type { Plant } from '../../simulators/plant.ts';
import { bearer, loginToken } from './auth.ts';
import { startTestPlatform, type TestPlatform } from './platform.ts';

export const WEB_DIR = 'web/dist';
export const SHOTS = 'docs/screenshots';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run', '--disable-component-update', '--disable-sync'];

/** The desk of a control room, and a crew's phone. */
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** Builds the web app when no build is there, and makes the screenshot folder. */
export function ensureWebBuilt(): void {
  if (!existsSync(`${WEB_DIR}/index.html`)) execFileSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
  mkdirSync(SHOTS, { recursive: true });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/** A fresh browser profile (no cookie, no storage): one person at one screen. */
export function newScreen(browser: Browser, viewport = DESKTOP): Promise<BrowserContext> {
  return browser.newContext({ viewport, locale: 'en-US' });
}

export interface Credentials {
  name: string;
  password: string;
}

/** Fills the login page and submits; does not wait for the outcome. */
export async function submitLogin(page: Page, who: Credentials): Promise<void> {
  await page.getByTestId('login-user').fill(who.name);
  await page.getByTestId('login-password').fill(who.password);
  await page.getByTestId('login-submit').click();
}

/** Opens the app at `hash`, logs in through the login page and waits for the header to name the user. */
export async function logIn(page: Page, baseUrl: string, who: Credentials, hash = '#/'): Promise<void> {
  await page.goto(`${baseUrl}/${hash}`);
  await page.getByTestId('login-form').waitFor();
  await submitLogin(page, who);
  // A locator wait, not expect.poll: this also runs in beforeAll.
  await page.getByTestId('user-name').and(page.getByText(who.name, { exact: true })).waitFor();
}

/**
 * The access tokens the page was given, oldest first (they live in its memory only, so they are
 * read off the login and refresh answers), and how many websockets it has opened.
 */
export function watchSession(page: Page): { tokens: string[]; sockets: () => number } {
  const tokens: string[] = [];
  let sockets = 0;
  page.on('response', async (r) => {
    if (!/\/api\/auth\/(login|refresh)$/.test(new URL(r.url()).pathname) || r.status() !== 200) return;
    tokens.push(((await r.json()) as { accessToken: string }).accessToken);
  });
  page.on('websocket', () => sockets++);
  return { tokens, sockets: () => sockets };
}

export interface AlarmsPlatform {
  plant: Plant;
  /** The API with the alarm engine and the web app. */
  apiUrl: string;
  api: Api;
  alarms: AlarmService;
  /** The balancing loop: it looks once an hour here, so a test runs a pass itself when it needs one. */
  control: Controller;
  /** A GET of the API as the test user of a role, outside any browser. */
  fetchAs(role: Role, path: string): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * The test platform (helpers/platform.ts) with an alarm engine and a balancing loop in this
 * process and an API over them serving the built web app. Work orders go to `crew`; the loop
 * only advises and looks once an hour, so it changes nothing in the plant; the test users can
 * log in.
 */
export async function startAlarmsPlatform(options: { substations: number; crew: string; auth?: AuthOptions }): Promise<AlarmsPlatform> {
  const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
  const platform: TestPlatform = await startTestPlatform({ substations: options.substations });
  const config = resolveAlarmsConfig({ poll_period_s: 1, evaluate_every_s: 0.2, crews: [{ id: options.crew, name: options.crew, groups: [] }] });
  const alarms = await startAlarms(config, { mqttUrl: platform.brokerUrl, store: platform.store, database: platform.database, logger: log.child({ role: 'alarms' }) });
  const control: ControlHandle = await startControl(resolveConfig({ control: { mqtt_url: platform.brokerUrl, interval_s: 3600, start_mode: 'advisory' } }), {
    store: platform.store,
    database: platform.database,
    logger: log,
  });
  const api = await startApi({
    host: '127.0.0.1',
    port: 0,
    store: platform.store,
    mqttUrl: platform.brokerUrl,
    webDir: WEB_DIR,
    sitesFile: platform.sitesFile,
    alarms,
    control: control.controller,
    logger: log.child({ role: 'api' }),
    ...(options.auth ? { auth: options.auth } : {}),
  });
  return {
    plant: platform.plant,
    apiUrl: api.url,
    api,
    alarms,
    control: control.controller,
    // A fresh sign-in each time: a test may set access tokens to live only seconds.
    async fetchAs(role, path) {
      return fetch(`${api.url}${path}`, { headers: bearer(await loginToken(api.url, role)) });
    },
    async stop() {
      await api.close();
      await control.stop();
      await alarms.close();
      await platform.stop();
    },
  };
}
