// One client, secure channel and session per OPC UA endpoint and identity, shared by every
// device behind it: servers cap their sessions (node-opcua's default is 10) and subscriptions
// per session, and a group endpoint serves many PLCs. node-opcua does the hard part of
// recovery: its connectionStrategy retries the channel with back-off, and after a server
// restart it repairs the session, reactivating it or creating a new one and re-creating its
// subscriptions and monitored items. This file starts that machinery, reports the status,
// and looks up namespace indexes again after every recovery.

import path from 'node:path';
import { format } from 'node:util';
import {
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  UserTokenType,
  setErrorLogger,
  setWarningLogger,
  type ClientSession,
  type ClientSubscription,
  type UserIdentityInfo,
} from 'node-opcua';
import { pino } from 'pino';
import { HeatScadaError } from '../../model/errors.ts';
import { SharedByKey, backoffDelay, errorText, wait, type Logger, type ReconnectConfig } from '../driver-support.ts';
import type { OpcuaDeviceConfig, ServerTrustPolicy } from './config.ts';
import { ServerTrust } from './server-trust.ts';

// node-opcua prints colourised multi-line warnings (one even at import). Warnings are dropped,
// errors become one structured line. The loggers are process-wide, as node-opcua has them.
const internalLog = pino({ name: 'node-opcua' });
setWarningLogger(() => undefined);
setErrorLogger((...args: unknown[]) => internalLog.error({ error: format(...args).split('\n')[0]?.slice(0, 200) }, 'node-opcua error'));

export type ConnectionStatus = 'connecting' | 'up' | 'down';
type StatusListener = (status: ConnectionStatus, reason?: string) => void;

export interface ConnectionOptions {
  url: string;
  securityMode: OpcuaDeviceConfig['security_mode'];
  securityPolicy: OpcuaDeviceConfig['security_policy'];
  username?: string;
  password?: string;
  pkiDir: string;
  serverTrust: ServerTrustPolicy;
  requestTimeoutMs: number;
  reconnect: ReconnectConfig;
  log: Logger;
}

const connections = new SharedByKey<OpcuaConnection>();

/**
 * The shared connection for these options, opened on first use; give it back with release().
 * Devices on one endpoint share it when their security and identity (password included)
 * agree; timeouts and back-off are those of the first device that opened it.
 */
export function acquireConnection(options: ConnectionOptions): OpcuaConnection {
  const key = [options.url, options.securityMode, options.securityPolicy, options.username ?? '', options.password ?? '', options.pkiDir, options.serverTrust].join('\n');
  return connections.acquire(key, () => new OpcuaConnection(options, () => connections.release(key) !== undefined));
}

export class OpcuaConnection {
  #status: ConnectionStatus = 'connecting';
  #reason: string | undefined;
  #client: OPCUAClient | undefined;
  #session: ClientSession | undefined;
  #namespaces: readonly string[] = [];
  #trust: ServerTrust | undefined;
  readonly #subscriptions = new Map<number, Promise<ClientSubscription>>();
  readonly #listeners = new Set<StatusListener>();
  readonly #stop = new AbortController();
  readonly #running: Promise<void>;
  readonly #firstAttempt: Promise<void>;
  readonly #log: Logger;

  constructor(
    private readonly options: ConnectionOptions,
    /** Gives one use back; true when it was the last. */
    private readonly giveBack: () => boolean,
  ) {
    this.#log = options.log;
    let settleFirst!: () => void;
    this.#firstAttempt = new Promise((resolve) => {
      settleFirst = resolve;
    });
    this.#running = this.#open(settleFirst)
      .catch((err: unknown) => this.#setStatus('down', errorText(err)))
      .finally(settleFirst);
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  get reason(): string | undefined {
    return this.#reason;
  }

  /** The session, while the connection is up. */
  get session(): ClientSession | undefined {
    return this.#status === 'up' ? this.#session : undefined;
  }

  /** The index of a namespace URI in the server's NamespaceArray as last read, or -1. */
  namespaceIndex(uri: string): number {
    return this.#namespaces.indexOf(uri);
  }

  /** Resolves once the first attempt to connect has succeeded or failed. */
  ready(): Promise<void> {
    return this.#firstAttempt;
  }

  onStatus(listener: StatusListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** The subscription publishing at this interval, created on first use (devices share it). */
  subscription(publishingIntervalMs: number): Promise<ClientSubscription> {
    const existing = this.#subscriptions.get(publishingIntervalMs);
    if (existing) return existing;
    const session = this.session;
    if (!session) return Promise.reject(new Error(`not connected: ${this.#reason ?? 'connecting'}`));
    const created = session.createSubscription2({
      requestedPublishingInterval: publishingIntervalMs,
      // Keep-alive after 10 empty intervals; the server keeps the subscription 10 keep-alives
      // without a publish request, which covers a reconnection after a short outage.
      requestedMaxKeepAliveCount: 10,
      requestedLifetimeCount: 100,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    this.#subscriptions.set(publishingIntervalMs, created);
    created.catch(() => this.#subscriptions.delete(publishingIntervalMs));
    return created;
  }

  /** Gives the connection back; the last user closes the session and the channel. */
  async release(): Promise<void> {
    if (!this.giveBack()) return;
    this.#stop.abort();
    const client = this.#client;
    const session = this.#session;
    if (session && this.#status === 'up') await session.close(true).catch(() => undefined);
    // Also cancels a connection attempt (or a reconnection) still under way.
    await client?.disconnect().catch(() => undefined);
    await this.#running;
    await releasePki(this.options.pkiDir);
    this.#setStatus('down', 'closed');
  }

  #setStatus(status: ConnectionStatus, reason?: string): void {
    this.#reason = status === 'up' ? undefined : reason;
    if (status === this.#status) return;
    this.#status = status;
    this.#log.info({ status, reason }, 'opcua connection');
    for (const listener of this.#listeners) listener(status, reason);
  }

  async #open(settleFirst: () => void): Promise<void> {
    const { url, reconnect, requestTimeoutMs } = this.options;
    const signal = this.#stop.signal;
    const pki = await acquirePki(this.options.pkiDir);
    const trust = new ServerTrust(pki, this.options.serverTrust, url, this.#log);
    this.#trust = trust;
    const client = OPCUAClient.create({
      applicationName: 'HeatSCADA collector',
      clientCertificateManager: trust.manager,
      securityMode: MessageSecurityMode[this.options.securityMode],
      securityPolicy: SecurityPolicy[this.options.securityPolicy],
      endpointMustExist: false,
      keepSessionAlive: true,
      defaultTransactionTimeout: requestTimeoutMs,
      connectionStrategy: { maxRetry: -1, initialDelay: reconnect.initial_delay_ms, maxDelay: reconnect.max_delay_ms },
    });
    this.#client = client;
    client.on('backoff', (count, delayMs) => {
      this.#setStatus('down', trust.refusal?.message ?? `cannot connect to ${url}`);
      settleFirst();
      this.#log.debug({ attempt: count + 1, delay_ms: delayMs }, 'opcua connect retry');
    });
    client.on('connection_lost', () => this.#setStatus('down', 'connection lost'));
    client.on('start_reconnection', () => this.#log.info('opcua reconnecting'));

    // node-opcua retries an unreachable server itself, forever; connect() fails only when
    // security refuses the channel (a certificate, the offer). Those are tried again slowly,
    // so a fix on either side (a trusted certificate, a changed offer) needs no restart.
    for (let failures = 0; ; failures++) {
      try {
        await client.connect(url);
        break;
      } catch (err) {
        if (signal.aborted) return;
        this.#setStatus('down', this.#explain(err));
        settleFirst();
        if (!(await wait(backoffDelay(reconnect, failures), signal))) return;
      }
    }
    for (let failures = 0; !signal.aborted; failures++) {
      try {
        const session = await client.createSession(this.#identity());
        this.#session = session;
        session.on('session_restored', () => void this.#sessionUp(session, 'session restored'));
        await this.#sessionUp(session, 'session created');
        return;
      } catch (err) {
        this.#setStatus('down', `session refused: ${this.#explain(err)}`);
        settleFirst();
        if (!(await wait(backoffDelay(reconnect, failures), signal))) return;
      }
    }
  }

  /**
   * The reason for a failed connect or session, with its HS_ERR code when security refused it.
   * Logged once per reason (ServerTrust logs its own refusals), however often it is retried.
   */
  #explain(err: unknown): string {
    const untrusted = this.#trust?.refusal;
    if (untrusted) return untrusted.message;
    const refusal = securityRefusal(err, this.options.url, this.options.pkiDir);
    if (!refusal) return errorText(err);
    if (this.#reason?.includes(refusal.code) !== true) this.#log.error({ code: refusal.code, error: refusal.message }, 'opcua security refused');
    return refusal.message;
  }

  /** After a new or repaired session: its namespace table first, then 'up'. */
  async #sessionUp(session: ClientSession, event: string): Promise<void> {
    try {
      this.#namespaces = await session.readNamespaceArray();
    } catch (err) {
      // The link went again meanwhile; the next restoration tries once more.
      this.#log.warn({ error: errorText(err) }, 'namespace array not read');
      return;
    }
    this.#log.info({ namespaces: this.#namespaces.length }, event);
    this.#setStatus('up');
  }

  #identity(): UserIdentityInfo {
    const { username, password } = this.options;
    return username === undefined
      ? { type: UserTokenType.Anonymous }
      : { type: UserTokenType.UserName, userName: username, password: password ?? '' };
  }
}

/** A refusal by the server's security, as an HS_ERR error; undefined for anything else. */
function securityRefusal(err: unknown, url: string, pkiDir: string): HeatScadaError | undefined {
  const text = errorText(err);
  if (/BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid/.test(text)) return new HeatScadaError('HS_ERR_OPCUA_USER_DENIED', text, url);
  if (/End point must exist|cannot find endpoint|BadSecurityModeRejected|BadSecurityPolicyRejected/.test(text)) {
    return new HeatScadaError('HS_ERR_OPCUA_SECURITY_REJECTED', text, url);
  }
  if (/BadSecurityChecksFailed|BadCertificateUntrusted/.test(text)) {
    return new HeatScadaError('HS_ERR_OPCUA_CLIENT_REJECTED', `${text}; the server must trust ${path.join(pkiDir, 'own', 'certs')}`, url);
  }
  return undefined;
}

/**
 * One certificate manager per PKI folder for the whole process, initialised once so clients
 * started together do not race to create the key. Each client's disconnect only decrements
 * node-opcua's own counter; the last user here disposes the manager for real.
 */
const pkis = new SharedByKey<{ manager: OPCUACertificateManager; ready: Promise<void> }>();

async function acquirePki(rootFolder: string): Promise<OPCUACertificateManager> {
  const pki = pkis.acquire(rootFolder, () => {
    // Unknown server certificates are never accepted by node-opcua itself: ServerTrust decides.
    const manager = new OPCUACertificateManager({ rootFolder, automaticallyAcceptUnknownCertificate: false, disableFileWatchers: true });
    return { manager, ready: manager.initialize() };
  });
  await pki.ready;
  return pki.manager;
}

async function releasePki(rootFolder: string): Promise<void> {
  const pki = pkis.release(rootFolder);
  if (!pki) return;
  pki.manager.referenceCounter = 0;
  await pki.manager.dispose();
}
