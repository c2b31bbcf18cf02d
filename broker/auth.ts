// Who may connect, publish and subscribe. The broker asks a BrokerAuth and knows nothing of
// users or roles; the security work plugs its own implementation in here. Decisions may be
// synchronous (the publish check runs for every message, so a plain boolean keeps it cheap)
// or asynchronous (a user database, a token check).

/**
 * What the broker knows about a connection, whatever MQTT library runs it. The same object is
 * passed to every question about one connection, so an implementation may keep per-connection
 * state in a WeakMap keyed by it (principal-auth.ts keeps the compiled topic rules there).
 */
export interface BrokerClient {
  /** MQTT client identifier. */
  id: string;
  transport: 'tcp' | 'tls' | 'ws';
  remoteAddress: string | undefined;
}

export type Decision = boolean | Promise<boolean>;

/**
 * The answer to a PUBLISH: false refuses it; true forwards it as sent; `{ payload }` forwards it
 * with that payload instead (principal-auth.ts stamps the sender's principal into commands).
 */
export type PublishVerdict = boolean | { payload: Buffer };
export type PublishDecision = PublishVerdict | Promise<PublishVerdict>;

export interface BrokerAuth {
  /** CONNECT: false refuses the connection with "bad user name or password". */
  authenticate(client: BrokerClient, username: string | undefined, password: Buffer | undefined): Decision;
  /**
   * PUBLISH: false drops the client, as MQTT 3.1.1 has no way to refuse one message. Also asked
   * for the client's will at CONNECT (false refuses the connection) and when the will fires.
   * The payload is there for the rare rule that needs it; a cheap check looks at the topic first.
   * `retain`: the message asks to be kept for later subscribers.
   */
  authorizePublish(client: BrokerClient, topic: string, payload: Buffer, retain?: boolean): PublishDecision;
  /** SUBSCRIBE, per topic filter (`$share/<group>/<filter>` as the client sent it): false grants 0x80. */
  authorizeSubscribe(client: BrokerClient, topic: string): Decision;
  /** The connection of an authenticated client ended: per-connection state may go. */
  disconnected?(client: BrokerClient): void;
}

/** The default: everyone may do everything (a loopback all-in-one, tests). */
export const allowAll: BrokerAuth = {
  authenticate: () => true,
  authorizePublish: () => true,
  authorizeSubscribe: () => true,
};

/** Calls back with a decision, synchronously when it is already known; a failed check denies. */
export function decide<V extends PublishVerdict>(decision: V | Promise<V>, then: (verdict: V | false) => void): void {
  if (!(decision instanceof Promise)) {
    then(decision);
    return;
  }
  decision.then(then, () => then(false));
}
