import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload } from '../model/sparkplug.ts';
import { stampActor } from './actor-stamp.ts';

const control = { username: 'control', kind: 'control' } as const;
const text = (value: string) => ({ type: 'String' as const, value });

describe('stampActor', () => {
  it('writes the sender over every metric\'s actor and kind; its claim becomes onBehalfOf', () => {
    const sent = encodePayload({
      timestamp: 1,
      metrics: [
        { name: 'pump.frequency_setpoint', datatype: 'Double', value: 40, properties: { requestId: text('r1'), actor: text('alice'), actorKind: text('edge_node'), onBehalfOf: text('bob') } },
        { name: 'primary.valve_setpoint', datatype: 'Double', value: 30, properties: { requestId: text('r2'), actor: text('control') } },
        { name: 'primary.valve_setpoint', datatype: 'Double', value: 31 },
      ],
    });
    const [forged, own, bare] = decodePayload(stampActor(sent, control)).metrics;
    expect(forged.properties).toEqual({ requestId: text('r1'), actor: text('control'), actorKind: text('control'), onBehalfOf: text('alice') });
    expect(own.properties).toEqual({ requestId: text('r2'), actor: text('control'), actorKind: text('control') });
    expect(bare.properties).toEqual({ actor: text('control'), actorKind: text('control') });
    expect(forged.value).toBe(40);
  });

  it('refuses what it cannot stamp', () => {
    expect(() => stampActor(Buffer.from('not protobuf \xff'), control)).toThrow(/HS_ERR_SPARKPLUG_DECODE/);
    expect(() => stampActor(encodePayload({ timestamp: 1, metrics: [] }), control)).toThrow(/HS_ERR_SPARKPLUG_DECODE/);
  });
});
