import { describe, expect, it } from 'vitest';
import { aliasOf, deviceBirth, nodeBirth } from '../../tests/helpers/sparkplug-messages.ts';
import { AliasTable } from './aliases.ts';

describe('AliasTable', () => {
  it('learns catalogue tags from a DBIRTH with their type, unit and range', () => {
    const table = AliasTable.fromBirth(deviceBirth(2, 1, { 'primary.supply_temp': 95.5, 'pump.running': true }).metrics, true);
    const temp = table.lookup({ alias: aliasOf(2, 'primary.supply_temp'), datatype: 'Double', value: 1 });
    expect(temp).toMatchObject({ name: 'primary.supply_temp', tag: 'primary.supply_temp', kind: 'number', unit: '°C', low: 0, high: 150 });
    expect(table.lookup({ alias: aliasOf(2, 'pump.running'), datatype: 'Boolean', value: true })?.kind).toBe('boolean');
  });

  it('keeps the unit a birth declares, for reference', () => {
    const table = AliasTable.fromBirth(
      [{ name: 'primary.flow', alias: 7, datatype: 'Double', value: 1, properties: { engUnit: { type: 'String', value: 'l/s' }, engHigh: { type: 'Double', value: 170 } } }],
      true,
    );
    expect(table.lookup({ alias: 7, datatype: 'Double', value: 1 })).toMatchObject({ unit: 'l/s', low: 0, high: 170 });
  });

  it('historises non-catalogue numbers under their own name but not text, and nothing of the node', () => {
    const device = AliasTable.fromBirth(
      [
        { name: 'gateway.latency_ms', alias: 1, datatype: 'Double', value: 3 },
        { name: 'command.ack', alias: 2, datatype: 'String', value: null },
      ],
      true,
    );
    expect(device.lookup({ alias: 1, datatype: 'Double', value: 3 })?.tag).toBe('gateway.latency_ms');
    expect(device.lookup({ alias: 2, datatype: 'String', value: '{}' })?.tag).toBeNull();
    const node = AliasTable.fromBirth(nodeBirth(3).metrics, false);
    expect(node.entries().map((e) => [e.name, e.tag])).toEqual([
      ['bdSeq', null],
      ['Node Control/Rebirth', null],
    ]);
  });

  it('finds a metric by name when it has no alias, and nothing for an unnamed birth metric', () => {
    const table = AliasTable.fromBirth(
      [
        { name: 'outdoor.temp', datatype: 'Double', value: -3 },
        { alias: 9, datatype: 'Double', value: 1 },
      ],
      true,
    );
    expect(table.lookup({ name: 'outdoor.temp', datatype: 'Double', value: -2 })?.tag).toBe('outdoor.temp');
    expect(table.lookup({ alias: 9, datatype: 'Double', value: 1 })).toBeUndefined();
    expect(table.entries()).toHaveLength(1);
  });
});
