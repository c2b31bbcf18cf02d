// The OPC UA driver's data path without a socket: each testcases/<name>/ folder is a device
// config, the server's namespace table and the DataValues it publishes, and the node ids,
// deadbands and points they must give.

import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataType, DataValue, StatusCodes, Variant, type StatusCode } from 'node-opcua';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isTagName, TAGS } from '../../model/tags.ts';
import { validateDocument } from '../../model/validate.ts';
import { loadDevices } from '../config.ts';
import { PointBook } from '../driver-support.ts';
import { OpcuaDeviceSchema, opcuaTags } from './config.ts';
import { deviceCredentials } from './credentials.ts';
import { qualityOf, sampleOf } from './quality.ts';
import { resolveNodes } from './subscription.ts';
import { errorOfStatus } from './write.ts';

const CASES = path.join(import.meta.dirname, 'testcases');

interface Input {
  namespaces: string[];
  values: { tag: string; status: string; type?: keyof typeof DataType; value?: unknown }[];
}
interface Expected {
  nodes: Record<string, string>;
  deadbands: Record<string, { type: string; value: number }>;
  points: { tag: string; value: number | boolean; quality: string }[];
}

function statusNamed(name: string): StatusCode {
  const status = (StatusCodes as unknown as Record<string, StatusCode | undefined>)[name];
  if (!status) throw new Error(`no status code ${name}`);
  return status;
}

describe.each(readdirSync(CASES))('testcase %s', (name) => {
  const read = (file: string): string => readFileSync(path.join(CASES, name, file), 'utf8');
  const device = validateDocument(OpcuaDeviceSchema, parseYaml(read('config.yaml')), 'HS_ERR_CONFIG_INVALID', name);
  const input = JSON.parse(read('input.json')) as Input;
  const expected = JSON.parse(read('expected.json')) as Expected;
  const nodes = resolveNodes(opcuaTags(device), input.namespaces.indexOf(device.namespace_uri));

  it('monitors the expected nodes with the expected deadbands', () => {
    expect(Object.fromEntries(nodes.map((n) => [n.tag, n.nodeId.toString()]))).toEqual(expected.nodes);
    expect(Object.fromEntries(nodes.flatMap((n) => (n.deadband ? [[n.tag, n.deadband]] : [])))).toEqual(expected.deadbands);
  });

  it('turns the published values into the expected points', () => {
    const book = new PointBook(device.id);
    const points = input.values.map((v) => {
      if (!isTagName(v.tag)) throw new Error(`${name}: no tag ${v.tag}`);
      const value = v.type === undefined ? undefined : new Variant({ dataType: DataType[v.type], value: v.value });
      const sample = sampleOf(new DataValue({ statusCode: statusNamed(v.status), ...(value ? { value } : {}) }), 0);
      const { tag, value: got, quality } = book.point(v.tag, sample.value, sample.quality, sample.ts);
      return { tag, value: got, quality };
    });
    expect(points).toEqual(expected.points);
  });
});

describe('status codes', () => {
  it('grades quality by severity, info bits and all', () => {
    expect(qualityOf(StatusCodes.Good)).toBe('good');
    expect(qualityOf(StatusCodes.GoodClamped)).toBe('good');
    expect(qualityOf(StatusCodes.UncertainSensorNotAccurate)).toBe('uncertain');
    expect(qualityOf(StatusCodes.BadOutOfService)).toBe('bad');
  });

  it('maps write refusals to the error catalogue', () => {
    expect(errorOfStatus(StatusCodes.BadOutOfRange)).toBe('HS_ERR_OUT_OF_RANGE');
    expect(errorOfStatus(StatusCodes.BadInvalidState)).toBe('HS_ERR_PLC_MODE');
    expect(errorOfStatus(StatusCodes.BadNotWritable)).toBe('HS_ERR_NOT_WRITABLE');
    expect(errorOfStatus(StatusCodes.BadUserAccessDenied)).toBe('HS_ERR_NOT_WRITABLE');
    expect(errorOfStatus(StatusCodes.BadNoCommunication)).toBe('HS_ERR_PLC_OFFLINE');
    expect(errorOfStatus(StatusCodes.BadSessionClosed)).toBe('HS_ERR_PLC_OFFLINE');
    expect(errorOfStatus(StatusCodes.BadTypeMismatch)).toBe('HS_ERR_WRONG_TYPE');
    expect(errorOfStatus(StatusCodes.BadInternalError)).toBe('HS_ERR_PLC_WRITE_FAILED');
  });

  it("stamps a point with the collector's clock, not the PLC's source or server timestamp (its clock may be wrong)", () => {
    const dv = new DataValue({
      value: new Variant({ dataType: DataType.Double, value: 1 }),
      sourceTimestamp: new Date(1_000),
      serverTimestamp: new Date(5_000),
    });
    expect(sampleOf(dv, 9_000).ts).toBe(9_000);
    expect(sampleOf(new DataValue({ value: new Variant({ dataType: DataType.Double, value: 1 }) }), 9_000).ts).toBe(9_000);
  });
});

describe('device config', () => {
  const base = { id: 'S1', protocol: 'opcua', url: 'opc.tcp://10.0.0.1:4840' };
  const invalid = (doc: unknown): string => {
    try {
      validateDocument(OpcuaDeviceSchema, doc, 'HS_ERR_CONFIG_INVALID');
    } catch (err) {
      return (err as { path: string }).path;
    }
    throw new Error('expected the config to be refused');
  };

  it('fills the defaults', () => {
    const device = validateDocument(OpcuaDeviceSchema, { ...base }, 'HS_ERR_CONFIG_INVALID');
    expect(device).toMatchObject({
      namespace_uri: 'urn:heatscada:plc',
      security_mode: 'None',
      security_policy: 'None',
      server_trust: 'first_use',
      sampling_interval_ms: 1000,
      queue_size: 10,
      reconnect: { initial_delay_ms: 500, max_delay_ms: 30_000 },
    });
    expect(opcuaTags(device)).toHaveLength(TAGS.length);
  });

  it('names the bad field', () => {
    expect(invalid({ ...base, url: 'http://10.0.0.1' })).toBe('/url');
    expect(invalid({ ...base, security_mode: 'Sign' })).toBe('/security_policy');
    expect(invalid({ ...base, security_policy: 'Basic256Sha256' })).toBe('/security_policy');
    // A user name needs exactly one of password and password_file; they need a user name.
    expect(invalid({ ...base, username: 'operator' })).toBe('/password');
    expect(invalid({ ...base, username: 'operator', password: 'a', password_file: '/run/secret' })).toBe('/');
    expect(invalid({ ...base, password_file: '/run/secret' })).toBe('/');
    expect(invalid({ ...base, server_trust: 'always' })).toBe('/server_trust');
    expect(invalid({ ...base, tags: { 'pump.running': { deadband: { type: 'absolute', value: 1 } } } })).toBe('/tags/pump.running/deadband');
    expect(invalid({ ...base, tags: { 'primary.flow': { node_id: 'Pump1.Running' } } })).toBe('/tags/primary.flow/node_id');
    expect(invalid({ ...base, tags: { 'primary.flow': { deadband: { type: 'relative', value: 1 } } } })).toBe('/tags/primary.flow/deadband/type');
  });

  it('ships a valid sample', () => {
    const [sample] = loadDevices(path.join(import.meta.dirname, 'sample.yaml'));
    expect(sample).toMatchObject({ protocol: 'opcua', id: 'S002' });
    expect(sample?.protocol === 'opcua' ? opcuaTags(sample).map((t) => t.identifier) : []).toContain('s=S002.secondary.supply_temp');
  });

  it('reads password_file at start; a missing or empty file fails naming the field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hs-opcua-cred-'));
    try {
      const file = path.join(dir, 'opcua-collector.password');
      const device = (password_file: string) =>
        validateDocument(OpcuaDeviceSchema, { ...base, security_mode: 'Sign', security_policy: 'Basic256Sha256', username: 'collector', password_file }, 'HS_ERR_CONFIG_INVALID');
      writeFileSync(file, 's3cret-from-file\n');
      expect(deviceCredentials(device(file))).toEqual({ username: 'collector', password: 's3cret-from-file' });
      const failure = (f: string) => {
        try {
          deviceCredentials(device(f));
        } catch (err) {
          return [(err as { code: string }).code, (err as { path: string }).path];
        }
        return undefined;
      };
      expect(failure(path.join(dir, 'missing'))).toEqual(['HS_ERR_CONFIG_READ', 'collect.devices[S1].password_file']);
      writeFileSync(file, '\n');
      expect(failure(file)).toEqual(['HS_ERR_CONFIG_INVALID', 'collect.devices[S1].password_file']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts a secured, authenticated device', () => {
    const device = validateDocument(
      OpcuaDeviceSchema,
      { ...base, security_mode: 'SignAndEncrypt', security_policy: 'Basic256Sha256', username: 'collector', password: 'secret' },
      'HS_ERR_CONFIG_INVALID',
    );
    expect(device.security_policy).toBe('Basic256Sha256');
  });
});
