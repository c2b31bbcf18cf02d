// The device list: each entry checked against its protocol's schema, errors with their path,
// and the file the simulator generates taken as it is.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { TAGS } from '../model/tags.ts';
import { writeCollectorConfig, type Manifest } from '../simulators/manifest.ts';
import { loadDevices, resolveDevices } from './config.ts';
import { createDrivers } from './drivers.ts';

const silent = pino({ level: 'silent' });

function pathOfError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { path: string }).path;
  }
  throw new Error('expected an error');
}

describe('device list', () => {
  it('checks each entry against its protocol and fills its defaults', () => {
    const devices = resolveDevices([
      { id: 'S1', protocol: 'opcua', url: 'opc.tcp://10.0.0.1:4840' },
      { id: 'S2', protocol: 'modbus', url: 'modbus-tcp://10.0.0.2' },
    ]);
    expect(devices[0]).toMatchObject({ protocol: 'opcua', namespace_uri: 'urn:heatscada:plc' });
    expect(devices[1]).toMatchObject({ protocol: 'modbus', unit_id: 1, registers: 'holding', byte_order: 'ABCD' });
  });

  it('names the bad field of the chosen protocol only', () => {
    expect(pathOfError(() => resolveDevices([{ id: 'S1', protocol: 'bacnet', url: 'x' }]))).toBe('/0/protocol');
    expect(pathOfError(() => resolveDevices([{ id: 'S1', protocol: 'modbus', url: 'modbus-tcp://h', unit_id: 300 }]))).toBe('/0/unit_id');
    // An OPC UA field on a Modbus device is unknown there.
    expect(pathOfError(() => resolveDevices([{ id: 'S1', protocol: 'modbus', url: 'modbus-tcp://h', namespace_uri: 'urn:x' }]))).toBe('/0/namespace_uri');
    expect(pathOfError(() => resolveDevices([{ protocol: 'opcua', url: 'opc.tcp://h' }]))).toBe('/0/id');
  });

  it('refuses a substation listed twice', () => {
    const devices = resolveDevices([
      { id: 'S1', protocol: 'opcua', url: 'opc.tcp://10.0.0.1:4840' },
      { id: 'S1', protocol: 'modbus', url: 'modbus-tcp://10.0.0.2' },
    ]);
    expect(pathOfError(() => createDrivers(devices, silent))).toBe('/collect/devices/1/id');
  });
});

describe('the generated collector config (simulators/manifest.ts)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'heatscada-collect-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads unchanged and maps every catalogue tag of every device', async () => {
    const location = { lat: 41.8, lon: 123.4 };
    const heating = 'radiator';
    const passwordFile = path.join(dir, 'opcua-collector.password');
    writeFileSync(passwordFile, 'generated-secret\n', { mode: 0o600 });
    const security = { security_mode: 'SignAndEncrypt', security_policy: 'Basic256Sha256', username: 'collector', password_file: passwordFile, pki_dir: path.join(dir, 'pki', 'opcua-client') } as const;
    const manifest: Manifest = {
      generated_at: new Date(0).toISOString(),
      substations: [
        { id: 'S001', protocol: 'opcua', url: 'opc.tcp://127.0.0.1:4840', namespace_uri: 'urn:heatscada:plc', node_prefix: 'ns=2;s=S001.', security, location, heating },
        { id: 'S002', protocol: 'modbus', url: 'modbus-tcp://127.0.0.1:5020', unit_id: 1, location, heating },
        { id: 'S003', protocol: 'modbus', url: 'modbus-tcp://127.0.0.1:5020', unit_id: 2, location, heating },
      ],
    };
    const { file } = writeCollectorConfig(dir, manifest);
    const devices = loadDevices(file);
    expect(devices.map((d) => [d.id, d.protocol])).toEqual([
      ['S001', 'opcua'],
      ['S002', 'modbus'],
      ['S003', 'modbus'],
    ]);
    expect(devices[0]).toMatchObject(security);
    const drivers = createDrivers(devices, silent);
    expect(drivers.map((d) => d.tags.length)).toEqual([TAGS.length, TAGS.length, TAGS.length]);
    await Promise.all(drivers.map((d) => d.close()));
  });
});
