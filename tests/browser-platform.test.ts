// The platform banner in Chromium: the built web app served by the API over a real broker, and
// the roles' retained statuses published as the roles publish them. A disk_full retained before
// sign-in shows once signed in; one published while the page is open appears without a reload,
// in English and in Chinese, on every page and on the wall; when every role says ok it goes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../api/auth/user-store.ts';
import { startApi, type Api } from '../api/server.ts';
import { startBroker, type Broker } from '../broker/broker.ts';
import { encodeRoleStatus, roleStatusTopic, type RoleStatus } from '../model/role-status.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { seedTestUsers, TEST_USERS } from './helpers/auth.ts';
import { ensureWebBuilt, launchChromium, logIn, newScreen, WEB_DIR } from './helpers/browser.ts';

const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
const historianFull: RoleStatus = { role: 'historian', instance: 'heatscada-historian', status: 'disk_full', detail: 'store full: holding 5000 points, retrying', path: '/data/heatscada.db', at: 1000 };
const bufferFull: RoleStatus = { role: 'collector', instance: 'heatscada-c1', status: 'disk_full', detail: 'buffer full: 120 points held in memory', path: '/data/sparkplug/heatscada-c1.buffer.db', at: 900 };
const ok = (s: RoleStatus, at: number): RoleStatus => ({ role: s.role, instance: s.instance, status: 'ok', detail: 'writable again: every held point written', at });

describe('the platform banner in Chromium', () => {
  let dir: string;
  let broker: Broker;
  let store: SqliteStore;
  let api: Api;
  let roles: MqttClient;
  let browser: Browser;
  let page: Page;

  const publish = (s: RoleStatus) => roles.publishAsync(roleStatusTopic(s.role, s.instance), encodeRoleStatus(s), { qos: 1, retain: true });
  const lines = () => page.getByTestId('platform-role').allTextContents();

  beforeAll(async () => {
    ensureWebBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'heatscada-browser-platform-'));
    broker = await startBroker({ host: '127.0.0.1', tcpPort: 0, wsPort: 0, logger: log });
    roles = await mqtt.connectAsync(broker.tcpUrl, { protocolVersion: 4, reconnectPeriod: 0 });
    // Before anyone signs in: the page must ask for it, no event will bring it.
    await publish(bufferFull);
    store = openSqliteStore({ file: path.join(dir, 'store.db') });
    await seedTestUsers(new UserStore(store.database));
    api = await startApi({ host: '127.0.0.1', port: 0, store, mqttUrl: broker.tcpUrl, webDir: WEB_DIR, logger: log });
    browser = await launchChromium();
    page = await (await newScreen(browser)).newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await roles?.endAsync();
    await api?.close();
    await broker?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a full disk retained before sign-in, once signed in', async () => {
    await logIn(page, api.url, TEST_USERS.viewer);
    await expect.poll(lines, { timeout: 10_000 }).toEqual(['Collector heatscada-c1: disk full — buffer full: 120 points held in memory (/data/sparkplug/heatscada-c1.buffer.db)']);
  });

  it('adds a role whose disk fills while the page is open, without a reload, in both languages', async () => {
    const loads = page.waitForEvent('load', { timeout: 1000 }).then(() => 'reloaded', () => 'same page');
    await publish(historianFull);
    await expect.poll(lines, { timeout: 10_000 }).toEqual([
      'Collector heatscada-c1: disk full — buffer full: 120 points held in memory (/data/sparkplug/heatscada-c1.buffer.db)',
      'Historian heatscada-historian: disk full — store full: holding 5000 points, retrying (/data/heatscada.db)',
    ]);
    expect(await loads).toBe('same page');
    await page.getByTestId('lang-switch').click();
    await expect.poll(lines).toEqual([
      '采集器 heatscada-c1：磁盘已满 — buffer full: 120 points held in memory (/data/sparkplug/heatscada-c1.buffer.db)',
      '历史库 heatscada-historian：磁盘已满 — store full: holding 5000 points, retrying (/data/heatscada.db)',
    ]);
    await page.getByTestId('lang-switch').click();
    expect(await page.getByTestId('platform-banner').getAttribute('role')).toBe('alert');
  });

  it('stands on every page and on the wall', async () => {
    for (const hash of ['#/alarms', '#/history', '#/wall']) {
      await page.goto(`${api.url}/${hash}`);
      await expect.poll(() => page.getByTestId('platform-role').count(), { timeout: 10_000 }).toBe(2);
    }
    expect(await page.getByTestId('wall').getByTestId('platform-banner').count()).toBe(1);
    await page.goto(`${api.url}/#/`);
  });

  it('goes when every role says ok, one line at a time', async () => {
    await page.getByTestId('platform-banner').waitFor();
    await publish(ok(historianFull, 2000));
    await expect.poll(lines, { timeout: 10_000 }).toEqual(['Collector heatscada-c1: disk full — buffer full: 120 points held in memory (/data/sparkplug/heatscada-c1.buffer.db)']);
    await publish(ok(bufferFull, 2100));
    await expect.poll(() => page.getByTestId('platform-banner').count(), { timeout: 10_000 }).toBe(0);
  });
});
