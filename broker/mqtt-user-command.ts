import { existsSync, readFileSync } from 'node:fs';
import { HeatScadaError } from '../model/errors.ts';
import { PRINCIPAL_KINDS, shareGroupsOf, type MqttPrincipal, type PrincipalKind } from './acl.ts';
import { hashPassword, loadCredentials, saveCredentials, upsertPrincipal, type CredentialedPrincipal } from './credentials.ts';
import { generatePassword } from '../model/secrets.ts';

// `heatscada mqtt-user add|remove|list`: the principals of the broker's credentials file. A
// running broker reads the file at start: restart it after a change.

export interface MqttUserRequest {
  verb: string;
  username: string | undefined;
  kind: string | undefined;
  group: string | undefined;
  edgeNodeId: string | undefined;
  hostId: string | undefined;
  /** edge_node: comma-separated device ids (substations) it may publish for. */
  devices?: string | undefined;
  /** Hosts: comma-separated share groups it may join (default: its user name). */
  shareGroups?: string | undefined;
  /** A file with the password to use; a random one is generated and printed without it. */
  passwordFile: string | undefined;
}

const isKind = (kind: string | undefined): kind is PrincipalKind => (PRINCIPAL_KINDS as readonly string[]).includes(kind ?? '');

function need(value: string | undefined, option: string, kind: string): string {
  if (value === undefined) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `a principal of kind ${kind} needs --${option}`, `--${option}`);
  return value;
}

/** `S001,S002` → ['S001', 'S002']; the credentials schema then checks each id. */
const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter((s) => s !== '');

function principalOf(request: MqttUserRequest, username: string): MqttPrincipal {
  const { kind } = request;
  if (!isKind(kind)) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `--kind must be one of ${PRINCIPAL_KINDS.join(', ')}`, '--kind');
  if (kind === 'edge_node') {
    return { username, kind, group: need(request.group, 'group', kind), edgeNodeId: need(request.edgeNodeId, 'edge-node-id', kind), devices: list(need(request.devices, 'devices', kind)) };
  }
  if (kind === 'service') return { username, kind, group: need(request.group, 'group', kind) };
  const shareGroups = request.shareGroups === undefined ? {} : { shareGroups: list(request.shareGroups) };
  if (kind === 'historian') return { username, kind, hostId: need(request.hostId, 'host-id', kind), ...shareGroups };
  return { username, kind, ...shareGroups };
}

function describePrincipal(p: MqttPrincipal): string {
  if (p.kind === 'edge_node') return `${p.username}  edge_node  group ${p.group}, edge node ${p.edgeNodeId}, devices ${p.devices.join(',') || '(none)'}`;
  if (p.kind === 'service') return `${p.username}  service  complaints of group ${p.group}`;
  const groups = `share groups ${shareGroupsOf(p).join(',')}`;
  if (p.kind === 'historian') return `${p.username}  historian  host ${p.hostId}, ${groups}`;
  return `${p.username}  ${p.kind}, ${groups}`;
}

/** Runs one request against the credentials file; returns the lines to print. */
export async function mqttUser(credentialsFile: string, request: MqttUserRequest): Promise<string[]> {
  const stored: CredentialedPrincipal[] = existsSync(credentialsFile) ? loadCredentials(credentialsFile) : [];
  if (request.verb === 'list') return stored.map(describePrincipal);
  const username = need(request.username, 'username', request.verb);
  if (request.verb === 'remove') {
    if (!stored.some((p) => p.username === username)) throw new HeatScadaError('HS_ERR_NOT_FOUND', `no principal ${username} in ${credentialsFile}`, '--username');
    saveCredentials(credentialsFile, stored.filter((p) => p.username !== username));
    return [`removed ${username} from ${credentialsFile}; restart the broker to apply`];
  }
  const principal = principalOf(request, username);
  const password = request.passwordFile === undefined ? generatePassword() : readFileSync(request.passwordFile, 'utf8').replace(/\r?\n$/, '');
  if (password.length < 12) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'a password needs at least 12 characters', '--password-file');
  const replaced = stored.some((p) => p.username === username);
  saveCredentials(credentialsFile, upsertPrincipal(stored, { ...principal, passwordHash: await hashPassword(password) }));
  return [
    `${replaced ? 'replaced' : 'added'} ${describePrincipal(principal)} in ${credentialsFile}; restart the broker to apply`,
    ...(request.passwordFile === undefined ? [`password (shown once; give it to the client as mqtt password_file): ${password}`] : []),
  ];
}
