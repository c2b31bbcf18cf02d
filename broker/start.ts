import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { HeatScadaError } from '../model/errors.ts';
import { startBroker, type Broker } from './broker.ts';
import { brokerOptions, type BrokerConfig } from './config-schema.ts';
import { loadCredentials } from './credentials.ts';
import { principalAuth } from './principal-auth.ts';
import { readTlsFiles } from './tls.ts';

// The broker as a configuration section describes it: its listeners, the principals of its
// credentials file with their topic rules, and TLS when configured. `heatscada broker` and the
// all-in-one both start it here.

export async function startConfiguredBroker(config: BrokerConfig, logger: Logger): Promise<Broker> {
  if (!existsSync(config.credentials_file)) {
    throw new HeatScadaError(
      'HS_ERR_CONFIG_READ',
      `${config.credentials_file} does not exist: nobody connects anonymously. Add principals with \`heatscada mqtt-user add\` (broker/README.md)`,
      '/broker/credentials_file',
    );
  }
  const principals = loadCredentials(config.credentials_file);
  const broker = await startBroker({
    ...brokerOptions(config),
    ...(config.tls ? { tls: readTlsFiles(config.tls) } : {}),
    auth: principalAuth(principals, logger),
    logger,
  });
  logger.info({ principals: principals.length, credentials: config.credentials_file }, 'broker authenticates every client');
  return broker;
}
