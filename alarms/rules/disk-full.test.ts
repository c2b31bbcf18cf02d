import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RoleStatus } from '../../model/role-status.ts';
import { validateDocument } from '../../model/validate.ts';
import { loadRuleSet, resolveRuleSet, RuleSetSchema } from '../config-schema.ts';
import type { AlarmChange } from '../engine.ts';
import { engineHarness } from '../test-support.ts';

// The shipped disk_full definition (config/alarm-rules.yaml: scope role, critical) in the engine,
// fed role statuses as alarms/role-status-feed.ts hands them over, on a hand-driven clock.

const SHIPPED = loadRuleSet('config/alarm-rules.yaml').filter((d) => d.id === 'disk_full');
const status = (over: Partial<RoleStatus>): RoleStatus => ({ role: 'historian', instance: 'h1', status: 'ok', detail: 'store writable', at: 1, ...over });

describe('disk-full rule', () => {
  it('raises a critical alarm naming the role and path while the role says disk_full, and returns when it reports ok', () => {
    const h = engineHarness(SHIPPED);
    const changes: AlarmChange[] = [];
    h.engine.listen((c) => changes.push(c));
    h.engine.roleStatus(status({}));
    h.engine.ingest('S001', [{ tag: 'primary.flow', value: 10 }]);
    h.run(5);
    expect(h.engine.records()).toEqual([]);
    h.engine.roleStatus(status({ status: 'disk_full', detail: 'store full: holding 5000 points, retrying', path: '/data/heatscada.db' }));
    h.run(1);
    expect(h.engine.records().map((r) => [r.substation, r.alarm, r.priority, r.state])).toEqual([['historian/h1', 'disk_full', 'critical', 'unack_active']]);
    expect(changes.map((c) => [c.event, c.cause?.detail])).toEqual([['activate', 'store full: holding 5000 points, retrying (/data/heatscada.db)']]);
    h.engine.roleStatus(status({ detail: 'store writable: every held point written' }));
    h.run(1);
    expect(h.engine.records().map((r) => r.state)).toEqual(['unack_returned']);
    // A substation has no disk alarm; each role instance its own.
    h.engine.roleStatus(status({ role: 'collector', instance: 'city-c1', status: 'disk_full', detail: 'buffer full' }));
    h.run(1);
    expect(h.engine.records().filter((r) => r.state === 'unack_active').map((r) => r.substation)).toEqual(['collector/city-c1']);
  });

  it('keeps a standing alarm through an engine restart until the role speaks again', () => {
    const db = new Database(':memory:');
    const first = engineHarness(SHIPPED, {}, db);
    first.engine.roleStatus(status({ status: 'disk_full', detail: 'full' }));
    first.run(1);
    const second = engineHarness(SHIPPED, {}, db);
    second.run(5);
    expect(second.engine.records().map((r) => [r.substation, r.state])).toEqual([['historian/h1', 'unack_active']]);
    second.engine.roleStatus(status({}));
    second.run(1);
    expect(second.engine.records().map((r) => r.state)).toEqual(['unack_returned']);
  });

  it('is refused outside scope role, and scope role takes no other rule', () => {
    const def = (scope: string, kind: string) =>
      resolveRuleSet(validateDocument(RuleSetSchema, { alarms: [{ id: 'x', priority: 'high', title: { en: 'x', zh: 'x' }, scope, rules: [{ kind }] }] }, 'HS_ERR_CONFIG_INVALID'), 'test');
    expect(() => engineHarness(def('substation', 'disk-full'))).toThrow(/disk-full rule needs scope role/);
    expect(() => engineHarness(def('role', 'stale'))).toThrow(/scope role takes disk-full rules only/);
  });
});
