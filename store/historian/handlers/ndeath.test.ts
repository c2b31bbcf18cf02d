import { describe, expect, it } from 'vitest';
import { deviceTopic, EDGE, GROUP, nodeTopic, testHost } from '../../../tests/helpers/host-context.ts';
import { deviceBirth, nodeBirth, nodeDeath } from '../../../tests/helpers/sparkplug-messages.ts';
import { handleDbirth } from './dbirth.ts';
import { handleNbirth } from './nbirth.ts';
import { handleNdeath } from './ndeath.ts';

function bornWithTwoDevices(bdSeq: number) {
  const host = testHost();
  handleNbirth(host.ctx, nodeTopic('NBIRTH'), nodeBirth(bdSeq));
  handleDbirth(host.ctx, deviceTopic('DBIRTH', 's1'), deviceBirth(0, 1, { 'primary.flow': 1 }));
  handleDbirth(host.ctx, deviceTopic('DBIRTH', 's2'), deviceBirth(1, 2, { 'primary.flow': 2 }));
  return host;
}

describe('NDEATH', () => {
  it("marks every device of the session offline when the bdSeq is the NBIRTH's", async () => {
    const host = bornWithTwoDevices(4);
    handleNdeath(host.ctx, nodeTopic('NDEATH'), nodeDeath(4));
    await host.settle();
    expect((await host.store.statuses()).map((s) => [s.substation, s.online])).toEqual([
      ['s1', false],
      ['s2', false],
    ]);
    expect(host.ctx.sessions.get(GROUP, EDGE)).toBeUndefined();
  });

  it('ignores the death of an older session (a late will)', async () => {
    const host = bornWithTwoDevices(4);
    handleNdeath(host.ctx, nodeTopic('NDEATH'), nodeDeath(3));
    await host.settle();
    expect((await host.store.statuses()).every((s) => s.online)).toBe(true);
    expect(host.ctx.events.staleDeaths).toBe(1);
    expect(host.ctx.sessions.get(GROUP, EDGE)).toBeDefined();
  });
});
