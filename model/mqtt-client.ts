import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { HeatScadaError } from './errors.ts';

// How an MQTT client of the platform (collector, historian, control, alarms, API live feed)
// logs in to the broker: its user name, its password (better a password_file than the password
// in the configuration) and the CA it trusts for mqtts:// or wss://. One schema fragment, used
// by every role's configuration section; the broker's side is broker/credentials.ts.

export const MqttLoginFields = {
  username: Type.Optional(Type.String({ minLength: 1, description: 'MQTT user name: a principal of the broker credentials file' })),
  password: Type.Optional(Type.String({ minLength: 1, description: 'prefer password_file: a secret does not belong in the configuration' })),
  password_file: Type.Optional(Type.String({ minLength: 1, description: 'a file holding the password (trailing newline ignored)' })),
  ca_file: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA trusted for mqtts:// and wss:// (the all-in-one: data/tls/broker.crt)' })),
};

export const MqttLoginSchema = Type.Object(MqttLoginFields, { additionalProperties: false, description: 'MQTT user name, password and trusted CA' });
export type MqttLoginConfig = Static<typeof MqttLoginSchema>;

/** A login ready for mqtt.js: spread it into the client options. */
export interface MqttLogin {
  username?: string;
  password?: string;
  ca?: Buffer;
}

function readFile(file: string, at: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new HeatScadaError('HS_ERR_CONFIG_READ', `${file}: ${(e as Error).message}`, at);
  }
}

/**
 * Reads the files a login section names. `at` is the section's path in the configuration
 * (e.g. `/historian/mqtt_login`), so a missing file or a doubled password names its field.
 */
export function readMqttLogin(config: MqttLoginConfig | undefined, at: string): MqttLogin {
  if (!config) return {};
  if (config.password !== undefined && config.password_file !== undefined) {
    throw new HeatScadaError('HS_ERR_CONFIG_INVALID', 'give password or password_file, not both', `${at}/password_file`);
  }
  const login: MqttLogin = {};
  if (config.username !== undefined) login.username = config.username;
  if (config.password !== undefined) login.password = config.password;
  if (config.password_file !== undefined) login.password = readFile(config.password_file, `${at}/password_file`).toString('utf8').replace(/\r?\n$/, '');
  if (config.ca_file !== undefined) login.ca = readFile(config.ca_file, `${at}/ca_file`);
  return login;
}

/**
 * The client id to connect with: the platform's broker reserves `<username>` and `<username>-…`
 * to that principal (broker/principal-auth.ts), so an id is prefixed with the login's user name
 * unless it already starts with it. Without a login (an open test broker) the id stays as given.
 */
export function ownClientId(login: Pick<MqttLogin, 'username'> | undefined, id: string): string {
  const username = login?.username;
  if (username === undefined || id === username || id.startsWith(`${username}-`)) return id;
  return `${username}-${id}`;
}
