// The user name identity a device connects with. A password is given inline or, better, in a
// file of its own (password_file, e.g. the all-in-one's data/secrets/opcua-collector.password),
// read once when the driver is made so a missing file fails at start, not at the first connect.

import { readFileSync } from 'node:fs';
import { HeatScadaError } from '../../model/errors.ts';
import type { OpcuaDeviceConfig } from './config.ts';

export interface UserCredentials {
  username: string;
  password: string;
}

export function deviceCredentials(device: OpcuaDeviceConfig): UserCredentials | undefined {
  if (device.username === undefined) return undefined;
  if (device.password_file === undefined) return { username: device.username, password: device.password ?? '' };
  const at = `collect.devices[${device.id}].password_file`;
  let text: string;
  try {
    text = readFileSync(device.password_file, 'utf8');
  } catch (err) {
    throw new HeatScadaError('HS_ERR_CONFIG_READ', (err as Error).message, at);
  }
  const password = text.split('\n')[0]?.trim() ?? '';
  if (password === '') throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `${device.password_file} holds no password`, at);
  return { username: device.username, password };
}
