import { describe, expect, it } from 'vitest';
import { encodeRoleStatus, parseRoleStatus, RoleStatusReporter, roleStatusTopic, type RoleStatus } from './role-status.ts';

const ok: RoleStatus = { role: 'historian', instance: 'h1', status: 'ok', detail: 'store writable', at: 5 };
const topic = roleStatusTopic('historian', 'h1');

describe('role status', () => {
  it('round-trips a status on its own topic', () => {
    expect(topic).toBe('heatscada/status/historian/h1');
    const full = { ...ok, status: 'disk_full' as const, detail: 'store full', path: '/data/heatscada.db' };
    expect(parseRoleStatus(topic, encodeRoleStatus(full))).toEqual(full);
  });

  it('refuses, with HS_ERR_ROLE_STATUS_INVALID and the field, what is not a status or speaks for another role', () => {
    const bad: [Uint8Array, RegExp][] = [
      [Buffer.from('not json'), /not JSON/],
      [Buffer.from('[]'), /HS_ERR_ROLE_STATUS_INVALID/],
      [encodeRoleStatus({ ...ok, status: 'melting' as never }), /\/status/],
      [encodeRoleStatus({ ...ok, at: -1 }), /\/at/],
      [Buffer.from(JSON.stringify({ ...ok, extra: 1 })), /\/extra/],
      [Buffer.from(JSON.stringify({ role: 'historian', instance: 'h1', status: 'ok', at: 1 })), /\/detail/],
      [encodeRoleStatus({ ...ok, instance: 'h2' }), /is not the topic's/],
    ];
    for (const [payload, why] of bad) expect(() => parseRoleStatus(topic, payload)).toThrow(why);
  });

  it('sends a word when it changes, not when it is repeated, and again on resend', () => {
    const sent: string[] = [];
    const reporter = new RoleStatusReporter('collector', 'city-c1', (t, p) => sent.push(`${t} ${JSON.parse(p.toString()).status}`));
    reporter.report('ok', 'fine', undefined, 1);
    reporter.report('ok', 'fine', undefined, 2);
    reporter.report('disk_full', 'full', '/buf.db', 3);
    reporter.resend();
    expect(sent).toEqual(['heatscada/status/collector/city-c1 ok', 'heatscada/status/collector/city-c1 disk_full', 'heatscada/status/collector/city-c1 disk_full']);
  });
});
