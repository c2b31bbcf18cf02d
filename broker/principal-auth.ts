import { verify } from '@node-rs/argon2';
import type { Logger } from 'pino';
import { commandTarget, compileAcl, type MqttPrincipal, type TopicAcl } from './acl.ts';
import { stampActor } from './actor-stamp.ts';
import type { BrokerAuth, BrokerClient } from './auth.ts';
import { hashPassword, type CredentialedPrincipal } from './credentials.ts';

// The platform's BrokerAuth: a user name and password checked against the Argon2id hashes of the
// credentials file at CONNECT (asynchronously: a hash takes tens of ms on the libuv pool), then
// the principal's topic rules (acl.ts), compiled once per connection, for every PUBLISH and
// SUBSCRIBE, and the sender's principal stamped into every command (actor-stamp.ts). Nobody is
// anonymous: a CONNECT without user name or password is refused.

export interface PrincipalAuth extends BrokerAuth {
  /** The user name a connection authenticated as; undefined before (or without) success. */
  usernameOf(client: BrokerClient): string | undefined;
  /** Argon2 verifications run so far (the cost connect-backoff.ts keeps a guesser from spending). */
  verifications(): number;
}

interface Session {
  principal: MqttPrincipal;
  acl: TopicAcl;
}

/**
 * The principal a client id is reserved to: the one whose user name is the id, or the id's
 * longest `<username>-` prefix. Longest, so that principal `site` cannot take `site-2-…`, the ids
 * of principal `site-2`.
 */
function reservedTo(clientId: string, usernames: readonly string[]): string | undefined {
  let owner: string | undefined;
  for (const name of usernames) {
    if ((clientId === name || clientId.startsWith(`${name}-`)) && name.length > (owner?.length ?? -1)) owner = name;
  }
  return owner;
}

export function principalAuth(principals: readonly CredentialedPrincipal[], logger?: Logger): PrincipalAuth {
  const byName = new Map(principals.map((p) => [p.username, { principal: p, acl: compileAcl(p) }]));
  const usernames = [...byName.keys()];
  // Per connection: broker.ts passes the same BrokerClient object for a connection's lifetime.
  const sessions = new WeakMap<BrokerClient, Session>();
  // An unknown user name costs a hash check as a known one does, so timing does not tell them apart.
  let decoy: Promise<string> | undefined;
  let verifications = 0;
  const check = (hash: string, password: Buffer): Promise<boolean> => {
    verifications++;
    return verify(hash, password);
  };

  return {
    async authenticate(client, username, password) {
      if (username === undefined || password === undefined) return false;
      const known = byName.get(username);
      if (!known) {
        decoy ??= hashPassword('decoy password of no principal');
        await check(await decoy, password).catch(() => false);
        return false;
      }
      // A malformed hash rejects: a failed check denies (auth.ts decide()).
      if (!(await check(known.principal.passwordHash, password))) return false;
      // A CONNECT with a client id in use takes that session over (MQTT 3.1.1 §3.1.4), and one
      // with the id of a client that is away takes its place. So each principal's ids start with
      // its user name: only the principal itself can take over or squat its own ids.
      const reserved = reservedTo(client.id, usernames);
      if (reserved !== username) {
        logger?.warn({ code: 'HS_ERR_BROKER_AUTH', clientId: client.id, username, reservedTo: reserved ?? null }, `client id must be ${username} or start with ${username}-`);
        return false;
      }
      sessions.set(client, { principal: known.principal, acl: known.acl });
      return true;
    },
    authorizePublish(client, topic, payload, retain) {
      const session = sessions.get(client);
      if (!session?.acl.mayPublish(topic, payload, retain)) return false;
      // Edge nodes send no commands, and the hosts' commands are rare: stamping (a decode and an
      // encode) costs nothing on the data path.
      if (session.principal.kind === 'edge_node' || commandTarget(topic) === undefined) return true;
      try {
        return { payload: stampActor(payload, session.principal) };
      } catch (e) {
        logger?.warn({ code: 'HS_ERR_BROKER_ACL', clientId: client.id, topic, reason: (e as Error).message }, 'command refused: its payload cannot be stamped with the sender');
        return false;
      }
    },
    authorizeSubscribe: (client, topic) => sessions.get(client)?.acl.maySubscribe(topic) ?? false,
    usernameOf: (client) => sessions.get(client)?.principal.username,
    verifications: () => verifications,
  };
}
