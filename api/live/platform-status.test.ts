import { describe, expect, it } from 'vitest';
import { encodeRoleStatus, roleStatusTopic, type RoleStatus } from '../../model/role-status.ts';
import { captureLog } from '../../tests/helpers/capture-log.ts';
import { PlatformStatus, type PlatformStatusReport } from './platform-status.ts';

const historian: RoleStatus = { role: 'historian', instance: 'heatscada-historian', status: 'ok', detail: 'store writable', at: 1 };
const full: RoleStatus = { ...historian, status: 'disk_full', detail: 'store full: holding 5000 points, retrying', path: '/data/heatscada.db', at: 2 };
const collector: RoleStatus = { role: 'collector', instance: 'city-c1', status: 'ok', detail: 'buffer writable', at: 3 };
const topicOf = (s: RoleStatus) => roleStatusTopic(s.role, s.instance);

function follower() {
  const { log, lines } = captureLog('info');
  const status = new PlatformStatus(log);
  const reports: PlatformStatusReport[] = [];
  status.listen((r) => reports.push(r));
  const send = (s: RoleStatus) => status.message(topicOf(s), encodeRoleStatus(s));
  return { status, reports, lines, send };
}

describe('PlatformStatus', () => {
  it('follows only the role status topics', () => {
    const { status } = follower();
    expect(status.filter).toBe('heatscada/status/+/+');
    expect(status.owns(topicOf(historian))).toBe(true);
    expect(status.owns('spBv1.0/city/DDATA/c1/S001')).toBe(false);
    expect(status.owns('heatscada/statusx/historian/h')).toBe(false);
  });

  it('lists every instance by role, then instance, whatever order they came in, and tells each change', () => {
    const { status, reports, send } = follower();
    const second: RoleStatus = { ...collector, instance: 'city-c0' };
    send(historian);
    send(collector);
    send(second);
    expect(status.report().roles).toEqual([second, collector, historian]);
    expect(reports.map((r) => r.roles.length)).toEqual([1, 2, 3]);
    send(full);
    expect(status.report().roles).toEqual([second, collector, full]);
    expect(reports).toHaveLength(4);
    expect(reports[3]).toEqual(status.report());
  });

  it('tells nothing when a role sends the same word again (after a reconnection)', () => {
    const { reports, send } = follower();
    send(full);
    send({ ...full });
    expect(reports).toHaveLength(1);
  });

  it('takes an instance off at an empty retained message', () => {
    const { status, reports, send } = follower();
    send(historian);
    send(collector);
    status.message(topicOf(historian), Buffer.alloc(0));
    expect(status.report().roles).toEqual([collector]);
    expect(reports.at(-1)).toEqual({ roles: [collector] });
    // An instance it never knew: nothing changed, nothing told.
    status.message(roleStatusTopic('historian', 'other'), Buffer.alloc(0));
    expect(reports).toHaveLength(3);
  });

  it('ignores a bad message, keeping the last good word, and logs each fault once with its topic and reason', () => {
    const { status, reports, lines, send } = follower();
    send(full);
    const topic = topicOf(full);
    const bad: [string, Buffer][] = [
      [topic, Buffer.from('not json')],
      [topic, Buffer.from(JSON.stringify({ ...full, status: 'melting' }))],
      [topic, encodeRoleStatus({ ...full, instance: 'another' })],
      [topic, Buffer.from(JSON.stringify({ ...full, extra: 1 }))],
    ];
    for (const [t, payload] of bad) {
      status.message(t, payload);
      status.message(t, payload);
    }
    expect(status.report().roles).toEqual([full]);
    expect(reports).toHaveLength(1);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(bad.length);
    for (const w of warnings) expect(w).toMatchObject({ code: 'HS_ERR_ROLE_STATUS_INVALID', topic });
    expect(warnings.map((w) => w.reason)).toEqual([
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/\/status/),
      expect.stringMatching(/is not the topic's/),
      expect.stringMatching(/\/extra/),
    ]);
    // A good word in between: the same fault afterwards is news again.
    send(historian);
    status.message(topic, bad[0][1]);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(bad.length + 1);
    expect(status.report().roles).toEqual([historian]);
  });
});
