// Who may connect, publish and subscribe. The broker asks a BrokerAuth and knows nothing of
// users or roles; the security work plugs its own implementation in here. Decisions may be
// synchronous (the publish check runs for every message, so a plain boolean keeps it cheap)
// or asynchronous (a user database, a token check).

/** What the broker knows about a connection, whatever MQTT library runs it. */
export interface BrokerClient {
  /** MQTT client identifier. */
  id: string;
  transport: 'tcp' | 'ws';
  remoteAddress: string | undefined;
}

export type Decision = boolean | Promise<boolean>;

export interface BrokerAuth {
  /** CONNECT: false refuses the connection with "bad user name or password". */
  authenticate(client: BrokerClient, username: string | undefined, password: Buffer | undefined): Decision;
  /** PUBLISH (and the client's will): false drops the client, as MQTT 3.1.1 has no way to refuse one message. */
  authorizePublish(client: BrokerClient, topic: string): Decision;
  /** SUBSCRIBE, per topic filter (`$share/<group>/<filter>` as the client sent it): false grants 0x80. */
  authorizeSubscribe(client: BrokerClient, topic: string): Decision;
}

/** The default: everyone may do everything (a loopback all-in-one, tests). */
export const allowAll: BrokerAuth = {
  authenticate: () => true,
  authorizePublish: () => true,
  authorizeSubscribe: () => true,
};

/** Calls back with a decision, synchronously when it is already known; a failed check denies. */
export function decide(decision: Decision, then: (allowed: boolean) => void): void {
  if (typeof decision === 'boolean') {
    then(decision);
    return;
  }
  decision.then(then, () => then(false));
}
