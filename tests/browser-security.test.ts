// Login, roles and the alarm pages in Chromium against the running platform with its alarm
// engine: people log in through the login page, see what their role allows, acknowledge an alarm
// that a fault in the simulator raised, move its work order on a phone, and find it all in the
// audit trail. Each person has a browser profile of their own, as on separate screens.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Role } from '../model/security.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Alarm } from '../web/src/alarms-api.ts';
import { TEST_USERS } from './helpers/auth.ts';
import { ensureWebBuilt, launchChromium, logIn, newScreen, PHONE, SHOTS, startAlarmsPlatform, submitLogin, watchSession, type AlarmsPlatform, type Credentials } from './helpers/browser.ts';

const SUBSTATIONS = 4;
const CREW = 'north';
/** Short, so that a test sees the page renew its token; every page here renews every 16 s. */
const ACCESS_TOKEN_S = 20;
const FAILURES_PER_USER = 3;

describe('login, roles and the alarm pages in Chromium', () => {
  let platform: AlarmsPlatform;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let faulty: string;
  let alarmId: number;

  /** A fresh screen (no cookie, nothing in memory), not logged in yet. */
  const blankScreen = async (viewport?: typeof PHONE): Promise<Page> => {
    const context = await newScreen(browser, viewport);
    contexts.push(context);
    return context.newPage();
  };
  /** A fresh screen at `viewport`, logged in through the login page. */
  const screenFor = async (who: Role | Credentials, hash = '#/', viewport?: typeof PHONE): Promise<Page> => {
    const page = await blankScreen(viewport);
    await logIn(page, platform.apiUrl, typeof who === 'string' ? TEST_USERS[who] : who, hash);
    return page;
  };
  const alarmRow = (page: Page) => page.locator(`tr[data-alarm="pump_trip"][data-substation="${faulty}"]`);
  const banner = (page: Page) => page.locator('.alarm-banner');
  /** How many alarms the banner says wait for acknowledgement; 0 when it is not shown. */
  const bannerCount = async (page: Page): Promise<number> => {
    const text = await banner(page).textContent({ timeout: 500 }).catch(() => null);
    return text === null ? 0 : Number(/^(\d+) alarms to acknowledge/.exec(text)?.[1] ?? NaN);
  };

  beforeAll(async () => {
    ensureWebBuilt();
    // Failed logins are counted per user name here, not per address: every screen is 127.0.0.1.
    const throttle = { perAddress: 1000, perUser: FAILURES_PER_USER, windowS: 600 };
    platform = await startAlarmsPlatform({ substations: SUBSTATIONS, crew: CREW, auth: { accessTokenS: ACCESS_TOKEN_S, throttle } });
    faulty = platform.plant.spec.substations[1].id;
    browser = await launchChromium();
  }, 120_000);

  // Each test's screens close after it, so that the next starts with none renewing tokens.
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('shows the login page first, and a clear error for a wrong password', async () => {
    const page = await blankScreen();
    await page.goto(`${platform.apiUrl}/#/alarms`);
    await page.getByTestId('login-form').waitFor();
    await page.screenshot({ path: `${SHOTS}/login.png` });
    await submitLogin(page, { name: TEST_USERS.operator.name, password: 'not-the-password' });
    await expect.poll(() => page.getByTestId('login-error').textContent()).toBe('Wrong user name or password.');
    expect(await page.getByTestId('login-password').inputValue()).toBe('');
    expect(await page.getByTestId('user-menu').count()).toBe(0);
    // The same form then lets the right password in, onto the page that was asked for.
    await submitLogin(page, TEST_USERS.operator);
    await expect.poll(() => page.getByTestId('user-name').textContent().catch(() => null)).toBe(TEST_USERS.operator.name);
    expect(await page.getByTestId('user-role').textContent()).toBe('operator');
    await expect.poll(() => page.locator('.topbar nav a.active').textContent()).toBe('Alarms');
  });

  it('raises the alarm of a simulated pump trip on the list live, and shows the banner on every page', async () => {
    const page = await screenFor('viewer', '#/alarms');
    await expect.poll(() => page.locator('section').count()).toBeGreaterThan(0);
    platform.plant.injectFault({ kind: 'pump_trip', substation: faulty });
    await expect.poll(() => alarmRow(page).getAttribute('data-state').catch(() => null), { timeout: 30_000 }).toBe('unack_active');
    for (const hash of ['#/', '#/history', '#/balancing', '#/work-orders', '#/alarms', `#/substation/${faulty}`]) {
      await page.goto(`${platform.apiUrl}/${hash}`);
      await expect.poll(() => bannerCount(page)).toBeGreaterThan(0);
      expect(await page.getByTestId('connection-banner').count()).toBe(0);
    }
    const list = (await (await platform.fetchAs('viewer', '/api/alarms')).json()) as { alarms: Alarm[] };
    alarmId = list.alarms.find((a) => a.alarm === 'pump_trip' && a.substation === faulty)!.id;
  });

  it('gives a viewer every page but no action: no acknowledge, shelve or work-order button, no Users or Audit link', async () => {
    const page = await screenFor('viewer', '#/alarms');
    await expect.poll(() => alarmRow(page).count()).toBe(1);
    expect(await alarmRow(page).locator('button, select').count()).toBe(0);
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    expect(await page.getByTestId('nav-audit').count()).toBe(0);
    expect(await page.getByTestId('nav-alarms').count()).toBe(1);
    await page.goto(`${platform.apiUrl}/#/work-orders`);
    await expect.poll(() => page.locator(`[data-order]`).count()).toBeGreaterThan(0);
    expect(await page.getByTestId('order-next').count()).toBe(0);
    await page.goto(`${platform.apiUrl}/#/users`);
    await expect.poll(() => page.locator('main').textContent()).toContain('Your role may not open this page.');
  });

  it('lets an operator acknowledge from the list with a comment; another screen sees the state change live', async () => {
    const watcher = await screenFor('viewer', '#/alarms');
    await expect.poll(() => alarmRow(watcher).getAttribute('data-state')).toBe('unack_active');
    await expect.poll(() => bannerCount(watcher)).toBeGreaterThan(0);
    const waiting = await bannerCount(watcher);
    await watcher.evaluate(() => Object.assign(window, { sameDocument: true }));
    const page = await screenFor('operator', '#/alarms');
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    await alarmRow(page).getByTestId('alarm-ack').waitFor();
    await expect.poll(() => bannerCount(page)).toBe(waiting);
    await page.screenshot({ path: `${SHOTS}/alarms.png` });
    page.once('dialog', (dialog) => void dialog.accept('crew north informed'));
    await alarmRow(page).getByTestId('alarm-ack').click();
    await expect.poll(() => alarmRow(page).getAttribute('data-state')).toBe('ack_active');
    await expect.poll(() => alarmRow(watcher).getAttribute('data-state')).toBe('ack_active');
    expect(await watcher.evaluate(() => 'sameDocument' in window)).toBe(true);
    // One alarm fewer waits for acknowledgement, on the other screen's banner too.
    await expect.poll(() => bannerCount(watcher)).toBe(waiting - 1);
    const journal = (await (await platform.fetchAs('viewer', `/api/alarms/${alarmId}`)).json()) as { journal: { event: string; actor: string; comment: string }[] };
    expect(journal.journal.find((j) => j.event === 'ack')).toMatchObject({ actor: TEST_USERS.operator.name, comment: 'crew north informed' });
  });

  it("lets a crew move the alarm's work order on, step by step, on the phone page", async () => {
    const page = await screenFor('operator', `#/crew/${CREW}`, PHONE);
    const card = page.locator('[data-order]').filter({ hasText: faulty });
    await expect.poll(() => card.getAttribute('data-state')).toBe('assigned');
    page.on('dialog', (dialog) => void dialog.accept('on it'));
    for (const next of ['en_route', 'on_site']) {
      await card.getByTestId('order-next').click();
      await expect.poll(() => card.getAttribute('data-state')).toBe(next);
    }
    await page.screenshot({ path: `${SHOTS}/crew-phone.png`, fullPage: true });
    // The phone page fits a phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await card.getByTestId('order-next').click();
    await expect.poll(() => card.count()).toBe(0);
    const orders = (await (await platform.fetchAs('viewer', `/api/work-orders?substation=${faulty}`)).json()) as { state: string; notes: { actor: string }[] }[];
    expect(orders[0].state).toBe('resolved');
    expect(orders[0].notes.map((n) => n.actor)).toContain(TEST_USERS.operator.name);
  });

  it('shows balancing to every role, loop modes to operators and the curve settings to engineers only', async () => {
    const curveInputs = (page: Page) => page.locator('[data-testid="curve-form"] input');
    const modeSelects = (page: Page) => page.locator('tr[data-substation] select');
    await platform.control.cycle();
    const viewer = await screenFor('viewer', '#/balancing');
    await expect.poll(() => modeSelects(viewer).count(), { timeout: 15_000 }).toBe(SUBSTATIONS);
    await expect.poll(() => curveInputs(viewer).count()).toBeGreaterThan(0);
    expect(await viewer.getByTestId('take-all').count()).toBe(0);
    expect(await modeSelects(viewer).evaluateAll((els) => els.every((el) => (el as HTMLSelectElement).disabled))).toBe(true);
    expect(await curveInputs(viewer).evaluateAll((els) => els.every((el) => (el as HTMLInputElement).disabled))).toBe(true);
    expect(await viewer.getByTestId('curve-save').count()).toBe(0);

    const operator = await screenFor('operator', '#/balancing');
    await operator.getByTestId('take-all').waitFor();
    await expect.poll(() => modeSelects(operator).evaluateAll((els) => els.every((el) => !(el as HTMLSelectElement).disabled))).toBe(true);
    await expect.poll(() => curveInputs(operator).count()).toBeGreaterThan(0);
    expect(await curveInputs(operator).evaluateAll((els) => els.every((el) => (el as HTMLInputElement).disabled))).toBe(true);
    expect(await operator.getByTestId('curve-save').count()).toBe(0);

    const engineer = await screenFor('engineer', '#/balancing');
    const indoor = curveInputs(engineer).first();
    await expect.poll(() => indoor.isEnabled()).toBe(true);
    await indoor.fill('21');
    await engineer.getByTestId('curve-save').click();
    await engineer.getByTestId('curve-saved').waitFor();
    const curve = (await (await platform.fetchAs('viewer', '/api/control/curve')).json()) as { indoor_c: number };
    expect(curve.indoor_c).toBe(21);
  });

  it('lists the acknowledgement on the audit page for an engineer, and an admin finds the chain intact', async () => {
    const page = await screenFor('engineer', '#/audit');
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    await page.getByTestId('audit-action').selectOption('alarm.ack');
    await page.getByTestId('audit-submit').click();
    const row = page.locator(`[data-testid="audit-row"][data-action="alarm.ack"]`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getAttribute('data-actor')).toBe(TEST_USERS.operator.name);
    expect(await row.getAttribute('data-target')).toContain(String(alarmId));
    expect(await page.getByTestId('audit-verify').count()).toBe(0);
    // Every screen renews its token often here, so the unfiltered trail is mostly sign-ins and refreshes.
    const search = async (actor: string, action: string) => {
      await page.getByTestId('audit-actor').fill(actor);
      await page.getByTestId('audit-action').selectOption(action);
      await page.getByTestId('audit-submit').click();
    };
    const rows = (action: string) => page.locator(`[data-testid="audit-row"][data-action="${action}"]`);
    await search(TEST_USERS.operator.name, 'work_order.change');
    await expect.poll(() => rows('work_order.change').count()).toBe(3);
    await search(TEST_USERS.engineer.name, 'control.curve');
    await expect.poll(() => rows('control.curve').count()).toBe(1);
    await search(TEST_USERS.operator.name, '');
    await expect.poll(() => rows('alarm.ack').count()).toBe(1);
    expect(await page.locator('[data-testid="audit-row"]').evaluateAll((els) => els.every((el) => el.getAttribute('data-actor') === 'operator'))).toBe(true);
    await page.screenshot({ path: `${SHOTS}/audit.png` });

    const admin = await screenFor('admin', '#/audit');
    await admin.getByTestId('audit-verify').click();
    await expect.poll(() => admin.getByTestId('audit-chain').getAttribute('data-ok')).toBe('true');
    expect(await admin.getByTestId('audit-chain').textContent()).toMatch(/^Chain intact: \d+ records checked\.$/);
  });

  it('lets an admin add a user, who can then log in with the role given', async () => {
    const page = await screenFor('admin', '#/users');
    await page.getByTestId('nav-users').click();
    await page.getByTestId('add-user-name').fill('crew-lead');
    await page.getByTestId('add-user-role').selectOption('operator');
    await page.getByTestId('add-user-password').fill('short');
    await page.getByTestId('add-user-submit').click();
    await expect.poll(() => page.getByTestId('users-message').textContent()).toBe('A password needs at least 12 characters.');
    await page.getByTestId('add-user-password').fill('crew-lead-pass-1');
    await page.getByTestId('add-user-submit').click();
    await expect.poll(() => page.getByTestId('users-message').textContent()).toBe('User crew-lead added.');
    await expect.poll(() => page.locator('tr[data-user="crew-lead"]').count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/users.png` });

    const newcomer = await screenFor({ name: 'crew-lead', password: 'crew-lead-pass-1' }, '#/alarms');
    expect(await newcomer.getByTestId('user-role').textContent()).toBe('operator');
    await expect.poll(() => alarmRow(newcomer).count()).toBe(1);
  });

  it('logs out to the login page, after which neither the access token nor the session works', async () => {
    const page = await blankScreen();
    const session = watchSession(page);
    await logIn(page, platform.apiUrl, TEST_USERS.operator);
    await expect.poll(() => session.tokens.length).toBe(1);
    const [held] = session.tokens;
    const withToken = () => fetch(`${platform.apiUrl}/api/network`, { headers: { authorization: `Bearer ${held}` } });
    expect((await withToken()).status).toBe(200);
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    const after = await withToken();
    expect(after.status).toBe(401);
    expect(((await after.json()) as { code: string }).code).toMatch(/^HS_ERR_AUTH_/);
    // The refresh cookie is revoked too: a reload does not bring the session back.
    await page.reload();
    await page.getByTestId('login-form').waitFor();
    expect(await page.getByTestId('user-menu').count()).toBe(0);
  });

  it('says so when logins for a name are throttled', async () => {
    const page = await blankScreen();
    await page.goto(platform.apiUrl);
    const attempt = async () => {
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
      await submitLogin(page, { name: 'intruder', password: 'guess-number-one' });
      const status = (await answer).status();
      await expect.poll(() => page.getByTestId('login-error').textContent()).toBeTruthy();
      return { status, shown: await page.getByTestId('login-error').textContent() };
    };
    for (let i = 0; i < FAILURES_PER_USER; i++) expect(await attempt()).toEqual({ status: 401, shown: 'Wrong user name or password.' });
    expect(await attempt()).toEqual({ status: 429, shown: 'Too many login attempts. Wait a minute and try again.' });
  });

  it('renews the access token before it runs out, reconnects live data with the new one, and keeps working', async () => {
    const page = await blankScreen();
    const session = watchSession(page);
    await logIn(page, platform.apiUrl, TEST_USERS.viewer, '#/work-orders');
    await expect.poll(() => session.sockets()).toBe(1);
    const first = session.tokens[0];
    await expect.poll(() => session.tokens.length, { timeout: 2 * ACCESS_TOKEN_S * 1000 }).toBeGreaterThan(1);
    expect(session.tokens[1]).not.toBe(first);
    await expect.poll(() => session.sockets()).toBe(2);
    // The first token runs out; the page, on its new one, still reads and still gets live data.
    const withFirst = () => fetch(`${platform.apiUrl}/api/network`, { headers: { authorization: `Bearer ${first}` } }).then((r) => r.status);
    await expect.poll(withFirst, { timeout: 2 * ACCESS_TOKEN_S * 1000 }).toBe(401);
    await page.getByTestId('nav-alarms').click();
    await expect.poll(() => alarmRow(page).count()).toBe(1);
    const before = await bannerCount(page);
    const second = platform.plant.spec.substations[2].id;
    platform.plant.injectFault({ kind: 'pump_trip', substation: second });
    await expect.poll(() => page.locator(`tr[data-alarm="pump_trip"][data-substation="${second}"]`).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => bannerCount(page)).toBeGreaterThan(before);
    expect(await page.getByTestId('user-name').textContent()).toBe(TEST_USERS.viewer.name);
    expect(await page.getByTestId('connection-banner').count()).toBe(0);
  });
});
