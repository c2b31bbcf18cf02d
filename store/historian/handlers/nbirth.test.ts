import { describe, expect, it } from 'vitest';
import { deviceTopic, EDGE, GROUP, nodeTopic, testHost } from '../../../tests/helpers/host-context.ts';
import { deviceBirth, nodeBirth } from '../../../tests/helpers/sparkplug-messages.ts';
import { handleDbirth } from './dbirth.ts';
import { handleNbirth } from './nbirth.ts';

describe('NBIRTH', () => {
  it('starts a session with the bdSeq, seq and node metrics of the birth', () => {
    const { ctx } = testHost();
    handleNbirth(ctx, nodeTopic('NBIRTH'), nodeBirth(7));
    const session = ctx.sessions.get(GROUP, EDGE);
    expect(session).toMatchObject({ bdSeq: 7, seq: 0 });
    expect(session?.node.lookup({ name: 'bdSeq', datatype: 'UInt64', value: 7 })?.tag).toBeNull();
  });

  it('drops the device tables of the previous session: the DBIRTHs that follow teach them again', () => {
    const { ctx } = testHost();
    handleNbirth(ctx, nodeTopic('NBIRTH'), nodeBirth(1));
    handleDbirth(ctx, deviceTopic('DBIRTH', 's1'), deviceBirth(0, 1, { 'primary.flow': 10 }));
    expect(ctx.sessions.counts()).toEqual({ nodes: 1, devices: 1 });
    handleNbirth(ctx, nodeTopic('NBIRTH'), nodeBirth(2));
    expect(ctx.sessions.counts()).toEqual({ nodes: 1, devices: 0 });
  });
});
