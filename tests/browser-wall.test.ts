// The balancing page and the control-room wall in Chromium against the running platform with
// its alarm engine and balancing loop: the balancing page names its columns with their units,
// draws every return against its target and the coldest homes against 18 °C, and gives each
// substation's decision with its reason (in English as the API words it, and in Chinese),
// every substation by its name; the wall shows the totals and the standing alarms
// without the header, and a critical alarm raised in the simulator (a power loss) beeps once
// with the sound on and not at all with it off. Screenshots to docs/screenshots/.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionReason, wordingOf, type Decision } from '../control/reason.ts';
import { DICTIONARIES } from '../web/src/i18n.ts';
import { TEST_USERS } from './helpers/auth.ts';
import { ensureWebBuilt, launchChromium, logIn, newScreen, SHOTS, startAlarmsPlatform, type AlarmsPlatform } from './helpers/browser.ts';

const SUBSTATIONS = 4;
const ALARM_S = 30_000;

describe('balancing page and wall in Chromium', () => {
  let platform: AlarmsPlatform;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let ids: string[];
  /** A substation as the page shows it: its name in the UI's language, the id small beside it. */
  let shownAs: (id: string, lang: 'en' | 'zh') => string;
  const nameTile = (scope: string, id: string) => page.locator(`${scope}[data-substation="${id}"] [data-testid="substation-name"]`).first();

  beforeAll(async () => {
    ensureWebBuilt();
    platform = await startAlarmsPlatform({ substations: SUBSTATIONS, crew: 'north' });
    ids = platform.plant.spec.substations.map((s) => s.id);
    const spec = new Map(platform.plant.spec.substations.map((s) => [s.id, s]));
    shownAs = (id, lang) => `${(lang === 'en' ? spec.get(id)!.name_en : undefined) ?? spec.get(id)!.name} ${id}`;
    browser = await launchChromium();
    context = await newScreen(browser);
    page = await context.newPage();
    await logIn(page, platform.apiUrl, TEST_USERS.operator);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('balancing: headers with units, returns against targets, coldest homes against 18 °C, each decision with its reason', async () => {
    await platform.control.cycle();
    await page.goto(`${platform.apiUrl}/#/balancing`);
    const headers = page.locator('.balance-table thead th');
    await expect.poll(() => headers.allTextContents()).toContain('Return temperature°C, actual / target');
    const texts = await headers.allTextContents();
    expect(texts).toEqual(expect.arrayContaining(['Valve position%', 'Coldest home°C', 'Curve trimK', 'Loop mode', 'PLC mode']));
    // The unit is a line of its own under the name, not run into it.
    expect(await headers.locator('.th-unit').first().evaluate((el) => getComputedStyle(el).display)).toBe('block');
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => headers.allTextContents()).toContain('二次回水温度°C，实际 / 目标');
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => headers.allTextContents()).toContain('Return temperature°C, actual / target');

    const chart = page.getByTestId('return-chart');
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: 15_000 }).toBe(String(SUBSTATIONS));
    await expect.poll(() => chart.locator('.recharts-bar-rectangle').count()).toBe(SUBSTATIONS);
    await expect.poll(() => chart.locator('.recharts-line-dots circle').count()).toBeGreaterThanOrEqual(SUBSTATIONS);
    const cold = page.getByTestId('cold-chart');
    expect(await cold.getAttribute('data-homes')).toBe(String(SUBSTATIONS));
    await expect.poll(() => cold.locator('.recharts-reference-line').count()).toBe(1);
    expect(await cold.locator('svg text', { hasText: '18 °C' }).count()).toBe(1);
    // The figure and the count under the chart agree with the data the page was given.
    const body = (await (await platform.fetchAs('viewer', '/api/control')).json()) as { substations: { id: string; reason: string; decision: Decision; inputs: { indoorMinC?: number } }[]; saving: { savedPct: number } | null };
    expect(await cold.getAttribute('data-below')).toBe(String(body.substations.filter((s) => (s.inputs.indoorMinC ?? 99) < 18).length));
    expect(body.saving).not.toBeNull();
    expect(await page.getByTestId('heat-saved').locator('.kpi-value').textContent()).toBe(`${body.saving!.savedPct.toFixed(1)} %`);

    const reasons = page.getByTestId('recommendation');
    await expect.poll(() => reasons.count()).toBe(SUBSTATIONS);
    for (const s of body.substations) {
      const shown = await page.locator(`[data-testid="recommendation"][data-id="${s.id}"] [data-testid="rec-reason"]`).textContent();
      expect(shown).toBe(s.reason);
      expect(shown).toMatch(/^(coldest home \d+\.\d °C [<>=] 18\.3 °C|no indoor sensors: return \d+\.\d K (above|below) the curve's)(; return below the network's floor: lifted \+\d+\.\d K)?: /);
    }
    // Rows, recommendations and the chart's axis name the substations (English names in English).
    for (const id of ids) {
      await expect.poll(() => nameTile('.balance-table tr', id).textContent()).toBe(shownAs(id, 'en'));
      expect(await page.locator(`[data-testid="recommendation"][data-id="${id}"] [data-testid="substation-name"]`).textContent()).toBe(shownAs(id, 'en'));
    }
    const names = ids.map((id) => shownAs(id, 'en').slice(0, -id.length - 1));
    // The axis labels that are not the temperature axis' figures: as many names as fit.
    const ticks = async () => (await chart.locator('.recharts-cartesian-axis-tick-value').allTextContents()).filter((x) => !/^-?\d/.test(x));
    await expect.poll(async () => (await ticks()).length).toBeGreaterThan(0);
    for (const tick of await ticks()) expect(names).toContain(tick);
    // In Chinese: the same decisions worded by the Chinese templates, the Chinese names.
    await page.getByTestId('lang-switch').click();
    const zh = wordingOf(DICTIONARIES.zh);
    for (const s of body.substations) {
      const reason = page.locator(`[data-testid="recommendation"][data-id="${s.id}"] [data-testid="rec-reason"]`);
      await expect.poll(() => reason.textContent()).toBe(decisionReason(s.decision, zh));
      expect(await reason.textContent()).toMatch(/^(最冷住户 \d+\.\d °C [<>=] 18\.3 °C|无室温传感器：回水比曲线[高低] \d+\.\d K)(；回水低于全网下限：抬高 \+\d+\.\d K)?：/);
      expect(await nameTile('.balance-table tr', s.id).textContent()).toBe(shownAs(s.id, 'zh'));
    }
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => nameTile('.balance-table tr', ids[0]).textContent()).toBe(shownAs(ids[0], 'en'));
    // The pointer away from the charts: no tooltip in the picture.
    await page.mouse.move(0, 0);
    await page.screenshot({ path: `${SHOTS}/balancing.png`, fullPage: true });
  });

  it('wall: full screen with totals, standing alarms and the worst substations; a new critical alarm beeps once with sound on, not with it off', async () => {
    await page.goto(`${platform.apiUrl}/#/wall`);
    const wall = page.getByTestId('wall');
    await wall.waitFor();
    expect(await page.locator('.topbar').count()).toBe(0);
    await expect.poll(() => page.getByTestId('wall-totals-tile').getByTestId('totals').textContent()).toContain(`${SUBSTATIONS}`);
    // The network picture, every substation on it.
    await expect.poll(() => page.getByTestId('wall-network-tile').getByTestId('network-picture').getAttribute('data-substations'), { timeout: 15_000 }).toBe(String(SUBSTATIONS));
    const beeps = async () => Number(await wall.getAttribute('data-beeps'));
    const alarmShown = (id: string) => page.locator(`[data-testid="wall-alarms"] li[data-alarm="power_loss"][data-substation="${id}"]`);
    const sound = page.getByTestId('wall-sound');
    // A fresh screen: sound off until someone switches it on (the click also unlocks audio).
    expect(await wall.getAttribute('data-sound')).toBe('off');
    await sound.click();
    expect(await wall.getAttribute('data-sound')).toBe('on');

    const first = platform.plant.injectFault({ kind: 'power_loss', substation: ids[1] });
    try {
      await alarmShown(ids[1]).waitFor({ timeout: ALARM_S });
      await expect.poll(beeps).toBe(1);
      expect(await alarmShown(ids[1]).getAttribute('data-priority')).toBe('critical');
      // Named, not only numbered.
      expect(await alarmShown(ids[1]).getByTestId('substation-name').textContent()).toBe(shownAs(ids[1], 'en'));
      await page.screenshot({ path: `${SHOTS}/wall.png` });

      await sound.click();
      expect(await wall.getAttribute('data-sound')).toBe('off');
      const third = platform.plant.injectFault({ kind: 'power_loss', substation: ids[3] });
      try {
        await alarmShown(ids[3]).waitFor({ timeout: ALARM_S });
        // The list that showed it went through the signal already: no beep with the sound off,
        // and none on switching back on for an alarm already seen.
        expect(await beeps()).toBe(1);
        await sound.click();
        expect(await page.evaluate(() => (window as { __wall?: { beeps: number } }).__wall?.beeps)).toBe(1);
      } finally {
        platform.plant.clearFault(third.id);
      }
    } finally {
      platform.plant.clearFault(first.id);
    }
    // The choice persists; a reload needs a click before the browser lets it sound again.
    await page.reload();
    await expect.poll(() => page.getByTestId('wall').getAttribute('data-sound')).toBe('locked');
    expect(await page.getByTestId('wall-sound').textContent()).toBe('Enable sound');
    // Cycling shows one tile at a time, larger; the setting persists too.
    await page.getByTestId('wall-cycle').click();
    expect(await page.locator('.wall-tile').count()).toBe(1);
    await page.reload();
    await expect.poll(() => page.locator('.wall-tile').count()).toBe(1);
    await page.getByTestId('wall-tile').click();
    expect(await page.locator('.wall-tile').count()).toBe(3);
  });

  it('alarms list and substation page: the substation by its name, found by its name, in either language', async () => {
    const fault = platform.plant.injectFault({ kind: 'power_loss', substation: ids[2] });
    try {
      await page.goto(`${platform.apiUrl}/#/alarms`);
      const row = page.locator(`tr[data-alarm="power_loss"][data-substation="${ids[2]}"]`);
      await row.waitFor({ timeout: ALARM_S });
      await expect.poll(() => row.getByTestId('substation-name').textContent()).toBe(shownAs(ids[2], 'en'));
      // Searched by its Chinese name it stays; by another's it goes.
      const search = page.getByPlaceholder('Search substation…');
      await search.fill(shownAs(ids[2], 'zh').split(' ')[0]);
      expect(await row.count()).toBe(1);
      await search.fill(shownAs(ids[0], 'zh').split(' ')[0]);
      await expect.poll(() => row.count()).toBe(0);
      await search.fill('');
      await page.getByTestId('lang-switch').click();
      await expect.poll(() => row.getByTestId('substation-name').textContent()).toBe(shownAs(ids[2], 'zh'));
      await page.getByTestId('lang-switch').click();
    } finally {
      platform.plant.clearFault(fault.id);
    }
    // The substation's own page titles it in the UI's language, the id beside it.
    await page.goto(`${platform.apiUrl}/#/substation/${ids[2]}`);
    await expect.poll(() => page.locator('.subhead h1').textContent()).toBe(shownAs(ids[2], 'en'));
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.locator('.subhead h1').textContent()).toBe(shownAs(ids[2], 'zh'));
    await page.getByTestId('lang-switch').click();
  });
});
