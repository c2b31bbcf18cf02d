import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Algorithm, hash } from '@node-rs/argon2';
import { Type, type Static } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { HeatScadaError } from '../model/errors.ts';
import { loadDocument, validateDocument } from '../model/validate.ts';
import { PRINCIPAL_KINDS, type MqttPrincipal, type PrincipalKind } from './acl.ts';

// The broker's credentials file: one entry per MQTT user name with the kind of principal it is
// (its topic rules: acl.ts) and an Argon2id hash of its password. Never a plain password: the
// all-in-one keeps the passwords it generated in a separate secrets file for its own roles.
//
//   principals:
//     collector-1: { kind: edge_node, group: heatscada, edge_node_id: collector-1, devices: [S001, S002], password_hash: $argon2id$… }
//     historian:   { kind: historian, host_id: heatscada-historian, share_groups: [historians], password_hash: $argon2id$… }
//     control:     { kind: control, password_hash: $argon2id$… }
//     service:     { kind: service, group: heatscada, password_hash: $argon2id$… }

/** A principal with the hash its password is checked against at CONNECT. */
export type CredentialedPrincipal = MqttPrincipal & { passwordHash: string };

const USERNAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const Id = (description: string) => Type.String({ minLength: 1, maxLength: 128, pattern: '^[^/+#]+$', description });
const PasswordHash = Type.String({ pattern: '^\\$argon2id\\$', description: 'Argon2id hash (heatscada mqtt-user add writes it)' });

const Ids = (description: string) => Type.Array(Id('one id'), { maxItems: 10_000, uniqueItems: true, description });
const ShareGroups = Type.Optional(Ids('share groups ($share/<group>/…) it may join; default: its user name alone'));

const KIND_SCHEMAS = {
  edge_node: Type.Object(
    {
      kind: Type.Literal('edge_node'),
      group: Id('Sparkplug group id'),
      edge_node_id: Id('Sparkplug edge node id'),
      devices: Ids('the device ids (substations) it may publish DBIRTH/DDATA/DDEATH for'),
      password_hash: PasswordHash,
    },
    { additionalProperties: false },
  ),
  historian: Type.Object(
    { kind: Type.Literal('historian'), host_id: Id('Sparkplug host id (its STATE topic)'), share_groups: ShareGroups, password_hash: PasswordHash },
    { additionalProperties: false },
  ),
  control: Type.Object({ kind: Type.Literal('control'), share_groups: ShareGroups, password_hash: PasswordHash }, { additionalProperties: false }),
  alarms: Type.Object({ kind: Type.Literal('alarms'), share_groups: ShareGroups, password_hash: PasswordHash }, { additionalProperties: false }),
  api: Type.Object({ kind: Type.Literal('api'), share_groups: ShareGroups, password_hash: PasswordHash }, { additionalProperties: false }),
  season: Type.Object({ kind: Type.Literal('season'), share_groups: ShareGroups, password_hash: PasswordHash }, { additionalProperties: false }),
  service: Type.Object(
    { kind: Type.Literal('service'), group: Id('Sparkplug group id whose complaints it publishes'), password_hash: PasswordHash },
    { additionalProperties: false },
  ),
} as const;
type Entry = Static<(typeof KIND_SCHEMAS)[PrincipalKind]>;

// Ajv reports every branch of a union, so an entry is checked in two passes (as alarm rules
// are): its kind here, then its fields against that kind's schema, with the path of a bad one.
const EntryEnvelope = Type.Object({ kind: Type.Unsafe<PrincipalKind>({ type: 'string', enum: [...PRINCIPAL_KINDS] }) });
export const CredentialsFileSchema = Type.Object(
  { principals: Type.Record(Type.String({ pattern: USERNAME }), EntryEnvelope, { additionalProperties: false }) },
  { additionalProperties: false },
);

function fromEntry(username: string, entry: Entry): CredentialedPrincipal {
  if (entry.kind === 'edge_node') {
    return { username, kind: 'edge_node', group: entry.group, edgeNodeId: entry.edge_node_id, devices: entry.devices, passwordHash: entry.password_hash };
  }
  if (entry.kind === 'service') return { username, kind: 'service', group: entry.group, passwordHash: entry.password_hash };
  const shareGroups = entry.share_groups === undefined ? {} : { shareGroups: entry.share_groups };
  if (entry.kind === 'historian') return { username, kind: 'historian', hostId: entry.host_id, ...shareGroups, passwordHash: entry.password_hash };
  return { username, kind: entry.kind, ...shareGroups, passwordHash: entry.password_hash };
}

function toEntry(p: CredentialedPrincipal): Entry {
  if (p.kind === 'edge_node') return { kind: 'edge_node', group: p.group, edge_node_id: p.edgeNodeId, devices: [...p.devices], password_hash: p.passwordHash };
  if (p.kind === 'service') return { kind: 'service', group: p.group, password_hash: p.passwordHash };
  const shareGroups = p.shareGroups === undefined ? {} : { share_groups: [...p.shareGroups] };
  if (p.kind === 'historian') return { kind: 'historian', host_id: p.hostId, ...shareGroups, password_hash: p.passwordHash };
  return { kind: p.kind, ...shareGroups, password_hash: p.passwordHash };
}

/** Checks a parsed credentials document; a bad entry fails with its path (`<source>#/principals/<user>/<field>`). */
export function resolveCredentials(doc: unknown, source: string): CredentialedPrincipal[] {
  const file = validateDocument(CredentialsFileSchema, doc, 'HS_ERR_CONFIG_INVALID', source);
  return Object.entries(file.principals).map(([username, entry]) =>
    fromEntry(username, validateDocument(KIND_SCHEMAS[entry.kind], entry, 'HS_ERR_CONFIG_INVALID', `${source}#/principals/${username}`)),
  );
}

export function loadCredentials(file: string): CredentialedPrincipal[] {
  return resolveCredentials(loadDocument(Type.Unknown(), file, 'HS_ERR_CONFIG_INVALID'), file);
}

const HEADER = '# MQTT principals of the HeatSCADA broker (broker/README.md). Add one with `heatscada mqtt-user add`.\n';

/** Writes the file whole (temporary file, then rename): a crash leaves the old file or the new one. */
export function saveCredentials(file: string, principals: CredentialedPrincipal[]): void {
  const usernames = new Set<string>();
  for (const p of principals) {
    if (usernames.has(p.username)) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `user name ${p.username} appears twice`, `/principals/${p.username}`);
    usernames.add(p.username);
  }
  const doc = { principals: Object.fromEntries(principals.map((p) => [p.username, toEntry(p)])) };
  // What is written must load again: a bad id fails here, not at the broker's next start.
  resolveCredentials(structuredClone(doc), file);
  writeSecretFile(file, HEADER + stringify(doc));
}

/** Writes a file only its owner may read, atomically, creating its folder. */
export function writeSecretFile(file: string, text: string): void {
  // A folder made here holds secrets: its owner's only.
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}

/** Argon2id with the library's defaults (19 MiB, t=2, p=1: the OWASP minimum). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: Algorithm.Argon2id });
}

/** Adds a principal or replaces the one with its user name. */
export function upsertPrincipal(principals: CredentialedPrincipal[], principal: CredentialedPrincipal): CredentialedPrincipal[] {
  return [...principals.filter((p) => p.username !== principal.username), principal];
}
