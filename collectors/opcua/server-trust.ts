// Whether the collector trusts the certificate an OPC UA server presents (Sign and
// SignAndEncrypt only; None has no certificate to check). Two policies:
//   first_use  — the first certificate seen at an endpoint URL is copied into <pki>/trusted and
//                pinned to that URL in <pki>/server-pins.json, with a log line; from then on
//                only that certificate is accepted there (HS_ERR_OPCUA_CERT_CHANGED otherwise).
//   trust_list — only certificates an operator has put in <pki>/trusted are accepted; an
//                unknown one lands in <pki>/rejected (HS_ERR_OPCUA_CERT_UNTRUSTED).
// Either way node-opcua's own check (validity dates, trust list) runs as well.

import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StatusCodes, type OPCUACertificateManager, type StatusCode } from 'node-opcua';
import { HeatScadaError } from '../../model/errors.ts';
import type { Logger } from '../driver-support.ts';
import type { ServerTrustPolicy } from './config.ts';

export const PINS_FILE = 'server-pins.json';

interface Pin {
  thumbprint: string;
  subject: string;
  trusted_at: string;
}
type Pins = Record<string, Pin>;

type Certificate = Buffer;

/** The server's trust decisions for one endpoint URL, and why the last certificate was refused. */
export class ServerTrust {
  /** Why the last certificate was refused; cleared by an accepted one. */
  refusal: HeatScadaError | undefined;
  /** The certificate manager node-opcua is given: the PKI's, with this check in place of its own. */
  readonly manager: OPCUACertificateManager;

  constructor(
    private readonly pki: OPCUACertificateManager,
    private readonly policy: ServerTrustPolicy,
    private readonly url: string,
    private readonly log: Logger,
  ) {
    const check = (chain: Certificate | Certificate[]): Promise<StatusCode> => this.check(chain);
    // A proxy rather than a subclass: one manager (one key, one certificate) serves every
    // endpoint, while the decision needs this endpoint's URL.
    this.manager = new Proxy(pki, {
      get(target, prop) {
        if (prop === 'checkCertificate') return check;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  async check(chain: Certificate | Certificate[]): Promise<StatusCode> {
    const leaf = leafCertificate(Array.isArray(chain) ? Buffer.concat(chain) : chain);
    const x509 = new X509Certificate(leaf);
    const thumbprint = x509.fingerprint.replaceAll(':', '').toLowerCase();
    if (this.policy === 'first_use') {
      const refused = await this.#firstUse(leaf, thumbprint, x509.subject.replaceAll('\n', ', '));
      if (refused) return refused;
    }
    // The manager watches no files: an operator may have trusted a certificate since.
    if (this.policy === 'trust_list') await this.pki.reloadCertificates();
    const status = await this.pki.checkCertificate(leaf);
    if (status.isGood()) {
      this.refusal = undefined;
      return status;
    }
    const detail =
      status.equals(StatusCodes.BadCertificateUntrusted)
        ? `certificate ${thumbprint} of ${this.url} is not in ${this.pki.trustedFolder}; it was put in ${this.pki.rejectedFolder}: move it into ${this.pki.trustedFolder} to trust it`
        : `certificate ${thumbprint} of ${this.url}: ${status.name}`;
    return this.#refuse(new HeatScadaError('HS_ERR_OPCUA_CERT_UNTRUSTED', detail, this.url), status);
  }

  /** Pins the first certificate seen here; refuses any other later. Undefined: carry on. */
  async #firstUse(leaf: Certificate, thumbprint: string, subject: string): Promise<StatusCode | undefined> {
    return withPins(this.pki.rootDir, async (pins) => {
      const pin = pins[this.url];
      if (pin?.thumbprint === thumbprint) return { result: undefined };
      if (pin) {
        await this.pki.rejectCertificate(leaf);
        const detail = `${this.url} presented ${thumbprint}, trusted since ${pin.trusted_at} is ${pin.thumbprint}; if the server was really given a new certificate, remove its entry from ${path.join(this.pki.rootDir, PINS_FILE)}`;
        return { result: this.#refuse(new HeatScadaError('HS_ERR_OPCUA_CERT_CHANGED', detail, this.url), StatusCodes.BadCertificateUntrusted) };
      }
      await this.pki.trustCertificate(leaf);
      this.log.warn({ url: this.url, thumbprint, subject, trusted: this.pki.trustedFolder }, 'opcua server certificate trusted on first use');
      return { result: undefined, pins: { ...pins, [this.url]: { thumbprint, subject, trusted_at: new Date().toISOString() } } };
    });
  }

  #refuse(error: HeatScadaError, status: StatusCode): StatusCode {
    // Logged once per reason: node-opcua retries a refused reconnection with back-off.
    if (this.refusal?.message !== error.message) this.log.error({ code: error.code, error: error.message }, 'opcua server certificate refused');
    this.refusal = error;
    return status;
  }
}

/** The first certificate of a DER chain: a SEQUENCE whose length says where it ends. */
function leafCertificate(der: Buffer): Certificate {
  const lengthByte = der[1] ?? 0;
  const lengthBytes = lengthByte & 0x80 ? lengthByte & 0x7f : 0;
  let length = lengthBytes === 0 ? lengthByte : 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + (der[2 + i] ?? 0);
  return der.subarray(0, 2 + lengthBytes + length);
}

/** Pin file updates of one process run one at a time (several endpoints may connect at once). */
const pinQueues = new Map<string, Promise<unknown>>();

async function withPins<T>(pkiDir: string, change: (pins: Pins) => Promise<{ result: T; pins?: Pins }>): Promise<T> {
  const file = path.join(pkiDir, PINS_FILE);
  const run = async (): Promise<T> => {
    const pins = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Pins) : {};
    const { result, pins: updated } = await change(pins);
    if (updated) {
      const draft = `${file}.${process.pid}.tmp`;
      writeFileSync(draft, `${JSON.stringify(updated, null, 2)}\n`);
      renameSync(draft, file);
    }
    return result;
  };
  const queued = (pinQueues.get(file) ?? Promise.resolve()).then(run, run);
  pinQueues.set(
    file,
    queued.catch(() => undefined),
  );
  return queued;
}
