import { verify } from '@node-rs/argon2';
import type { Logger } from 'pino';
import { compileAcl, type TopicAcl } from './acl.ts';
import type { BrokerAuth, BrokerClient } from './auth.ts';
import { hashPassword, type CredentialedPrincipal } from './credentials.ts';

// The platform's BrokerAuth: a user name and password checked against the Argon2id hashes of the
// credentials file at CONNECT (asynchronously: a hash takes tens of ms on the libuv pool), then
// the principal's topic rules (acl.ts), compiled once per connection, for every PUBLISH and
// SUBSCRIBE. Nobody is anonymous: a CONNECT without user name or password is refused.

export interface PrincipalAuth extends BrokerAuth {
  /** The user name a connection authenticated as; undefined before (or without) success. */
  usernameOf(client: BrokerClient): string | undefined;
}

export function principalAuth(principals: readonly CredentialedPrincipal[], logger?: Logger): PrincipalAuth {
  const byName = new Map(principals.map((p) => [p.username, { principal: p, acl: compileAcl(p) }]));
  // Per connection: broker.ts passes the same BrokerClient object for a connection's lifetime.
  const sessions = new WeakMap<BrokerClient, { username: string; acl: TopicAcl }>();
  // A CONNECT with a client id in use takes the session over (MQTT 3.1.1 §3.1.4): only the
  // principal holding it may, or any principal could knock the historian off with its id.
  const owners = new Map<string, { username: string; client: BrokerClient }>();
  // An unknown user name costs a hash check as a known one does, so timing does not tell them apart.
  let decoy: Promise<string> | undefined;

  return {
    async authenticate(client, username, password) {
      if (username === undefined || password === undefined) return false;
      const known = byName.get(username);
      if (!known) {
        decoy ??= hashPassword('decoy password of no principal');
        await verify(await decoy, password).catch(() => false);
        return false;
      }
      // A malformed hash rejects: a failed check denies (auth.ts decide()).
      if (!(await verify(known.principal.passwordHash, password))) return false;
      const owner = owners.get(client.id);
      if (owner && owner.username !== username) {
        logger?.warn({ code: 'HS_ERR_BROKER_AUTH', clientId: client.id, username, owner: owner.username }, 'client id in use by another principal');
        return false;
      }
      owners.set(client.id, { username, client });
      sessions.set(client, { username, acl: known.acl });
      return true;
    },
    disconnected(client) {
      if (owners.get(client.id)?.client === client) owners.delete(client.id);
    },
    authorizePublish: (client, topic, payload) => sessions.get(client)?.acl.mayPublish(topic, payload) ?? false,
    authorizeSubscribe: (client, topic) => sessions.get(client)?.acl.maySubscribe(topic) ?? false,
    usernameOf: (client) => sessions.get(client)?.username,
  };
}
