import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { MqttPrincipal } from '../../broker/acl.ts';
import { hashPassword, type CredentialedPrincipal } from '../../broker/credentials.ts';

// MQTT clients logging in as the broker's principals, for tests over real sockets: each connect
// is one attempt (a refusal rejects with its CONNACK), and every client is kept to be ended.

export interface PrincipalClients {
  /** The user name and password of a principal, for mqtt.js options. */
  login(username: string): IClientOptions;
  /** Connects once; rejects with the CONNACK or socket error instead of retrying. */
  connect(url: string, options?: IClientOptions): Promise<MqttClient>;
  /** Ends every client connected so far. */
  endAll(): Promise<void>;
}

export function principalClients(passwords: Record<string, string>): PrincipalClients {
  const open: MqttClient[] = [];
  return {
    login: (username) => ({ username, password: passwords[username] }),
    connect(url, options = {}) {
      const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...options });
      open.push(client);
      return new Promise((resolve, reject) => {
        client.once('connect', () => resolve(client));
        client.once('error', reject);
        client.once('close', () => reject(new Error('closed before CONNACK')));
      });
    },
    endAll: async () => void (await Promise.all(open.map((c) => c.endAsync(true)))),
  };
}

/** Resolves once the client's connection is closed (the broker dropped it). */
export const closed = (c: MqttClient): Promise<void> => new Promise((resolve) => (c.disconnected ? resolve() : c.once('close', () => resolve())));

/** The principals with Argon2id hashes of their passwords, as the credentials file holds them. */
export function credentialed(principals: readonly MqttPrincipal[], passwords: Record<string, string>): Promise<CredentialedPrincipal[]> {
  return Promise.all(principals.map(async (p) => ({ ...p, passwordHash: await hashPassword(passwords[p.username]) }) as CredentialedPrincipal));
}

/** Passwords of the role principals below (test secrets, at least 12 characters). */
export const ROLE_PASSWORDS: Record<string, string> = {
  c1: 'pw-edge-one-123',
  c2: 'pw-edge-two-456',
  historian: 'pw-historian-789',
  control: 'pw-control-012',
  alarms: 'pw-alarms-345',
  api: 'pw-api-678',
};

/** One principal of each kind: edge nodes c1 (devices S001, S002) and c2 (S101), and the hosts. */
export function rolePrincipals(group: string, hostId: string): MqttPrincipal[] {
  return [
    { username: 'c1', kind: 'edge_node', group, edgeNodeId: 'c1', devices: ['S001', 'S002'] },
    { username: 'c2', kind: 'edge_node', group, edgeNodeId: 'c2', devices: ['S101'] },
    { username: 'historian', kind: 'historian', hostId },
    { username: 'control', kind: 'control' },
    { username: 'alarms', kind: 'alarms' },
    { username: 'api', kind: 'api' },
  ];
}
