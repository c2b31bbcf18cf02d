// The residents' service in Chromium against the whole platform in this process (plant, broker,
// historian, alarm engine, the service role and the API): a hotline operator takes a complaint
// with the keyboard only, the crew on a 390 px phone records the room at 16.5 °C, a fix and
// resolves, the hotline calls back and closes; the KPI page shows the figures a small fixture
// with known times gives by hand; a viewer sees no phone number anywhere. Screenshots go to
// docs/screenshots/ for the README.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAlarmsConfig } from '../alarms/config-schema.ts';
import type { BuildingEntry, Category, Complaint, ComplaintInput, ServiceKpi } from '../model/service.ts';
import type { Role } from '../model/security.ts';
import { bearer, loginToken, TEST_CREW, TEST_USERS } from './helpers/auth.ts';
import { DESKTOP, ensureWebBuilt, launchChromium, logIn, newScreen, PHONE, SHOTS, WEB_DIR } from './helpers/browser.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const SUBSTATIONS = 4;
const PHONE_NUMBER = '13812345678';
const MASKED = '138****5678';
const TICKET = '12345-2026-000417';
const FIX = 'Bled the air from the radiators and opened the riser valve';
const MIN = 60_000;
const DAY = 86_400_000;
/** The service's display zone (Asia/Shanghai, the default) is UTC+8 all year. */
const ZONE_OFFSET = 8 * 3_600_000;

describe("the residents' service in Chromium", () => {
  let platform: TestPlatform;
  let browser: Browser;
  let desk: Page;
  const tokens = new Map<Role, string>();
  /** The service's clock: fixed while the KPI fixture is written, the wall clock otherwise. */
  let fixedNow: number | undefined;
  /** The complaint the hotline takes in the first test; the later ones follow it. */
  let taken: Complaint;
  /** The building the complaints come from, and its community's buildings in the order the form's completion lists them. */
  let home: BuildingEntry;
  let buildings: BuildingEntry[];

  const api = async <T,>(role: Role, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${platform.apiUrl}${path}`, {
      method,
      headers: { ...bearer(tokens.get(role)!), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} as ${role}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const activeField = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.field ?? null);
  const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);
  const detailState = (page: Page) => page.getByTestId('svc-detail').getAttribute('data-state');

  beforeAll(async () => {
    ensureWebBuilt();
    platform = await startTestPlatform({
      substations: SUBSTATIONS,
      webDir: WEB_DIR,
      alarms: resolveAlarmsConfig({ poll_period_s: 1, evaluate_every_s: 0.5, crews: [{ id: TEST_CREW, name: TEST_CREW, groups: [] }] }),
      service: { now: () => fixedNow ?? Date.now() },
    });
    for (const role of ['hotline', 'crew', 'viewer'] as const) tokens.set(role, await loginToken(platform.apiUrl, role));
    const { community } = (await api<BuildingEntry[]>('hotline', 'GET', '/api/service/address-book?q='))[0];
    buildings = (await api<BuildingEntry[]>('hotline', 'GET', `/api/service/address-book?q=${encodeURIComponent(community)}`)).filter((e) => e.community === community);
    // The last one: the arrows have a way to go.
    home = buildings[buildings.length - 1];
    browser = await launchChromium();
    desk = await (await newScreen(browser)).newPage();
    await logIn(desk, platform.apiUrl, TEST_USERS.hotline, '#/complaints');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('lets the hotline take a complaint by keyboard alone, with the error beside the field the API named', async () => {
    const community = home.community;
    const k = desk.keyboard;

    await desk.getByTestId('svc-intake').waitFor();
    await expect.poll(() => activeField(desk)).toBe('channel');
    // A digit picks the channel and moves on; Esc clears what was typed and goes back to the start.
    await k.press('1');
    expect(await activeField(desk)).toBe('ticket');
    await k.type('wrong');
    await k.press('Escape');
    expect(await desk.getByTestId('svc-ticket').inputValue()).toBe('');
    expect(await activeField(desk)).toBe('channel');

    await k.press('1');
    await k.type(TICKET);
    await k.press('Tab');
    expect(await activeField(desk)).toBe('community');
    await k.type(community);
    await desk.getByTestId('svc-community-completions').getByText(community, { exact: true }).waitFor();
    await k.press('Enter');
    expect(await activeField(desk)).toBe('building');
    expect(await desk.getByTestId('svc-community').inputValue()).toBe(community);
    // A building the address book does not know: the API refuses, and says so beside the building.
    await k.type('999');
    await k.press('Tab');
    await k.type('2');
    await k.press('Tab');
    await k.type('301');
    await k.press('Tab');
    await k.type(PHONE_NUMBER);
    await k.press('Tab');
    expect(await activeField(desk)).toBe('category');
    await k.press('2');
    expect(await desk.getByTestId('svc-category').getAttribute('data-value')).toBe('cold_home');
    expect(await activeField(desk)).toBe('words');
    await k.type('Radiators lukewarm since yesterday, 16 degrees in the living room');
    await k.press('Control+Enter');
    await expect.poll(() => desk.getByTestId('svc-building-error').textContent()).toContain('HS_ERR_SERVICE_ADDRESS');
    expect(await activeField(desk)).toBe('building');
    expect(await api<Complaint[]>('hotline', 'GET', `/api/service/complaints?q=${TICKET}`)).toEqual([]);

    // Pick the building from the list with the arrows instead, then submit with Enter.
    await k.press('Control+A');
    await k.press('Backspace');
    const list = desk.getByTestId('svc-building-completions');
    await list.getByText(home.building, { exact: true }).waitFor();
    for (let i = 0; i < buildings.length - 1; i++) await k.press('ArrowDown');
    await k.press('Enter');
    expect(await desk.getByTestId('svc-building').inputValue()).toBe(home.building);
    expect(await activeField(desk)).toBe('unit');
    await k.press('Enter');

    await expect.poll(() => desk.getByTestId('svc-form-message').textContent()).toMatch(/#\d+/);
    const [created] = await api<Complaint[]>('hotline', 'GET', `/api/service/complaints?q=${TICKET}`);
    expect(created).toMatchObject({
      channel: '12345',
      ticket: TICKET,
      address: { community, building: home.building, unit: '2', room: '301' },
      phone: PHONE_NUMBER,
      category: 'cold_home',
      substation: home.substation,
      state: 'received',
    });
    taken = created;
    // The form is empty again, ready for the next call, and the new complaint is open beside the list.
    expect(await desk.getByTestId('svc-ticket').inputValue()).toBe('');
    expect(await activeField(desk)).toBe('channel');
    await expect.poll(() => desk.getByTestId('svc-detail').getAttribute('data-complaint')).toBe(String(taken.id));
    expect(await desk.getByTestId('svc-detail-phone').textContent()).toBe(PHONE_NUMBER);

    // The plant beside it: the substation the address book gives, its indoor figures from the live data.
    expect(await desk.getByTestId('svc-telemetry').getAttribute('data-substation')).toBe(home.substation);
    await expect.poll(() => desk.getByTestId('svc-indoor-avg').textContent(), { timeout: 20_000 }).toMatch(/^\d+\.\d$/);
    await expect.poll(() => desk.getByTestId('svc-indoor-min').textContent()).toMatch(/^\d+\.\d$/);

    await desk.getByTestId('svc-dispatch').click();
    await expect.poll(() => detailState(desk)).toBe('dispatched');
    expect((await api<Complaint>('hotline', 'GET', `/api/service/complaints/${taken.id}`)).crew).toBe(TEST_CREW);
    expect(await pageWidth(desk)).toBeLessThanOrEqual(DESKTOP.width);
    await desk.screenshot({ path: `${SHOTS}/complaints.png`, fullPage: true });
  });

  it("lets the crew on a 390 px phone record 16.5 °C at the home, the fix, and resolve", async () => {
    const phone = await (await newScreen(browser, PHONE)).newPage();
    await logIn(phone, platform.apiUrl, TEST_USERS.crew, `#/crew/${TEST_CREW}`);
    const card = phone.locator(`.svc-crew-card[data-complaint="${taken.id}"]`);
    await card.waitFor();
    expect(await card.getByTestId('svc-crew-address').textContent()).toBe(`${home.community} ${home.building}-2-301`);
    // A crew sees the address of its own order, never the resident's number.
    expect(await phone.locator('body').innerText()).not.toContain(PHONE_NUMBER);

    await card.getByTestId('svc-arrive').click();
    await card.getByTestId('svc-temp').fill('16.5');
    await card.getByTestId('svc-below-floor').waitFor();
    expect(await card.getByTestId('svc-at').inputValue()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    await card.getByTestId('svc-instrument').fill('Testo 830-T1 #4711');
    await card.getByTestId('svc-onsite').click();
    await expect.poll(() => card.getAttribute('data-state')).toBe('on_site');
    expect(await card.getByTestId('svc-crew-measured').textContent()).toContain('16.5 °C');
    await card.getByTestId('svc-fix').fill(FIX);
    // Nothing on the page is wider than the phone.
    expect(await pageWidth(phone)).toBeLessThanOrEqual(PHONE.width);
    await phone.screenshot({ path: `${SHOTS}/crew-complaint.png`, fullPage: true });
    await card.getByTestId('svc-resolve').click();
    await expect.poll(() => card.count()).toBe(0);

    const resolved = await api<Complaint>('hotline', 'GET', `/api/service/complaints/${taken.id}`);
    expect(resolved).toMatchObject({ state: 'resolved', fix: FIX, measurement: { tempC: 16.5, instrument: 'Testo 830-T1 #4711' } });
    await phone.context().close();
  });

  it('lets the hotline record the follow-up call and close, with no false-closure flag', async () => {
    // The desk shows the complaint already: a reload shows it as the crew left it, without waiting for the next refresh.
    await desk.reload();
    await expect.poll(() => detailState(desk)).toBe('resolved');
    // Before the call, closing would be flagged: no follow-up has reached the resident.
    await expect.poll(() => desk.getByTestId('svc-close-risk').evaluateAll((els) => els.map((e) => e.getAttribute('data-risk')))).toEqual(['no_follow_up']);
    await desk.getByTestId('svc-satisfied-yes').check();
    await desk.getByTestId('svc-followup-words').fill('Warm now, thank you');
    await desk.getByTestId('svc-followup').click();
    await expect.poll(() => detailState(desk)).toBe('followed_up');
    expect(await desk.getByTestId('svc-close-risk').count()).toBe(0);
    await desk.getByTestId('svc-close').click();
    await expect.poll(() => detailState(desk)).toBe('closed');
    const closed = await api<Complaint>('hotline', 'GET', `/api/service/complaints/${taken.id}`);
    expect(closed).toMatchObject({ state: 'closed', followUp: { reached: true, satisfied: true, words: 'Warm now, thank you' }, falseClosureRisk: [] });
  });

  it('shows on the KPI page the figures a fixture with known times gives by hand', async () => {
    // Noon of the day ten days ago in the display zone, and of two days later (a day with none between): days of their own.
    const today = Math.floor((Date.now() + ZONE_OFFSET) / DAY) * DAY - ZONE_OFFSET;
    const t0 = today - 10 * DAY + 12 * 60 * MIN;
    const t1 = t0 + 2 * DAY;
    const dayKey = (t: number) => new Date(t + ZONE_OFFSET).toISOString().slice(0, 10);
    const at = (t: number) => (fixedNow = t);
    const input = (room: string, category: Category, receivedAt: number): ComplaintInput => ({
      channel: 'hotline',
      address: { community: home.community, building: home.building, unit: '1', room },
      phone: `139000${room}`,
      category,
      words: 'fixture',
      receivedAt,
    });
    const create = (i: ComplaintInput) => (at(i.receivedAt!), api<Complaint>('hotline', 'POST', '/api/service/complaints', i));
    const step = (t: number, role: Role, id: number, name: string, body: object = {}) => (at(t), api<Complaint>(role, 'POST', `/api/service/complaints/${id}/${name}`, body));
    const m = (minutes: number) => t0 + minutes * MIN;
    try {
      // Day 1, in the order things happened (minutes after noon):
      const c1 = await create(input('101', 'cold_home', m(0))); // limit 24 h
      await step(m(30), 'hotline', c1.id, 'dispatch'); // first response 30 min
      const c2 = await create(input('102', 'leak', m(60))); // limit 4 h: due at 300
      await step(m(60), 'crew', c1.id, 'on-site', { tempC: 16, instrument: 'T-1', at: m(60) });
      await step(m(70), 'hotline', c2.id, 'dispatch'); // 10 min
      const c3 = await create(input('103', 'noise', m(120))); // limit 72 h; never dispatched
      await step(m(120), 'crew', c1.id, 'resolve', { fix: 'vented' }); // 16 °C, but fixed: no flag
      await step(m(120), 'crew', c2.id, 'on-site', { tempC: 19, instrument: 'T-1', at: m(120) });
      const c6 = await create(input('104', 'air_lock', m(180))); // limit 48 h
      await step(m(180), 'hotline', c1.id, 'follow-up', { reached: true, satisfied: true, words: '' });
      await step(m(190), 'hotline', c6.id, 'dispatch'); // 10 min
      await step(m(200), 'hotline', c1.id, 'close');
      await step(m(200), 'crew', c6.id, 'on-site', { tempC: 20, instrument: 'T-1', at: m(200) });
      await step(m(240), 'crew', c6.id, 'resolve', { fix: null });
      await step(m(300), 'hotline', c6.id, 'follow-up', { reached: false, satisfied: null, words: '' });
      await step(m(300), 'hotline', c6.id, 'close'); // nobody reached: flagged no_follow_up
      await step(m(360), 'crew', c2.id, 'resolve', { fix: 'new gasket' }); // after its due time (300)
      await step(m(400), 'hotline', c2.id, 'follow-up', { reached: true, satisfied: false, words: '' });
      await step(m(420), 'hotline', c2.id, 'close');
      // Day 3 (day 2 has none):
      const c4 = await create(input('105', 'no_heat', t1)); // limit 24 h; dispatched, never resolved
      await step(t1 + 15 * MIN, 'hotline', c4.id, 'dispatch'); // 15 min
      const c5 = await create(input('103', 'noise', t1 + 60 * MIN)); // the home of c3 again: a repeat
      expect(c5.repeatOf).toBe(c3.id);
    } finally {
      fixedNow = undefined;
    }
    // By hand, now (ten days on) being past every due time:
    // Day 1: 4 complaints (c1, c2, c3, c6).
    //   first response: median of 30, 10, 10 (c1, c2, c6; c3 never dispatched) = 10 min.
    //   within limit: resolved in time c1, c6 = 2; resolved c1, c2, c6 = 3, unresolved past due c3 = 1 → 2 / 4 = 50.0 %.
    //   closure: closed c1, c2, c6 = 3 / 4 = 75.0 %.   satisfaction: reached c1 (yes), c2 (no) → 1 / 2 = 50.0 %.
    //   effective follow-up: reached 2 / resolved 3 = 66.7 %.   repeats 0 / 4 = 0.0 %.   false-closure risks: c6 → 1.
    // Day 3: 2 complaints (c4, c5): first response 15 min (c4 only); within limit 0 / (0 + 2 past due) = 0.0 %;
    //   closure 0 / 2 = 0.0 %; satisfaction and effective follow-up have no denominator (—); repeats c5 → 1 / 2 = 50.0 %.
    const expected: Record<string, Partial<Record<keyof ServiceKpi, string>>> = {
      [dayKey(t0)]: { complaints: '4', firstResponseMin: '10.0', withinLimitRate: '50.0 %', closureRate: '75.0 %', satisfactionRate: '50.0 %', effectiveFollowUpRate: '66.7 %', repeatRate: '0.0 %', falseClosureRisks: '1', reachedByOrder: '0' },
      [dayKey(t1)]: { complaints: '2', firstResponseMin: '15.0', withinLimitRate: '0.0 %', closureRate: '0.0 %', satisfactionRate: '—', effectiveFollowUpRate: '—', repeatRate: '50.0 %', falseClosureRisks: '0', reachedByOrder: '0' },
    };

    await desk.goto(`${platform.apiUrl}/#/service-kpis`);
    await desk.getByTestId('svc-kpi-by-day').click();
    const table = desk.locator('[data-testid="svc-kpi-table"][data-by="day"]');
    await table.waitFor();
    for (const [day, cells] of Object.entries(expected)) {
      const row = table.locator(`tr[data-key="${day}"]`);
      for (const [kpi, text] of Object.entries(cells)) expect(await row.locator(`td[data-kpi="${kpi}"]`).textContent(), `${day} ${kpi}`).toBe(text);
    }
    expect(await pageWidth(desk)).toBeLessThanOrEqual(DESKTOP.width);
    // The chart has a place for every day from the first to the last, those without complaints too.
    const keys = (await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key') ?? ''))).sort();
    const span = (Date.parse(keys[keys.length - 1]) - Date.parse(keys[0])) / DAY + 1;
    expect(span).toBeGreaterThan(keys.length);
    expect(await desk.getByTestId('svc-chart-daily').getAttribute('data-days')).toBe(String(span));
    expect(await desk.locator('[data-testid="svc-chart-daily"] .recharts-bar-rectangle').count()).toBeGreaterThanOrEqual(2);
    const [download] = await Promise.all([desk.waitForEvent('download'), desk.getByTestId('svc-kpi-csv').click()]);
    expect(download.suggestedFilename()).toBe('service-kpis-day.csv');
    await desk.screenshot({ path: `${SHOTS}/service-kpis.png`, fullPage: true });
  });

  it('lets the admin add a crew member with its crew on the users page, who then signs in to that crew', async () => {
    const page = await (await newScreen(browser)).newPage();
    await logIn(page, platform.apiUrl, TEST_USERS.admin, '#/users');
    await page.getByTestId('add-user-name').fill('wang-fitter');
    await page.getByTestId('add-user-role').selectOption('crew');
    await page.getByTestId('add-user-crew').fill(TEST_CREW);
    await page.getByTestId('add-user-password').fill('wang-fitter-pass-1');
    await page.getByTestId('add-user-submit').click();
    await expect.poll(() => page.locator('[data-user="wang-fitter"] [data-testid="user-crew"]').textContent()).toContain(TEST_CREW);
    await page.context().close();
    const phone = await (await newScreen(browser, PHONE)).newPage();
    await logIn(phone, platform.apiUrl, { name: 'wang-fitter', password: 'wang-fitter-pass-1' }, '#/');
    await phone.getByTestId('nav-crew').click();
    await expect.poll(() => phone.getByTestId('svc-crew').isVisible()).toBe(true);
    expect(phone.url()).toContain(`#/crew/${TEST_CREW}`);
    await phone.context().close();
  });

  it("shows a viewer no resident's phone number on any service page", async () => {
    const page = await (await newScreen(browser)).newPage();
    await logIn(page, platform.apiUrl, TEST_USERS.viewer, `#/complaints/${taken.id}`);
    await expect.poll(() => page.getByTestId('svc-detail-phone').textContent()).toBe(MASKED);
    await page.getByTestId('svc-list').waitFor();
    // A viewer takes no complaint and no step.
    expect(await page.getByTestId('svc-intake').count()).toBe(0);
    expect(await page.getByTestId('svc-steps').count()).toBe(0);
    const digits = (text: string) => text.replace(/\D/g, '');
    const fixturePhones = /139000\d{3}/;
    for (const hash of [`#/complaints/${taken.id}`, `#/crew/${TEST_CREW}`, '#/service-kpis']) {
      await page.goto(`${platform.apiUrl}/${hash}`);
      await page.getByTestId('user-name').waitFor();
      await page.waitForLoadState('networkidle');
      const text = await page.locator('body').innerText();
      expect(digits(text), hash).not.toContain(PHONE_NUMBER);
      expect(text, hash).not.toMatch(fixturePhones);
    }
    await page.context().close();
  });
});
