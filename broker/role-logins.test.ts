import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BrokerClient } from './auth.ts';
import { loadCredentials } from './credentials.ts';
import { principalAuth } from './principal-auth.ts';
import { allInOnePrincipals, ensureRoleLogins, secretsFileOf } from './role-logins.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-role-logins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const client = (id: string): BrokerClient => ({ id, transport: 'tcp', remoteAddress: '127.0.0.1' });

describe('ensureRoleLogins (the all-in-one at first start and after)', () => {
  const file = path.join(dir, 'mqtt-credentials.yaml');
  const roles = allInOnePrincipals({ group: 'heatscada', edgeNodeId: 'collector-1', hostId: 'heatscada-historian', devices: ['S001', 'S002'] });

  it('generates a password per role: plain in the 0600 secrets file, Argon2id hashes the broker accepts', async () => {
    const logins = await ensureRoleLogins(file, roles);
    expect(Object.keys(logins).sort()).toEqual(['alarms', 'api', 'collector', 'control', 'historian', 'season', 'service']);
    expect(new Set(Object.values(logins).map((l) => l.password)).size).toBe(7);
    expect(statSync(secretsFileOf(file)).mode & 0o777).toBe(0o600);
    expect(secretsFileOf(file)).toBe(path.join(dir, 'secrets', 'mqtt.json'));
    const stored = readFileSync(file, 'utf8');
    for (const { password } of Object.values(logins)) expect(stored).not.toContain(password);

    const auth = principalAuth(loadCredentials(file));
    const collector = client('collector');
    expect(await auth.authenticate(collector, 'collector', Buffer.from(logins.collector.password))).toBe(true);
    expect(auth.authorizePublish(collector, 'spBv1.0/heatscada/NBIRTH/collector-1', Buffer.alloc(0))).toBe(true);
    expect(await auth.authenticate(client('x'), 'historian', Buffer.from(logins.collector.password))).toBe(false);
    // The residents' service publishes the complaints of the plant's group, and nothing of the plant.
    const service = client('service');
    expect(await auth.authenticate(service, 'service', Buffer.from(logins.service.password))).toBe(true);
    expect(auth.authorizePublish(service, 'heatscada/service/heatscada/complaint/S001', Buffer.from('{}'))).toBe(true);
    expect(auth.authorizePublish(service, 'spBv1.0/heatscada/NBIRTH/collector-1', Buffer.alloc(0))).toBe(false);
    // The season reads the plant under its own name and never commands it.
    const season = client('season');
    expect(await auth.authenticate(season, 'season', Buffer.from(logins.season.password))).toBe(true);
    expect(await auth.authenticate(client('y'), 'season', Buffer.from(logins.alarms.password))).toBe(false);
    expect(auth.authorizeSubscribe(season, 'spBv1.0/#')).toBe(true);
    expect(auth.authorizePublish(season, 'spBv1.0/heatscada/DCMD/collector-1/S001', Buffer.alloc(0))).toBe(false);
  });

  it('keeps the passwords across restarts, and follows a changed edge node id without a new password', async () => {
    const first = await ensureRoleLogins(file, roles);
    const before = readFileSync(file, 'utf8');
    expect(await ensureRoleLogins(file, roles)).toEqual(first);
    expect(readFileSync(file, 'utf8')).toBe(before);

    const moved = await ensureRoleLogins(file, { ...roles, collector: { ...roles.collector, edgeNodeId: 'collector-9' } });
    expect(moved.collector.password).toBe(first.collector.password);
    expect(loadCredentials(file).find((p) => p.username === 'collector')).toMatchObject({ edgeNodeId: 'collector-9' });
  });

  it('leaves principals it does not own alone', async () => {
    const other = { site2: { username: 'site2', kind: 'edge_node', group: 'heatscada', edgeNodeId: 'collector-2', devices: ['S003'] } } as const;
    await ensureRoleLogins(file, other);
    await ensureRoleLogins(file, roles);
    expect(loadCredentials(file).map((p) => p.username).sort()).toEqual(['alarms', 'api', 'collector', 'control', 'historian', 'season', 'service', 'site2']);
  });
});
