import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ownClientId, readMqttLogin } from './mqtt-client.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-mqtt-login-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readMqttLogin', () => {
  it('reads the password (without its trailing newline) and the CA from their files', () => {
    const passwordFile = path.join(dir, 'pw');
    const caFile = path.join(dir, 'ca.crt');
    writeFileSync(passwordFile, 's3cret with spaces\n');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\n');
    expect(readMqttLogin({ username: 'historian', password_file: passwordFile, ca_file: caFile }, '/historian/mqtt_login')).toEqual({
      username: 'historian',
      password: 's3cret with spaces',
      ca: Buffer.from('-----BEGIN CERTIFICATE-----\n'),
    });
    expect(readMqttLogin(undefined, '/x')).toEqual({});
  });

  it('names the field of a missing file or of a password given twice', () => {
    expect(() => readMqttLogin({ password_file: path.join(dir, 'absent') }, '/control/mqtt_login')).toThrow(/HS_ERR_CONFIG_READ.*at \/control\/mqtt_login\/password_file/);
    expect(() => readMqttLogin({ ca_file: path.join(dir, 'absent.crt') }, '/serve/mqtt_login')).toThrow(/at \/serve\/mqtt_login\/ca_file/);
    expect(() => readMqttLogin({ password: 'a', password_file: 'b' }, '/collect/mqtt')).toThrow(/HS_ERR_CONFIG_INVALID.*\/collect\/mqtt\/password_file.*not both/);
  });
});

describe('ownClientId', () => {
  it('prefixes a client id with the login\'s user name unless it starts with it; without a login it stays', () => {
    expect(ownClientId({ username: 'historian' }, 'heatscada-historian')).toBe('historian-heatscada-historian');
    expect(ownClientId({ username: 'historian' }, 'historian-2')).toBe('historian-2');
    expect(ownClientId({ username: 'historian' }, 'historian')).toBe('historian');
    // `historians` is not `historian-…`: the broker would give it to a principal named so.
    expect(ownClientId({ username: 'historian' }, 'historians')).toBe('historian-historians');
    expect(ownClientId({}, 'heatscada-api-1')).toBe('heatscada-api-1');
    expect(ownClientId(undefined, 'heatscada-api-1')).toBe('heatscada-api-1');
  });
});
