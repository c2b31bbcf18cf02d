import { describe, expect, it } from 'vitest';
import type { Point } from '../../model/point.ts';
import { aliasFor, BD_SEQ, COMMAND_ACK, COMMAND_ACK_OFFSET, decodePayload, encodePayload, REBIRTH } from '../../model/sparkplug.ts';
import { TAG_NAMES, TAGS, type TagName } from '../../model/tags.ts';
import { deviceBirth, deviceDeath, nodeBirth, nodeDeath } from './births.ts';
import { DeviceMetrics } from './metrics.ts';

const roundTrip = <T extends Parameters<typeof encodePayload>[0]>(p: T) => decodePayload(encodePayload(p));

describe('node birth and death', () => {
  it('NBIRTH: seq 0, bdSeq and the rebirth control', () => {
    const p = roundTrip(nodeBirth(7, 1000));
    expect(p.seq).toBe(0);
    expect(p.timestamp).toBe(1000);
    expect(p.metrics).toEqual([
      { name: BD_SEQ, datatype: 'UInt64', value: 7 },
      { name: REBIRTH, datatype: 'Boolean', value: false },
    ]);
  });
  it('NDEATH: bdSeq only, no seq', () => {
    const p = roundTrip(nodeDeath(7, 1000));
    expect(p.seq).toBeUndefined();
    expect(p.metrics).toEqual([{ name: BD_SEQ, datatype: 'UInt64', value: 7 }]);
  });
  it('DDEATH: a seq and no metrics', () => {
    expect(roundTrip(deviceDeath(42, 1000))).toEqual({ timestamp: 1000, seq: 42, metrics: [] });
  });
});

describe('device birth', () => {
  const device = new DeviceMetrics('S003', 2, TAG_NAMES);
  const latest = new Map<TagName, Point>(
    TAGS.filter((t) => t.name !== 'indoor.temp_min').map((t, i) => [
      t.name,
      { substation: 'S003', tag: t.name, ts: 5000 + i, value: t.valueType === 'boolean' ? true : t.min + 1, quality: t.name === 'filter.dp' ? 'uncertain' : 'good' },
    ]),
  );
  const birth = roundTrip(deviceBirth(device, latest, 9, 6000));
  const byName = new Map(birth.metrics.map((m) => [m.name, m]));

  it('carries every catalogue tag the driver maps plus the command acknowledgement, all with aliases', () => {
    expect(birth.seq).toBe(9);
    expect(birth.metrics).toHaveLength(TAGS.length + 1);
    TAGS.forEach((t, i) => expect(byName.get(t.name)?.alias).toBe(aliasFor(2, i)));
    expect(byName.get(COMMAND_ACK)).toMatchObject({ alias: aliasFor(2, COMMAND_ACK_OFFSET), datatype: 'String', value: null });
    expect(new Set(birth.metrics.map((m) => m.alias)).size).toBe(birth.metrics.length);
  });

  it('gives each metric its datatype, value, timestamp, unit, range, quality and writability', () => {
    expect(byName.get('primary.supply_temp')).toEqual({
      name: 'primary.supply_temp',
      alias: aliasFor(2, 0),
      timestamp: 5000,
      datatype: 'Double',
      value: 1,
      properties: {
        engUnit: { type: 'String', value: '°C' },
        engLow: { type: 'Double', value: 0 },
        engHigh: { type: 'Double', value: 150 },
        Quality: { type: 'Int32', value: 192 },
        readOnly: { type: 'Boolean', value: true },
      },
    });
    expect(byName.get('pump.running')).toMatchObject({ datatype: 'Boolean', value: true });
    expect(byName.get('control.mode_setpoint')).toMatchObject({ datatype: 'UInt16', value: 1, properties: { readOnly: { value: false } } });
    expect(byName.get('plc.heartbeat')).toMatchObject({ datatype: 'UInt16' });
    expect(byName.get('filter.dp')?.properties?.Quality).toEqual({ type: 'Int32', value: 64 });
  });

  it('a tag not read yet is born null with bad quality', () => {
    expect(byName.get('indoor.temp_min')).toMatchObject({ value: null, timestamp: 6000, properties: { Quality: { type: 'Int32', value: 0 } } });
  });

  it('carries only the tags the driver maps; tags outside the catalogue are reported, not published', () => {
    const partial = new DeviceMetrics('S004', 0, ['primary.supply_temp', 'pump.running', 'vendor.secret']);
    expect(partial.unknownTags).toEqual(['vendor.secret']);
    const names = deviceBirth(partial, new Map(), 1, 0).metrics.map((m) => m.name);
    expect(names).toEqual(['primary.supply_temp', 'pump.running', COMMAND_ACK]);
  });
});

describe('data metrics', () => {
  const device = new DeviceMetrics('S001', 0, TAG_NAMES);
  it('by alias only; Quality only when not good; isHistorical for replayed points', () => {
    const good = device.dataMetric({ substation: 'S001', tag: 'primary.flow', ts: 1, value: 12.5, quality: 'good' }, false);
    expect(good).toEqual({ alias: aliasFor(0, 4), timestamp: 1, datatype: 'Double', value: 12.5 });
    const bad = device.dataMetric({ substation: 'S001', tag: 'pump.fault', ts: 2, value: false, quality: 'bad' }, true);
    expect(bad).toEqual({ alias: aliasFor(0, 21), timestamp: 2, datatype: 'Boolean', value: false, isHistorical: true, properties: { Quality: { type: 'Int32', value: 0 } } });
  });
  it('resolves a command metric by name or alias, and nothing else', () => {
    expect(device.resolve({ name: 'pump.frequency_setpoint' })?.name).toBe('pump.frequency_setpoint');
    expect(device.resolve({ alias: aliasFor(0, 28) })?.name).toBe('pump.frequency_setpoint');
    expect(device.resolve({ alias: aliasFor(1, 28) })).toBeUndefined();
    expect(device.resolve({ name: 'no.such_tag' })).toBeUndefined();
  });
});
