// The built web app in Chromium against the whole platform running in this process: what a
// person logged in through the login page sees follows the simulated plant, live and without
// reloads, in both languages, and comes back by itself after the server does. Screenshots of the
// main pages go to docs/screenshots/ for the README.

import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_USERS } from './helpers/auth.ts';
import { ensureWebBuilt, launchChromium, logIn, newScreen, SHOTS, WEB_DIR } from './helpers/browser.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const SUBSTATIONS = 6;

describe('web UI in Chromium against the running platform', () => {
  let platform: TestPlatform;
  let browser: Browser;
  let page: Page;
  let ids: string[];

  const open = async (hash: string) => {
    await page.goto(`${platform.apiUrl}/${hash}`);
  };
  const rows = () => page.getByTestId('substation-row');
  const makeupShown = async (id: string) => Number(await page.locator(`[data-id="${id}"] [data-testid="makeup"]`).textContent());

  /** A leak raises the make-up flow in the simulator; the overview must show it as it happens. */
  const expectLeakShown = async (id: string) => {
    await expect.poll(() => makeupShown(id)).not.toBeNaN();
    const before = await makeupShown(id);
    const leak = platform.plant.injectFault({ kind: 'leak', substation: id, severity: 1 });
    try {
      await expect.poll(() => makeupShown(id), { timeout: 15_000 }).toBeGreaterThan(before + 1);
    } finally {
      platform.plant.clearFault(leak.id);
    }
  };

  beforeAll(async () => {
    ensureWebBuilt();
    // Six hours of stored past, so the trends have something to draw.
    platform = await startTestPlatform({ substations: SUBSTATIONS, backfillH: 6, webDir: WEB_DIR });
    ids = platform.plant.spec.substations.map((s) => s.id);
    browser = await launchChromium();
    page = await (await newScreen(browser)).newPage();
    // A viewer: every page here is for reading. Reloads below keep the session (refresh cookie).
    await logIn(page, platform.apiUrl, TEST_USERS.viewer);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('lists every simulated substation on the overview, with the network totals', async () => {
    await open('#/');
    await expect.poll(() => rows().count()).toBeGreaterThanOrEqual(SUBSTATIONS);
    // Every substation, and not the heat source's PLC, which reports over Sparkplug too.
    const shown = await rows().evaluateAll((els) => els.map((el) => el.getAttribute('data-id')));
    expect([...shown].sort()).toEqual([...ids].sort());
    await expect.poll(() => page.getByTestId('totals').textContent()).toContain(`${shown.length}`);
    await expect.poll(() => makeupShown(ids[0])).not.toBeNaN();
    await page.screenshot({ path: `${SHOTS}/overview-en.png` });
  });

  it('shows a value changed in the simulator without a reload', async () => {
    await open('#/');
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    await expectLeakShown(ids[1]);
    expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);
  });

  it('greys a substation that lost power, with the age of its last data, and sorts it first', async () => {
    await open('#/');
    const id = ids[3];
    const row = page.locator(`[data-id="${id}"]`);
    const fault = platform.plant.injectFault({ kind: 'power_loss', substation: id });
    try {
      await expect.poll(() => row.getAttribute('class'), { timeout: 20_000 }).toMatch(/status-row-(offline|stale)/);
      await expect.poll(() => row.locator('.age').textContent()).toMatch(/ago$/);
      expect(await rows().first().getAttribute('data-id')).toBe(id);
    } finally {
      platform.plant.clearFault(fault.id);
    }
    await expect.poll(() => row.getAttribute('class'), { timeout: 20_000 }).toContain('status-row-online');
  });

  it('switches language, and keeps the choice over a reload', async () => {
    await open('#/');
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.locator('.topbar nav').textContent()).toContain('总览');
    await page.reload();
    await expect.poll(() => page.locator('.topbar nav').textContent()).toContain('总览');
    expect(await page.getByTestId('user-name').textContent()).toBe(TEST_USERS.viewer.name);
    await expect.poll(() => rows().count()).toBeGreaterThanOrEqual(SUBSTATIONS);
    await page.screenshot({ path: `${SHOTS}/overview-zh.png` });
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.locator('.topbar nav').textContent()).toContain('Overview');
    expect(await page.evaluate(() => localStorage.getItem('heatscada.lang'))).toBe('en');
  });

  it('draws the substation mimic with live values and a trend with data, and exports it as CSV', async () => {
    const id = ids[0];
    await open(`#/substation/${id}`);
    const supply = page.locator('[data-testid="mimic"] [data-tag="primary.supply_temp"]');
    await expect.poll(() => supply.textContent()).toMatch(/^\d+\.\d °C$/);
    await expect.poll(() => page.locator('[data-testid="pump"]').getAttribute('data-state')).toBe('running');
    await expect.poll(() => page.locator('.chart').getAttribute('data-has-data'), { timeout: 15_000 }).toBe('true');
    await expect.poll(() => page.locator('.recharts-line-curve').count()).toBe(4);
    // The export is fetched with the token and saved from the page: a plain link would carry none.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(download.suggestedFilename()).toBe('history.csv');
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\n').filter(Boolean).length).toBeGreaterThan(10);
    await page.screenshot({ path: `${SHOTS}/substation.png`, fullPage: true });
  });

  it('plots several tags of several substations on the history page, as many points as the chart is wide', async () => {
    const request = page.waitForRequest((r) => r.url().includes('/api/history?'));
    await open(`#/history?series=${ids[0]}:primary.supply_temp,${ids[1]}:heat.power,${ids[2]}:indoor.temp_min`);
    const points = Number(new URL((await request).url()).searchParams.get('points'));
    const width = await page.locator('.chart').evaluate((el) => el.clientWidth);
    expect(points).toBeGreaterThan(width - 50);
    expect(points).toBeLessThanOrEqual(width);
    await expect.poll(() => page.locator('.recharts-line-curve').count(), { timeout: 15_000 }).toBe(3);
    await page.getByTestId('range-6h').click();
    await expect.poll(() => page.locator('.recharts-line-curve').count()).toBe(3);
    await page.screenshot({ path: `${SHOTS}/history.png`, fullPage: true });
  });

  it('shows a banner while the API is away, and recovers by itself when it returns', async () => {
    await open('#/');
    await expect.poll(() => rows().count()).toBeGreaterThanOrEqual(SUBSTATIONS);
    const banner = page.getByTestId('connection-banner');
    await platform.stopApi();
    await expect.poll(() => banner.isVisible()).toBe(true);
    await platform.startApi();
    await expect.poll(() => banner.isVisible(), { timeout: 15_000 }).toBe(false);
    await expectLeakShown(ids[2]);
  });
});
