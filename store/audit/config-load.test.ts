import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { auditConfigLoad, configFingerprint } from './config-load.ts';
import { SqliteAuditTrail } from './sqlite-audit-trail.ts';

describe('auditConfigLoad', () => {
  it('records the first start and each start with a changed configuration, not a repeated one', () => {
    const trail = new SqliteAuditTrail(new Database(':memory:'));
    const first = { broker: { tcp_port: 1883 } };
    const changed = { broker: { tcp_port: 1884 } };
    expect(auditConfigLoad(trail, first, 'heatscada start')).toMatchObject({ action: 'config.change', oldValue: null, newValue: configFingerprint(first) });
    expect(auditConfigLoad(trail, first, 'heatscada start')).toBeUndefined();
    expect(auditConfigLoad(trail, changed, 'heatscada start')).toMatchObject({ oldValue: configFingerprint(first), newValue: configFingerprint(changed) });
    expect(trail.search({ action: 'config.change' })).toHaveLength(2);
    expect(trail.verify().ok).toBe(true);
  });
});
