// Alarm notifications by e-mail against a real SMTP server (smtp-server on loopback), escalation
// of unacknowledged critical alarms and routing by the hour in the configured time zone: first
// with the engine's injected clock (engine → outbox → SMTP), then through the real data path
// (simulated PLCs → collector → broker → `startAlarms`) with an engine restart in the middle.

import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleSet, resolveAlarmsConfig, type AlarmsConfig } from '../alarms/config-schema.ts';
import { emailDelivery } from '../alarms/notify/email.ts';
import { localTime } from '../alarms/notify/local-time.ts';
import { createNotifier, type Notifier } from '../alarms/notify/notifier.ts';
import { engineHarness, type EngineHarness } from '../alarms/test-support.ts';
import { eventually } from './helpers/eventually.ts';
import { startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const log = pino({ level: process.env.HEATSCADA_TEST_LOG ?? 'silent' });
const MIN = 60_000;
const HOUR = 60 * MIN;

interface Mail {
  to: string[];
  subject: string;
  text: string;
  messageId: string;
}

/** Undoes the transfer encodings nodemailer may choose (encoded words, quoted-printable, base64). */
function parseMail(raw: string, to: string[]): Mail {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = new Map(
    raw
      .slice(0, split)
      .replace(/\r?\n[ \t]+/g, ' ')
      .split(/\r?\n/)
      .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()] as const),
  );
  const bytes = (latin1: string) => Buffer.from(latin1, 'latin1').toString('utf8');
  const unQp = (s: string) => s.replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  const words = (v: string) =>
    bytes(
      v.replace(/(\?=)\s+(=\?)/g, '$1$2').replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
        enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('latin1') : unQp(data.replace(/_/g, ' ')),
      ),
    );
  const body = raw.slice(split).trim();
  const cte = headers.get('content-transfer-encoding')?.toLowerCase();
  const text = cte === 'base64' ? Buffer.from(body, 'base64').toString('utf8') : cte === 'quoted-printable' ? bytes(unQp(body.replace(/=\r?\n/g, ''))) : body;
  return { to, subject: words(headers.get('subject') ?? ''), text: text.replace(/\r\n/g, '\n'), messageId: headers.get('message-id') ?? '' };
}

interface Receiver {
  port: number;
  mails: Mail[];
  /** Replies still to refuse: 421 refuses MAIL FROM (busy), 451 RCPT TO (greylisting). */
  refusals: number[];
  close(): Promise<void>;
}

/** A loopback SMTP server; with `auth`, it takes mail only from that user and password. */
async function smtpReceiver(options: { refusals?: number[]; auth?: { user: string; pass: string } } = {}): Promise<Receiver> {
  const mails: Mail[] = [];
  const refusals = [...(options.refusals ?? [])];
  const refuse = (code: number, cb: (err?: Error | null) => void) => {
    if (refusals[0] !== code) return false;
    refusals.shift();
    cb(Object.assign(new Error(code === 421 ? 'Too busy, try again later' : 'Greylisted, try again later'), { responseCode: code }));
    return true;
  };
  const server = new SMTPServer({
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.pass) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    onMailFrom(_address, _session, cb) {
      if (!refuse(421, cb)) cb();
    },
    onRcptTo(_address, _session, cb) {
      if (!refuse(451, cb)) cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push(parseMail(Buffer.concat(chunks).toString('latin1'), session.envelope.rcptTo.map((r) => r.address)));
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    refusals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The `alarms.email` section as written in a configuration file (defaults filled by resolveAlarmsConfig). */
const email = (port: number, routes: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({
  smtp: { host: '127.0.0.1', port, from: 'HeatSCADA <alarms@heatscada.test>', timeout_s: 5, ...extra },
  routes,
});

/** The engine with the shipped rules on an injected clock, its notifier and a hand-driven outbox. */
function notifyHarness(config: AlarmsConfig, db = new Database(':memory:')): { h: EngineHarness; notifier: Notifier; step(s: number, feed: () => void): Promise<void> } {
  const h = engineHarness(loadRuleSet('config/alarm-rules.yaml'), config, db);
  const notifier = createNotifier(config, { database: h.store.db, engine: h.engine, areaOf: () => null, wallNow: () => h.clock.now, logger: log });
  return {
    h,
    notifier,
    /** `s` seconds of 5 s polls, escalating and sending what is due after each. */
    async step(s, feed) {
      for (let t = 0; t < s; t += 5) {
        h.run(5, feed, 5);
        notifier.escalate();
        await notifier.outbox.flush();
      }
    },
  };
}

/** What a PLC reports while its substation has no power (an UPS keeps it talking). */
const powerOff = (h: EngineHarness, substation: string) => () => h.engine.ingest(substation, [{ tag: 'power.ok', value: false }, { tag: 'plc.heartbeat', value: h.clock.now }]);
const healthy = (h: EngineHarness, ...substations: string[]) => () => {
  for (const s of substations) h.engine.ingest(s, [{ tag: 'power.ok', value: true }, { tag: 'plc.heartbeat', value: h.clock.now }]);
};

describe('alarm e-mail over SMTP (injected clock)', () => {
  const receivers: Receiver[] = [];
  const receiver = async (options?: Parameters<typeof smtpReceiver>[0]) => {
    const r = await smtpReceiver(options);
    receivers.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  it("a critical alarm's mail arrives once, in Chinese, with substation, tag, priority, value and local time", async () => {
    const smtp = await receiver();
    const config = resolveAlarmsConfig({ poll_period_s: 5, time_zone: 'Asia/Shanghai', email: { ...email(smtp.port, [{ to: ['duty@heatscada.test'], route: { priorities: ['critical'] } }]), language: 'zh' } });
    const { h, step } = notifyHarness(config);
    h.clock.now = Date.UTC(2026, 0, 15, 1, 2, 0); // 09:02 in Shanghai
    await step(60, healthy(h, 'S001', 'S002'));
    await step(60, () => (powerOff(h, 'S002')(), healthy(h, 'S001')()));
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail.to).toEqual(['duty@heatscada.test']);
    expect(mail.subject).toBe('[紧急] S002 换热站停电: power.ok = false');
    expect(mail.text).toContain('换热站: S002');
    expect(mail.text).toContain('优先级: 紧急');
    expect(mail.text).toContain('测点: power.ok');
    expect(mail.text).toContain('数值: false');
    expect(mail.text).toMatch(/报警时间: 2026-01-15 09:0[23]:\d\d \(Asia\/Shanghai\)/);
    await step(600, () => (powerOff(h, 'S002')(), healthy(h, 'S001')()));
    expect(smtp.mails).toHaveLength(1);
  });

  it('a server refusing at first (421 busy, 451 greylisted) gets the mail again with back-off, once for each recipient', async () => {
    const smtp = await receiver({ refusals: [421, 451] });
    const config = resolveAlarmsConfig({ poll_period_s: 5, retry: { first_s: 10, max_s: 60 }, email: email(smtp.port, [{ to: ['duty@heatscada.test', 'chief@heatscada.test'], route: {} }]) });
    const { h, notifier, step } = notifyHarness(config);
    await step(30, healthy(h, 'S001', 'S002'));
    await step(5, () => (powerOff(h, 'S001')(), healthy(h, 'S002')()));
    // The duty officer's mail was refused at MAIL FROM, the chief's at RCPT TO.
    expect(smtp.refusals).toEqual([]);
    expect(smtp.mails).toEqual([]);
    expect(notifier.outbox.pending()).toBe(2);
    await step(120, () => (powerOff(h, 'S001')(), healthy(h, 'S002')()));
    expect(notifier.outbox.pending()).toBe(0);
    const subject = '[CRITICAL] S001 Substation without power: power.ok = false';
    expect(smtp.mails.map((m) => [m.subject, m.to])).toEqual([[subject, ['duty@heatscada.test']], [subject, ['chief@heatscada.test']]]);
    const rows = h.store.db.prepare('SELECT attempts, last_error FROM notify_outbox ORDER BY id').all() as { attempts: number; last_error: string }[];
    expect(rows.map((r) => r.attempts)).toEqual([2, 2]);
    expect(rows[0].last_error).toMatch(/HS_ERR_NOTIFY_FAILED.*SMTP 421/);
    expect(rows[1].last_error).toMatch(/HS_ERR_NOTIFY_FAILED.*SMTP 451/);
  });

  it('an engine restarted while the server refuses still sends the mail exactly once', async () => {
    const smtp = await receiver({ refusals: [421, 421] });
    const config = resolveAlarmsConfig({ poll_period_s: 5, retry: { first_s: 10, max_s: 60 }, email: email(smtp.port, [{ to: ['duty@heatscada.test'], route: {} }]) });
    const db = new Database(path.join(mkdtempSync(path.join(tmpdir(), 'heatscada-notify-')), 'alarms.db'));
    const first = notifyHarness(config, db);
    await first.step(30, healthy(first.h, 'S001', 'S002'));
    await first.step(5, () => (powerOff(first.h, 'S001')(), healthy(first.h, 'S002')()));
    expect(first.notifier.outbox.pending()).toBe(1);
    await first.notifier.outbox.close();
    const second = notifyHarness(config, db);
    second.h.clock.now = first.h.clock.now;
    await second.step(300, () => (powerOff(second.h, 'S001')(), healthy(second.h, 'S002')()));
    expect(smtp.mails.map((m) => m.subject)).toEqual(['[CRITICAL] S001 Substation without power: power.ok = false']);
    expect(second.h.store.query({}).map((r) => `${r.substation}/${r.alarm}`)).toEqual(['S001/power_loss']);
  });

  it('escalates a critical alarm left unacknowledged to the second route after the delay, and not one acknowledged in time', async () => {
    const smtp = await receiver();
    const config = resolveAlarmsConfig({
      poll_period_s: 5,
      escalate_after_s: 600,
      email: email(smtp.port, [
        { to: ['duty@heatscada.test'], route: { priorities: ['critical'] } },
        { to: ['chief@heatscada.test'], route: { priorities: ['critical'] }, escalation: true },
      ]),
    });
    const { h, step } = notifyHarness(config);
    const feed = () => (powerOff(h, 'S001')(), powerOff(h, 'S002')(), healthy(h, 'S003')());
    await step(30, healthy(h, 'S001', 'S002', 'S003'));
    await step(300, feed);
    const [s1] = h.engine.records().filter((r) => r.substation === 'S001');
    h.engine.ack(s1.id, 'op1', 'crew informed');
    await step(240, feed);
    expect(smtp.mails.filter((m) => m.to[0] === 'chief@heatscada.test')).toEqual([]); // under 10 min
    await step(60, feed);
    await step(1800, feed);
    const chief = smtp.mails.filter((m) => m.to[0] === 'chief@heatscada.test');
    expect(chief.map((m) => m.subject)).toEqual(['[ESCALATION CRITICAL] S002 Substation without power, unacknowledged for 10 min']);
    expect(chief[0].text).toContain('Tag: power.ok');
    expect(smtp.mails.filter((m) => m.to[0] === 'duty@heatscada.test').map((m) => m.subject.split(' ')[1])).toEqual(['S001', 'S002']);
  });

  it('withdraws an escalation the server has not yet taken once the alarm is acknowledged', async () => {
    const smtp = await receiver({ refusals: [421, 421, 421] });
    const config = resolveAlarmsConfig({
      poll_period_s: 5,
      escalate_after_s: 300,
      retry: { first_s: 60, max_s: 600 },
      email: email(smtp.port, [{ to: ['chief@heatscada.test'], route: {}, escalation: true }]),
    });
    const { h, notifier, step } = notifyHarness(config);
    await step(30, healthy(h, 'S001', 'S002'));
    const feed = () => (powerOff(h, 'S001')(), healthy(h, 'S002')());
    await step(310, feed);
    expect(notifier.outbox.pending()).toBe(1);
    h.engine.ack(h.engine.records()[0].id, 'op1', 'on it');
    expect(notifier.outbox.pending()).toBe(0);
    await step(1200, feed);
    expect(smtp.mails).toEqual([]);
    expect(smtp.refusals).toHaveLength(2);
  });

  it('routes by the hour in the configured time zone: day shift by day, night route by night', async () => {
    const smtp = await receiver();
    const routes = [
      { to: ['day@heatscada.test'], route: { priorities: ['critical', 'high'], hours: [8, 20] } },
      { to: ['night@heatscada.test'], route: { priorities: ['critical', 'high'], hours: [20, 8] } },
    ];
    const config = resolveAlarmsConfig({ poll_period_s: 5, time_zone: 'Asia/Shanghai', email: email(smtp.port, routes) });
    const { h, step } = notifyHarness(config);
    const recipient = async (utcHour: number, substation: string) => {
      h.clock.now = Date.UTC(2026, 0, 15, utcHour, 30);
      await step(30, healthy(h, 'S001', 'S002', 'S003'));
      const before = smtp.mails.length;
      await step(30, () => (powerOff(h, substation)(), healthy(h, ...['S001', 'S002', 'S003'].filter((s) => s !== substation))()));
      return smtp.mails.slice(before).map((m) => m.to.join());
    };
    // 02:30 UTC is 10:30 in Shanghai; 13:30 UTC is 21:30; 23:30 UTC is 07:30 the next morning.
    expect(await recipient(2, 'S001')).toEqual(['day@heatscada.test']);
    expect(await recipient(13, 'S002')).toEqual(['night@heatscada.test']);
    expect(await recipient(23, 'S003')).toEqual(['night@heatscada.test']);
  });

  it('refuses a bad e-mail or time-zone configuration at start, with the path of the field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-smtp-'));
    writeFileSync(path.join(dir, 'pw'), 's3cret\n');
    const cfg = (smtp: Record<string, unknown>) => resolveAlarmsConfig({ email: email(25, [{ to: ['a@b.c'], route: {} }], smtp) }).email!;
    expect(() => emailDelivery(cfg({ user: 'u', password: 'x', password_file: path.join(dir, 'pw') }), localTime('UTC'))).toThrow(/HS_ERR_CONFIG_INVALID.*\/alarms\/email\/smtp\/password_file/);
    expect(() => emailDelivery(cfg({ user: 'u', password_file: path.join(dir, 'missing') }), localTime('UTC'))).toThrow(/HS_ERR_CONFIG_INVALID.*password_file.*cannot read/);
    expect(() => emailDelivery(cfg({ user: 'u' }), localTime('UTC'))).toThrow(/HS_ERR_CONFIG_INVALID.*\/alarms\/email\/smtp\/password/);
    expect(() => localTime('Mars/Olympus_Mons')).toThrow(/HS_ERR_CONFIG_INVALID.*\/alarms\/time_zone/);
    expect(() => resolveAlarmsConfig({ email: email(25, [{ to: ['not-an-address'], route: {} }]) })).toThrow(/HS_ERR_CONFIG_INVALID.*\/email\/routes\/0\/to\/0 must match/);
  });
});

describe('alarm e-mail through the real data path', () => {
  const SPEED = 20;
  let platform: TestPlatform;
  let smtp: Receiver;
  let passwordFile: string;

  const config = () =>
    resolveAlarmsConfig({
      poll_period_s: 10,
      evaluate_every_s: 0.1,
      time_zone: 'Asia/Shanghai',
      escalate_after_s: 180, // 9 s wall at 20×
      retry: { first_s: 0.3, max_s: 1 },
      email: {
        ...email(smtp.port, [
          { to: ['day@heatscada.test'], route: { priorities: ['critical'], hours: [8, 20] } },
          { to: ['night@heatscada.test'], route: { priorities: ['critical'], hours: [20, 8] } },
          { to: ['chief@heatscada.test'], route: { priorities: ['critical'] }, escalation: true },
        ], { user: 'heatscada', password_file: passwordFile }),
        language: 'en',
      },
    });

  beforeAll(async () => {
    passwordFile = path.join(mkdtempSync(path.join(tmpdir(), 'heatscada-smtp-')), 'password');
    writeFileSync(passwordFile, 'mail-s3cret\n');
    smtp = await smtpReceiver({ refusals: [421, 451, 421], auth: { user: 'heatscada', pass: 'mail-s3cret' } });
    platform = await startTestPlatform({ substations: 4, seed: 7, speed: SPEED, alarms: config() });
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
    await smtp?.close();
  });

  it('a power loss mails the shift on duty once across refusals and a restart, then escalates to the chief once', async () => {
    const id = platform.plant.substationIds[2];
    const fault = platform.plant.injectFault({ kind: 'power_loss', substation: id });
    const powerLoss = () => platform.alarms.engine.records().find((r) => r.substation === id && r.alarm === 'power_loss' && r.state === 'unack_active');
    await eventually(() => expect(powerLoss()).toBeDefined());
    // Restart while the server still refuses (the mail is in the outbox, not yet sent).
    await platform.stopAlarms();
    expect(platform.alarms.outbox.pending()).toBe(1);
    await platform.startAlarms();
    await eventually(() => expect(smtp.mails.filter((m) => m.to[0] === 'chief@heatscada.test')).toHaveLength(1), 40_000);
    const alarm = powerLoss()!;
    // The shift by the hour in Shanghai (UTC+8, no daylight saving) when the alarm was raised.
    const shanghaiHour = (new Date(alarm.raisedAt).getUTCHours() + 8) % 24;
    const shift = shanghaiHour >= 8 && shanghaiHour < 20 ? 'day@heatscada.test' : 'night@heatscada.test';
    platform.alarms.engine.ack(alarm.id, 'op1', 'crew on the way');
    await eventually(() => expect(platform.alarms.outbox.pending()).toBe(0));
    platform.plant.clearFault(fault.id);
    await eventually(() => expect(platform.alarms.engine.records().find((r) => r.id === alarm.id)?.state).toBe('normal'));
    expect(smtp.refusals).toEqual([]);
    expect(smtp.mails.map((m) => m.to.join())).toEqual([shift, 'chief@heatscada.test']);
    const [duty, chief] = smtp.mails;
    // The PLC is silent: the mail says so instead of a value.
    expect(duty.subject).toBe(`[CRITICAL] ${id} Substation without power: no data (the PLC is silent)`);
    expect(duty.text).toContain(`Alarm: power_loss #${alarm.id}`);
    expect(chief.subject).toMatch(new RegExp(`^\\[ESCALATION CRITICAL\\] ${id} Substation without power, unacknowledged for \\d+ min$`));
    expect(new Set(smtp.mails.map((m) => m.messageId)).size).toBe(2);
  }, 90_000);
});
