// The network picture (#/network) in Chromium against the whole platform running in this
// process: every simulated substation drawn where the description places it, a fault in the
// simulator recolouring its substation live, pan and zoom, a hover and a click through, and the
// search by Chinese name and pinyin initials. What was drawn is read back from the canvas's
// test hook (window.__networkView), not guessed from pixels. Screenshot: docs/screenshots/network.png.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialsOf } from '../api/initials.ts';
import type { DrawnSubstation } from '../web/src/network-view-hook.ts';
import { TEST_USERS } from './helpers/auth.ts';
import { ensureWebBuilt, launchChromium, logIn, newScreen, SHOTS, WEB_DIR } from './helpers/browser.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const SUBSTATIONS = 24;

type Drawn = DrawnSubstation;

describe('network picture in Chromium against the running platform', () => {
  let platform: TestPlatform;
  let browser: Browser;
  let page: Page;
  let ids: string[];

  const drawn = (): Promise<Drawn[]> => page.evaluate(() => window.__networkView?.substations() ?? []);
  const one = async (id: string): Promise<Drawn | undefined> => (await drawn()).find((d) => d.id === id);
  /** Where a substation is on the page, for the mouse. */
  const onPage = async (id: string): Promise<{ x: number; y: number }> => {
    const box = (await page.getByTestId('network-picture').boundingBox())!;
    const d = (await one(id))!;
    return { x: box.x + d.x, y: box.y + d.y };
  };

  beforeAll(async () => {
    ensureWebBuilt();
    platform = await startTestPlatform({ substations: SUBSTATIONS, webDir: WEB_DIR });
    ids = platform.plant.spec.substations.map((s) => s.id);
    browser = await launchChromium();
    page = await (await newScreen(browser)).newPage();
    await logIn(page, platform.apiUrl, TEST_USERS.viewer, '#/network');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('draws every simulated substation, on the screen, in the colour of its live state', async () => {
    await expect.poll(async () => (await drawn()).map((d) => d.id).sort()).toEqual([...ids].sort());
    const all = await drawn();
    expect(all.every((d) => d.visible)).toBe(true);
    // Placed as the description places them: east is right, north is up.
    const spec = new Map(platform.plant.spec.substations.map((s) => [s.id, s.location]));
    const [a, b] = [...all].sort((p, q) => p.x - q.x).filter((_, i, xs) => i === 0 || i === xs.length - 1);
    expect(spec.get(a.id)!.lon).toBeLessThan(spec.get(b.id)!.lon);
    // Live data turns them from offline (nothing heard yet) to their state.
    await expect.poll(async () => (await drawn()).every((d) => d.state !== 'offline'), { timeout: 15_000 }).toBe(true);
    expect(await page.getByTestId('network-legend').textContent()).toContain('offline');
  });

  it('recolours a substation whose power fails in the simulator, without a reload', async () => {
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    const id = ids[2];
    const before = (await one(id))!;
    const fault = platform.plant.injectFault({ kind: 'power_loss', substation: id });
    try {
      await expect.poll(async () => (await one(id))?.state, { timeout: 20_000 }).toMatch(/^(offline|stale|alarm|critical|high)$/);
      const after = (await one(id))!;
      expect(after.colour).not.toBe(before.colour);
      // The others keep theirs.
      expect((await one(ids[0]))?.state).not.toBe('offline');
      await page.screenshot({ path: `${SHOTS}/network.png` });
    } finally {
      platform.plant.clearFault(fault.id);
    }
    expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);
  });

  it('pans by drag and zooms by wheel around the pointer; hovering shows the key figures', async () => {
    const id = ids[0];
    const start = await onPage(id);
    await page.mouse.move(start.x, start.y);
    await expect.poll(() => page.getByTestId('network-tooltip').textContent()).toContain(id);
    const name = platform.plant.spec.substations[0].name_en!;
    expect(await page.getByTestId('network-tooltip').textContent()).toContain(name);
    // Zoom in around the substation under the pointer: it stays put, the others move away.
    const other = (await one(ids[5]))!;
    const before = (await one(id))!;
    await page.mouse.wheel(0, -400);
    await expect.poll(async () => Math.hypot((await one(ids[5]))!.x - before.x, (await one(ids[5]))!.y - before.y)).toBeGreaterThan(Math.hypot(other.x - before.x, other.y - before.y) * 1.5);
    const zoomed = (await one(id))!;
    expect(Math.abs(zoomed.x - before.x)).toBeLessThan(2);
    expect(Math.abs(zoomed.y - before.y)).toBeLessThan(2);
    // Drag: everything moves with the pointer.
    await page.mouse.move(start.x + 40, start.y + 40);
    await page.mouse.down();
    await page.mouse.move(start.x + 100, start.y + 70, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => Math.round((await one(id))!.x - zoomed.x)).toBe(60);
    expect(Math.round((await one(id))!.y - zoomed.y)).toBe(30);
    await page.getByTestId('network-fit').click();
  });

  it('finds a substation by its Chinese name and by the pinyin initials of its name', async () => {
    const target = platform.plant.spec.substations[3];
    const search = page.getByTestId('network-search');
    const found = () => page.getByTestId('network-result').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')));
    await search.fill(target.name.slice(0, -3));
    await expect.poll(found).toContain(target.id);
    const initials = initialsOf(target.name)!;
    expect(initials).toMatch(/^[a-z0-9]+hrz$/);
    await search.fill(initials.slice(0, -3).toUpperCase());
    await expect.poll(found).toContain(target.id);
    await search.fill('no-such-substation');
    await expect.poll(found).toEqual([]);
    await search.fill('');
  });

  it('names the substations on the overview, and its search takes pinyin initials too', async () => {
    const target = platform.plant.spec.substations[5];
    await page.goto(`${platform.apiUrl}/#/`);
    const row = page.locator(`[data-testid="substation-row"][data-id="${target.id}"] .name`);
    await expect.poll(() => row.textContent()).toBe(`${target.name_en} ${target.id}`);
    await page.getByTestId('search').fill(initialsOf(target.name)!);
    await expect.poll(() => page.getByTestId('substation-row').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))).toContain(target.id);
    await page.getByTestId('search').fill(target.name.slice(0, 4));
    await expect.poll(() => page.getByTestId('substation-row').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))).toContain(target.id);
    await page.goto(`${platform.apiUrl}/#/network`);
  });

  it('opens the substation clicked on', async () => {
    await page.getByTestId('network-fit').click();
    const id = ids[4];
    await expect.poll(async () => (await one(id))?.visible).toBe(true);
    const at = await onPage(id);
    await page.mouse.click(at.x, at.y);
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/substation/${id}`);
    // The page is in English here: the title is the English name where the description has one.
    const spec = platform.plant.spec.substations[4];
    await expect.poll(() => page.locator('.subhead h1').textContent()).toContain(spec.name_en ?? spec.name);
  });
});
