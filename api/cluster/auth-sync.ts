import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { Auth } from '../auth/auth.ts';
import type { AuthChange } from '../auth/auth-change.ts';

// Sign-outs on several nodes. Every node verifies every other node's tokens (one signing key),
// so a token withdrawn on one node must be refused by all at once: a logout's revocation, and a
// user's change (role, password, disabled, removed, a stolen refresh token's generation bump),
// which the others have cached. The node that made the change tells the others through the
// cluster link (serverSideEmit, answered by each node once it holds the change) and its answer
// to the caller waits for theirs: once a logout has answered, no node takes the token. A node
// that does not answer within the link's timeout is logged and not waited for; it holds the
// users and the revocations in the shared database all the same, and reads them at its restart.

const EVENT = 'auth.change';

export interface AuthSync {
  /** For AuthOptions.changed: tells the other nodes. */
  changed(change: AuthChange): void;
  /** Before any route: every answer waits until the other nodes hold the changes made so far. */
  holdAnswers(app: FastifyInstance): void;
  /** Starts telling and hearing, once socket.io runs. */
  attach(io: Server, auth: Auth): void;
}

function isAuthChange(value: unknown): value is AuthChange {
  const c = value as Partial<Record<string, unknown>> | null;
  if (typeof c !== 'object' || c === null) return false;
  if (c.kind === 'revoked') return typeof c.signature === 'string' && typeof c.expiresAt === 'number';
  return c.kind === 'user' && typeof c.name === 'string';
}

export function authSync(log: Logger): AuthSync {
  let io: Server | undefined;
  const pending = new Set<Promise<void>>();
  return {
    changed(change) {
      // Before attach no request is served: nothing to tell yet.
      if (!io) return;
      const told = new Promise<void>((resolve) => {
        io!.serverSideEmit(EVENT, change, (error: Error | null) => {
          if (error) log.warn({ event: 'auth_change_unconfirmed', kind: change.kind, reason: error.message }, 'a node of the cluster did not confirm a sign-out in time');
          resolve();
        });
      });
      pending.add(told);
      void told.then(() => pending.delete(told));
    },
    holdAnswers(app) {
      app.addHook('onSend', (_request, _reply, payload, done) => {
        if (pending.size === 0) return done(null, payload);
        void Promise.all(pending).then(() => done(null, payload));
      });
    },
    attach(server, auth) {
      io = server;
      server.on(EVENT, (change: unknown, ack?: unknown) => {
        if (isAuthChange(change)) {
          if (change.kind === 'revoked') auth.revokedTokens.learn(change.signature, change.expiresAt);
          else auth.users.forget(change.name);
        } else log.warn({ event: 'auth_change_invalid' }, 'a sign-out from the cluster link was not understood');
        if (typeof ack === 'function') ack(true);
      });
    },
  };
}
