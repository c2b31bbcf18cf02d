// What an OPC UA endpoint offers a client: message security modes × policies, user name
// identities, anonymous sessions or not, and whether an unknown client certificate is trusted.
// Passwords live in <data_dir>/secrets/opcua-<user>.password (0600), made at first start.
// Secure by default: a section left out signs and encrypts, with a user name; None or anonymous
// sessions on an address other than loopback need allow_insecure_on_network.

import path from 'node:path';
import { MessageSecurityMode, SecurityPolicy, UserTokenType, type OPCUAServerOptions } from 'node-opcua';
import { HeatScadaError } from '../../model/errors.ts';
import { validateDocument } from '../../model/validate.ts';
import { isLoopbackHost } from '../loopback.ts';
import { readOrCreateSecret, sameSecret } from './secret-file.ts';
import { OpcuaServerSecuritySchema, SERVER_SECURITY_POLICIES, type OpcuaServerSecurityConfig, type ServerSecurityMode, type ServerSecurityPolicy } from './opcua-security-config.ts';

export interface OpcuaUser {
  name: string;
  password: string;
}

export interface OpcuaServerSecurity {
  modes: readonly ServerSecurityMode[];
  /** Used by Sign and SignAndEncrypt; None always goes with policy None. */
  policies: readonly ServerSecurityPolicy[];
  allowAnonymous: boolean;
  users: readonly OpcuaUser[];
  /**
   * Trust a client certificate on first sight (node-opcua copies it into trusted/). The
   * simulator stands in for a PLC that an integrator has already paired with its SCADA; a
   * real PLC is told which clients to trust. Off: only certificates in trusted/ connect.
   */
  acceptUnknownClients: boolean;
  /** None or anonymous sessions may be served on an address other than loopback. */
  allowInsecureOnNetwork: boolean;
}

/** No security at all: what an endpoint offers unless told otherwise (tests not about security); loopback only. */
export const UNSECURED: OpcuaServerSecurity = { modes: ['None'], policies: [], allowAnonymous: true, users: [], acceptUnknownClients: true, allowInsecureOnNetwork: false };

/** The configuration section for UNSECURED, for callers that start endpoints from a configuration (tests, benchmarks). */
export const UNSECURED_SECTION: OpcuaServerSecurityConfig = {
  modes: ['None'],
  policies: [...SERVER_SECURITY_POLICIES],
  allow_anonymous: true,
  users: [],
  accept_unknown_clients: true,
  allow_insecure_on_network: false,
};

/**
 * How a client should connect to an endpoint: the strongest mode on offer, its first policy,
 * the first user; its own PKI beside the simulator's, so each data dir pins its own servers.
 */
export interface OpcuaClientSecurity {
  security_mode: ServerSecurityMode;
  security_policy: ServerSecurityPolicy | 'None';
  username?: string;
  password_file?: string;
  pki_dir: string;
}

export function passwordFile(dataDir: string, user: string): string {
  return path.join(dataDir, 'secrets', `opcua-${user}.password`);
}

/** The configured users with their passwords, each file made at first start. */
export function loadUsers(dataDir: string, names: readonly string[]): OpcuaUser[] {
  return names.map((name, i) => ({ name, password: readOrCreateSecret(passwordFile(dataDir, name), `/simulate/opcua/security/users/${i}`) }));
}

/** The configured offer, its passwords read (or made); no configuration means the schema's defaults, which are secure. */
export function resolveServerSecurity(config: OpcuaServerSecurityConfig | undefined, dataDir: string): OpcuaServerSecurity {
  const section = config ?? validateDocument(OpcuaServerSecuritySchema, {}, 'HS_ERR_CONFIG_INVALID');
  return {
    modes: section.modes,
    policies: section.policies,
    allowAnonymous: section.allow_anonymous,
    users: loadUsers(dataDir, section.users),
    acceptUnknownClients: section.accept_unknown_clients,
    allowInsecureOnNetwork: section.allow_insecure_on_network,
  };
}

/**
 * Refuses to serve None or anonymous sessions on an address other than loopback unless the
 * configuration says so: anyone on that network could then write setpoints.
 */
export function checkExposure(security: OpcuaServerSecurity, host: string): void {
  if (isLoopbackHost(host) || security.allowInsecureOnNetwork) return;
  const at = '/simulate/opcua/security';
  const fix = 'bind 127.0.0.1, or set allow_insecure_on_network: true';
  if (security.modes.includes('None')) {
    throw new HeatScadaError('HS_ERR_CONFIG_INSECURE', `security mode None on ${host}, which is not loopback: drop None, ${fix}`, `${at}/modes`);
  }
  if (security.allowAnonymous) {
    throw new HeatScadaError('HS_ERR_CONFIG_INSECURE', `anonymous sessions on ${host}, which is not loopback: set allow_anonymous: false, ${fix}`, `${at}/allow_anonymous`);
  }
}

/**
 * The user identity tokens an endpoint takes: user names when users are configured, anonymous
 * when allowed. Never X509: a self-made certificate is not a login.
 */
export function offeredUserTokenTypes(security: OpcuaServerSecurity): UserTokenType[] {
  return [...(security.users.length > 0 ? [UserTokenType.UserName] : []), ...(security.allowAnonymous ? [UserTokenType.Anonymous] : [])];
}

export function clientSecurity(security: OpcuaServerSecurity, dataDir: string): OpcuaClientSecurity {
  const mode = (['SignAndEncrypt', 'Sign', 'None'] as const).find((m) => security.modes.includes(m)) ?? 'None';
  const user = security.users[0];
  return {
    security_mode: mode,
    security_policy: mode === 'None' ? 'None' : (security.policies[0] ?? 'None'),
    ...(user ? { username: user.name, password_file: passwordFile(dataDir, user.name) } : {}),
    pki_dir: path.join(dataDir, 'pki', 'opcua-client'),
  };
}

/** The part of node-opcua's server options that security decides; an offer nobody could use is refused. */
export function serverSecurityOptions(security: OpcuaServerSecurity): Pick<OPCUAServerOptions, 'securityModes' | 'securityPolicies' | 'allowAnonymous' | 'userManager'> {
  const at = '/simulate/opcua/security';
  const secured = security.modes.some((m) => m !== 'None');
  if (security.modes.length === 0) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'no security mode offered', `${at}/modes`);
  if (secured && security.policies.length === 0) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'Sign and SignAndEncrypt need a security policy', `${at}/policies`);
  if (!security.allowAnonymous && security.users.length === 0) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'anonymous is off and no user is configured: nobody could open a session', `${at}/users`);
  }
  return {
    securityModes: security.modes.map((m) => MessageSecurityMode[m]),
    securityPolicies: [
      ...(security.modes.includes('None') ? [SecurityPolicy.None] : []),
      ...(secured ? security.policies.map((p) => SecurityPolicy[p]) : []),
    ],
    allowAnonymous: security.allowAnonymous,
    userManager: { isValidUser: (name: string, password: string) => security.users.some((u) => u.name === name && sameSecret(password, u.password)) },
  };
}
