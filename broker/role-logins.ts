import { existsSync } from 'node:fs';
import path from 'node:path';
import { verify } from '@node-rs/argon2';
import { Type } from '@sinclair/typebox';
import type { MqttLogin } from '../model/mqtt-client.ts';
import { generatePassword } from '../model/secrets.ts';
import { loadDocument } from '../model/validate.ts';
import type { MqttPrincipal } from './acl.ts';
import { hashPassword, loadCredentials, saveCredentials, upsertPrincipal, writeSecretFile, type CredentialedPrincipal } from './credentials.ts';

// The all-in-one's own MQTT principals: at first start a random password for each, the plain
// passwords in a secrets file beside the credentials file (<dir>/secrets/mqtt.json, mode 0600)
// for the roles to log in with, the Argon2id hashes in the credentials file for the broker.
// On later starts the same passwords are used; an entry missing from either file, or whose
// hash no longer matches, is made again. Other principals in the file are left alone.

/** Where the all-in-one keeps the plain passwords of its roles. */
export const secretsFileOf = (credentialsFile: string): string => path.join(path.dirname(credentialsFile), 'secrets', 'mqtt.json');

const SecretsSchema = Type.Record(Type.String(), Type.String({ minLength: 1 }));


const samePrincipal = (a: MqttPrincipal, b: MqttPrincipal): boolean =>
  JSON.stringify({ ...a, passwordHash: undefined }) === JSON.stringify({ ...b, passwordHash: undefined });

/** The roles of the all-in-one, each its own principal with its own topic rules. */
export function allInOnePrincipals(ids: { group: string; edgeNodeId: string; hostId: string; devices: readonly string[] }) {
  return {
    // The collector serves the simulated PLCs: it may publish for those substations only.
    collector: { username: 'collector', kind: 'edge_node', group: ids.group, edgeNodeId: ids.edgeNodeId, devices: ids.devices },
    historian: { username: 'historian', kind: 'historian', hostId: ids.hostId },
    control: { username: 'control', kind: 'control' },
    alarms: { username: 'alarms', kind: 'alarms' },
    api: { username: 'api', kind: 'api' },
    // The season follows the live feed as the alarm engine does, under its own name and share group.
    season: { username: 'season', kind: 'season' },
    // The residents' service tells the alarm engine of each complaint, in the plant's group.
    service: { username: 'service', kind: 'service', group: ids.group },
  } satisfies Record<string, MqttPrincipal>;
}

/** Makes sure each principal has a password the broker accepts; returns each role's login. */
export async function ensureRoleLogins<R extends string>(credentialsFile: string, roles: Record<R, MqttPrincipal>): Promise<Record<R, Required<Omit<MqttLogin, 'ca'>>>> {
  const principals: MqttPrincipal[] = Object.values(roles);
  const secretsFile = secretsFileOf(credentialsFile);
  const secrets: Record<string, string> = existsSync(secretsFile) ? { ...loadDocument(SecretsSchema, secretsFile, 'HS_ERR_CONFIG_INVALID') } : {};
  let stored: CredentialedPrincipal[] = existsSync(credentialsFile) ? loadCredentials(credentialsFile) : [];
  let secretsChanged = false;
  let storedChanged = false;

  for (const principal of principals) {
    let password = secrets[principal.username];
    if (password === undefined) {
      password = generatePassword();
      secrets[principal.username] = password;
      secretsChanged = true;
    }
    const entry = stored.find((p) => p.username === principal.username);
    const hashMatches = entry !== undefined && (await verify(entry.passwordHash, password).catch(() => false));
    if (entry && hashMatches && samePrincipal(entry, principal)) continue;
    // Same password, new rules (e.g. the edge node id changed in the configuration).
    const passwordHash = hashMatches && entry ? entry.passwordHash : await hashPassword(password);
    stored = upsertPrincipal(stored, { ...principal, passwordHash } as CredentialedPrincipal);
    storedChanged = true;
  }
  // Secrets first: after a crash in between, the next start finds the password and rehashes it.
  if (secretsChanged) writeSecretFile(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`);
  if (storedChanged) saveCredentials(credentialsFile, stored);
  const logins = Object.entries<MqttPrincipal>(roles).map(([role, p]) => [role, { username: p.username, password: secrets[p.username] }]);
  return Object.fromEntries(logins) as Record<R, Required<Omit<MqttLogin, 'ca'>>>;
}
