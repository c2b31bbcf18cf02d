import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BrokerClient } from './auth.ts';
import { hashPassword, loadCredentials, resolveCredentials, saveCredentials, type CredentialedPrincipal } from './credentials.ts';
import { principalAuth } from './principal-auth.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const client = (id: string): BrokerClient => ({ id, transport: 'tcp', remoteAddress: '127.0.0.1' });

describe('credentials file', () => {
  it('round-trips every kind of principal through a file only its owner may read', () => {
    const principals: CredentialedPrincipal[] = [
      { username: 'collector-1', kind: 'edge_node', group: 'city', edgeNodeId: 'c1', devices: ['S001'], passwordHash: HASH },
      { username: 'historian', kind: 'historian', hostId: 'hist', passwordHash: HASH },
      { username: 'control', kind: 'control', passwordHash: HASH },
      { username: 'alarms', kind: 'alarms', passwordHash: HASH },
      { username: 'api', kind: 'api', passwordHash: HASH },
      { username: 'service', kind: 'service', group: 'city', passwordHash: HASH },
    ];
    const file = path.join(dir, 'sub', 'mqtt-credentials.yaml');
    saveCredentials(file, principals);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadCredentials(file)).toEqual(principals);
  });

  it('names the bad field of a bad entry', () => {
    const bad = (principals: unknown) => () => resolveCredentials({ principals }, 'creds.yaml');
    expect(bad({ c1: { kind: 'edge_node', group: 'city', password_hash: HASH } })).toThrow(/creds\.yaml#\/principals\/c1: \/edge_node_id is required/);
    expect(bad({ c1: { kind: 'edge_node', group: 'ci/ty', edge_node_id: 'c1', password_hash: HASH } })).toThrow(/HS_ERR_CONFIG_INVALID.*\/group/);
    expect(bad({ c1: { kind: 'wizard', password_hash: HASH } })).toThrow(/\/principals\/c1\/kind/);
    expect(bad({ h: { kind: 'historian', host_id: 'h', password_hash: 'plain-text' } })).toThrow(/\/password_hash/);
    expect(bad({ 'bad user': { kind: 'api', password_hash: HASH } })).toThrow(/HS_ERR_CONFIG_INVALID/);
    expect(bad({ api: { kind: 'api', password_hash: HASH, extra: 1 } })).toThrow(/\/extra is not a known field/);
    expect(bad({ s: { kind: 'service', password_hash: HASH } })).toThrow(/creds\.yaml#\/principals\/s: \/group is required/);
    expect(bad({ s: { kind: 'service', group: 'city', share_groups: ['x'], password_hash: HASH } })).toThrow(/\/share_groups is not a known field/);
  });

  it('refuses to write a file that would not load again', () => {
    const file = path.join(dir, 'never.yaml');
    expect(() => saveCredentials(file, [{ username: 'e', kind: 'edge_node', group: 'g', edgeNodeId: 'a/b', devices: [], passwordHash: HASH }])).toThrow(/edge_node_id/);
    expect(() => statSync(file)).toThrow();
  });
});

describe('principalAuth', () => {
  it('checks the Argon2id hash, refuses unknown users and missing credentials, and applies the ACL of the one that logged in', async () => {
    const auth = principalAuth([{ username: 'c1', kind: 'edge_node', group: 'city', edgeNodeId: 'c1', devices: [], passwordHash: await hashPassword('right') }]);
    const [good, wrong, stranger, anonymous] = ['c1-good', 'c1-wrong', 'stranger', 'anonymous'].map(client);
    expect(await auth.authenticate(wrong, 'c1', Buffer.from('wrong'))).toBe(false);
    expect(await auth.authenticate(stranger, 'nobody', Buffer.from('right'))).toBe(false);
    expect(await auth.authenticate(anonymous, undefined, undefined)).toBe(false);
    expect(await auth.authenticate(good, 'c1', Buffer.from('right'))).toBe(true);
    expect(auth.usernameOf(good)).toBe('c1');
    expect(auth.authorizePublish(good, 'spBv1.0/city/NDATA/c1', Buffer.alloc(0))).toBe(true);
    expect(auth.authorizePublish(good, 'spBv1.0/city/NDATA/c2', Buffer.alloc(0))).toBe(false);
    // A connection that failed to log in has no rules at all.
    expect(auth.authorizePublish(wrong, 'spBv1.0/city/NDATA/c1', Buffer.alloc(0))).toBe(false);
    expect(auth.authorizeSubscribe(wrong, 'spBv1.0/city/NCMD/c1')).toBe(false);
  });
});
