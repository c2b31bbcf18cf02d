import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { HeatScadaError } from '../model/errors.ts';
import type { BrokerTlsOptions } from './broker.ts';
import type { BrokerTlsConfig } from './config-schema.ts';
import { writeSecretFile } from './credentials.ts';

// The TLS listener's files: read from the configured paths, or, for the all-in-one, generated
// once as a self-signed pair (the certificate is then also the CA clients trust).

const VALIDITY_YEARS = 5;

function readPem(file: string, field: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new HeatScadaError('HS_ERR_CONFIG_READ', `${file}: ${(e as Error).message}`, `/broker/tls/${field}`);
  }
}

/** The broker's TLS options from the configured files; a missing file names its field. */
export function readTlsFiles(config: BrokerTlsConfig): BrokerTlsOptions {
  const options: BrokerTlsOptions = { port: config.port, cert: readPem(config.cert_file, 'cert_file'), key: readPem(config.key_file, 'key_file') };
  if (config.ca_file !== undefined) options.ca = readPem(config.ca_file, 'ca_file');
  return options;
}

/**
 * Writes a self-signed certificate and its key (mode 0600) unless both exist; kept across
 * restarts so clients that trust it keep working. Valid for localhost, loopback and this host.
 * Returns true when it generated them.
 */
export async function ensureSelfSignedTls(config: BrokerTlsConfig): Promise<boolean> {
  const haveCert = existsSync(config.cert_file);
  const haveKey = existsSync(config.key_file);
  if (haveCert && haveKey) return false;
  if (haveCert !== haveKey) {
    // One without the other: overwriting could break a certificate someone installed on purpose.
    const missing = haveCert ? 'key_file' : 'cert_file';
    throw new HeatScadaError('HS_ERR_CONFIG_READ', `${haveCert ? config.key_file : config.cert_file} is missing while its pair exists; remove both to regenerate`, `/broker/tls/${missing}`);
  }
  const notBeforeDate = new Date();
  const notAfterDate = new Date(notBeforeDate);
  notAfterDate.setFullYear(notAfterDate.getFullYear() + VALIDITY_YEARS);
  const pems = await generate([{ name: 'commonName', value: 'HeatSCADA broker' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: hostname() },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  writeSecretFile(config.key_file, pems.private);
  mkdirSync(path.dirname(config.cert_file), { recursive: true });
  writeFileSync(config.cert_file, pems.cert);
  return true;
}
